"""process_heartbeats: the last sign of life of each worker and of the sweeper

Revision ID: 3a9d2f6c1b7e
Revises: 8c3d5a1e7b40
Create Date: 2026-12-08 01:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '3a9d2f6c1b7e'
down_revision = '8c3d5a1e7b40'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'process_heartbeats',
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('worker', 'sweeper')", name=op.f('ck_process_heartbeats_kind')),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_process_heartbeats')),
    )


def downgrade():
    op.drop_table('process_heartbeats')
