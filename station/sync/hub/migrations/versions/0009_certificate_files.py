"""certificate files: which blobs are a certificate's JSON or PDF, for the console and /verify

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('certificate_files',
                    sa.Column('sha256', sa.String(length=64), nullable=False),
                    sa.Column('station_id', sa.String(length=64), nullable=True),
                    sa.Column('cert_id', sa.String(length=64), nullable=True),
                    sa.Column('format', sa.String(length=8), nullable=True),
                    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint('sha256'))
    op.create_index(op.f('ix_certificate_files_cert_id'), 'certificate_files', ['cert_id'], unique=False)
    op.create_index(op.f('ix_certificate_files_completed_at'), 'certificate_files', ['completed_at'], unique=False)
    # the console looks at blobs completed since the newest one it has seen
    op.create_index('ix_blobs_completed_at', 'blobs', ['completed_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_blobs_completed_at', table_name='blobs')
    op.drop_index(op.f('ix_certificate_files_completed_at'), table_name='certificate_files')
    op.drop_index(op.f('ix_certificate_files_cert_id'), table_name='certificate_files')
    op.drop_table('certificate_files')
