"""jobs.heartbeat_at, jobs.lease_owner: the lease of a running attempt

Revision ID: 5b7e0c4f9a21
Revises: 1c201e58e639
Create Date: 2026-12-01 05:05:00
"""
from alembic import op
import sqlalchemy as sa


revision = '5b7e0c4f9a21'
down_revision = '1c201e58e639'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('lease_owner', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_column('lease_owner')
        batch_op.drop_column('heartbeat_at')
