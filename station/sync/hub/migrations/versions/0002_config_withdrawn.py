"""configuration documents can be withdrawn (a version that says so)

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('config_documents',
                  sa.Column('withdrawn', sa.Boolean(), server_default='false', nullable=False))


def downgrade() -> None:
    op.drop_column('config_documents', 'withdrawn')
