"""return initiation date and inbound shipping cost on units

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 16:20:00

Cost per return counts the inbound shipping a unit came with, and cycle time to value starts
at the customer's return initiation, not at the bench's intake: both are recorded at intake
where known (typed, or read from the return label's GS1 barcode).
"""

import sqlalchemy as sa
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('return_initiated_on', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('shipping_cost', sa.Double(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_column('shipping_cost')
        batch_op.drop_column('return_initiated_on')
