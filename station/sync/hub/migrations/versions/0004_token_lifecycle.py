"""tokens: expiry, last use, and who created or revoked them

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('tokens', sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('tokens', sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('tokens', sa.Column('created_by', sa.String(length=120), nullable=True))
    op.add_column('tokens', sa.Column('revoked_by', sa.String(length=120), nullable=True))


def downgrade() -> None:
    for column in ('revoked_by', 'created_by', 'last_used_at', 'expires_at'):
        op.drop_column('tokens', column)
