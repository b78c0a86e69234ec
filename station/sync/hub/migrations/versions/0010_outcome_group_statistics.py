"""outcome group statistics: how many SKU x grade x channel groups the sales fall into

Revision ID: 0010
Revises: 0009

Without them the planner multiplies the three columns' distinct counts, expects several times the
groups there are, and sorts every sale of the window where a hash aggregate does (risk._GROUPS).
"""

from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE STATISTICS outcomes_sku_grade_channel (ndistinct) ON sku_key, grade, channel FROM outcomes")


def downgrade() -> None:
    op.execute("DROP STATISTICS outcomes_sku_grade_channel")
