"""counter roll-ups per département, kind and stage (daily and all-time), per day, kind and stage

Revision ID: 5e1f0a7c2d93
Revises: 5b7e0c4f9a21
Create Date: 2026-12-01 05:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '5e1f0a7c2d93'
down_revision = "5b7e0c4f9a21"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('counter_territory_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('department_code', sa.String(length=3), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('stock', sa.Integer(), nullable=False),
    sa.Column('entered', sa.Integer(), nullable=False),
    sa.Column('goal', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counter_territory_days')),
    sa.UniqueConstraint('day', 'department_code', 'kind', 'stage',
                        name='uq_counter_territory_days_key')
    )
    with op.batch_alter_table('counter_territory_days', schema=None) as batch_op:
        batch_op.create_index('ix_counter_territory_days_stage_day',
                              ['stage', 'day', 'department_code', 'kind', 'goal'],
                              unique=False)

    op.create_table('counter_territory',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('department_code', sa.String(length=3), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('stock', sa.Integer(), nullable=False),
    sa.Column('entered', sa.Integer(), nullable=False),
    sa.Column('goal', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counter_territory')),
    sa.UniqueConstraint('department_code', 'kind', 'stage', name='uq_counter_territory_key')
    )
    op.create_table('counter_national_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('stock', sa.Integer(), nullable=False),
    sa.Column('entered', sa.Integer(), nullable=False),
    sa.Column('goal', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counter_national_days')),
    sa.UniqueConstraint('stage', 'day', 'kind', name='uq_counter_national_days_key')
    )
    with op.batch_alter_table('counter_all_time', schema=None) as batch_op:
        batch_op.create_index('ix_counter_all_time_stage', ['stage'], unique=False)

    # Fill them from the daily totals already folded (the deltas fold into them from now on).
    op.execute("INSERT INTO counter_national_days (stage, day, kind, stock, entered, goal) "
               "SELECT stage, day, kind, sum(stock), sum(entered), sum(goal) "
               "FROM counter_totals GROUP BY stage, day, kind")
    op.execute("INSERT INTO counter_territory_days (day, department_code, kind, stage, stock, "
               "entered, goal) SELECT day, department_code, kind, stage, sum(stock), "
               "sum(entered), sum(goal) FROM counter_totals "
               "GROUP BY day, department_code, kind, stage")
    op.execute("INSERT INTO counter_territory (department_code, kind, stage, stock, entered, "
               "goal) SELECT department_code, kind, stage, sum(stock), sum(entered), sum(goal) "
               "FROM counter_totals GROUP BY department_code, kind, stage")


def downgrade():
    with op.batch_alter_table('counter_all_time', schema=None) as batch_op:
        batch_op.drop_index('ix_counter_all_time_stage')

    op.drop_table('counter_national_days')
    op.drop_table('counter_territory')
    with op.batch_alter_table('counter_territory_days', schema=None) as batch_op:
        batch_op.drop_index('ix_counter_territory_days_stage_day')

    op.drop_table('counter_territory_days')
