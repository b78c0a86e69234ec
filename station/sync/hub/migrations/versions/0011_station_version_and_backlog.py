"""station version and backlog: what each station last said about itself, for the console's stations page

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('stations', sa.Column('version', sa.String(length=40), nullable=True))
    op.add_column('stations', sa.Column('backlog', sa.BigInteger(), nullable=True))
    op.add_column('stations', sa.Column('backlog_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column('stations', 'backlog_at')
    op.drop_column('stations', 'backlog')
    op.drop_column('stations', 'version')
