"""certificates are keyed by (issuing station, id)

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_constraint('certificates_pkey', 'certificates', type_='primary')
    op.create_primary_key('certificates_pkey', 'certificates', ['station_id', 'id'])
    op.create_index(op.f('ix_certificates_id'), 'certificates', ['id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_certificates_id'), table_name='certificates')
    op.drop_constraint('certificates_pkey', 'certificates', type_='primary')
    op.create_primary_key('certificates_pkey', 'certificates', ['id'])
