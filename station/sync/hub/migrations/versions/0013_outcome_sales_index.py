"""outcome sales index: the window's sales read in SKU x grade x channel x amount order

Revision ID: 0013
Revises: 0012

The price bands' percentiles then come from one index-only pass (risk._GROUPS): no sort of every sale
and no array of each group's amounts. Only sales are indexed: an outcome recorded is one index entry
more, a few hundred a day per station.
"""

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_outcomes_sales', 'outcomes', ['sku_key', 'grade', 'channel', 'amount'],
                    postgresql_include=['at', 'buyer', 'make', 'model', 'capacity'],
                    postgresql_where=sa.text("outcome = 'sold'"))


def downgrade() -> None:
    op.drop_index('ix_outcomes_sales', table_name='outcomes')
