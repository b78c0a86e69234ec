"""capacity on units

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 20:30:00

The value loop's SKU is make + model + capacity: a 128 GB and a 512 GB phone of one model sell
at different prices, so price bands and lifecycle tags are kept per capacity.
"""

import sqlalchemy as sa
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('capacity', sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_column('capacity')
