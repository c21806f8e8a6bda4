"""dashboard detail roll-ups (lead-time histograms, yield), their watermark, the waiting index

Revision ID: 8c3d5a1e7b40
Revises: 5e1f0a7c2d93
Create Date: 2026-12-01 06:00:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.orm import Session


revision = '8c3d5a1e7b40'
down_revision = "5e1f0a7c2d93"
branch_labels = None
depends_on = None

WAITING_WHERE = ("stage IN ('received', 'diagnosed', 'wiped', 'refurbished', 'checked', "
                 "'ready', 'reserved')")


def _key_columns(*names):
    types = {"day": sa.Date(), "site_id": sa.Integer(), "operator_id": sa.Integer(),
             "department_code": sa.String(length=3), "kind": sa.String(length=20),
             "stage": sa.String(length=20), "bucket": sa.Integer(),
             "donor_id": sa.Integer(), "purchase_year": sa.Integer(),
             "outcome": sa.String(length=12)}
    return [sa.Column(name, types[name], nullable=False) for name in names]


def _table(name, key, value, unique, indexes=()):
    op.create_table(name,
                    sa.Column('id', sa.Integer(), nullable=False),
                    *_key_columns(*key),
                    sa.Column(value, sa.BigInteger(), nullable=False),
                    sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{name}')),
                    sa.UniqueConstraint(*unique, name=f'uq_{name}_key'))
    for index, columns in indexes:
        op.create_index(index, name, columns, unique=False)


LEAD = ("day", "site_id", "operator_id", "department_code", "kind", "stage", "bucket")
YIELD = ("site_id", "operator_id", "department_code", "kind", "donor_id", "purchase_year",
         "outcome")


def upgrade():
    _table('lead_time_site_days', LEAD, 'moves', LEAD,
           [('ix_lead_time_site_days_operator_day', ['operator_id', 'day']),
            ('ix_lead_time_site_days_site_day', ['site_id', 'day'])])
    territory = ("day", "department_code", "kind", "stage", "bucket")
    _table('lead_time_territory_days', territory, 'moves',
           ("department_code", "day", "kind", "stage", "bucket"))
    _table('lead_time_national_days', ("day", "kind", "stage", "bucket"), 'moves',
           ("day", "kind", "stage", "bucket"))
    _table('yield_sites', YIELD, 'devices', YIELD,
           [('ix_yield_sites_operator', ['operator_id']), ('ix_yield_sites_site', ['site_id'])])
    key = ("department_code", "kind", "donor_id", "purchase_year", "outcome")
    _table('yield_territory', key, 'devices', key)
    _table('yield_national_donors', ("kind", "donor_id", "outcome"), 'devices',
           ("kind", "donor_id", "outcome"))
    _table('yield_national_years', ("kind", "purchase_year", "outcome"), 'devices',
           ("kind", "purchase_year", "outcome"))
    op.create_table('rollup_marks',
                    sa.Column('name', sa.String(length=30), nullable=False),
                    sa.Column('folded_to', sa.BigInteger(), nullable=False),
                    sa.Column('pending_to', sa.BigInteger(), nullable=True),
                    sa.Column('pending_xmax', sa.BigInteger(), nullable=True),
                    sa.PrimaryKeyConstraint('name', name=op.f('pk_rollup_marks')))
    op.create_index('ix_devices_waiting', 'devices',
                    ['stage', 'stage_changed_at', 'site_id', 'kind'], unique=False,
                    postgresql_where=sa.text(WAITING_WHERE), sqlite_where=sa.text(WAITING_WHERE))
    # Fill them from the stage log (the same recount as `flask counters repair`).
    from collecte.services import rollups

    rollups.rebuild(Session(bind=op.get_bind()))


def downgrade():
    op.drop_index('ix_devices_waiting', table_name='devices')
    for name in ('rollup_marks', 'yield_national_years', 'yield_national_donors',
                 'yield_territory', 'yield_sites', 'lead_time_national_days',
                 'lead_time_territory_days', 'lead_time_site_days'):
        op.drop_table(name)
