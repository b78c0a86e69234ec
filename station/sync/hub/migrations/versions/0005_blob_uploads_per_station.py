"""blob uploads per station: chunks keyed by uploader, unfinished uploads in their own table

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_constraint('blob_chunks_sha256_fkey', 'blob_chunks', type_='foreignkey')
    op.add_column('blob_chunks', sa.Column('station_id', sa.String(length=64), server_default='', nullable=False))
    # chunks of finished blobs are filed under the station that finished them
    op.execute("UPDATE blob_chunks c SET station_id = coalesce(b.station_id, '') FROM blobs b "
               "WHERE b.sha256 = c.sha256")
    op.execute("DELETE FROM blob_chunks c USING blobs b WHERE b.sha256 = c.sha256 AND NOT b.complete")
    op.execute("DELETE FROM blobs WHERE NOT complete")
    op.drop_constraint('blob_chunks_pkey', 'blob_chunks', type_='primary')
    op.create_primary_key('blob_chunks_pkey', 'blob_chunks', ['sha256', 'station_id', 'offset'])
    op.create_table('blob_uploads',
                    sa.Column('sha256', sa.String(length=64), nullable=False),
                    sa.Column('station_id', sa.String(length=64), nullable=False),
                    sa.Column('size', sa.BigInteger(), nullable=False),
                    sa.Column('received', sa.BigInteger(), nullable=False),
                    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint('sha256', 'station_id'))
    op.create_index(op.f('ix_blob_uploads_updated_at'), 'blob_uploads', ['updated_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_blob_uploads_updated_at'), table_name='blob_uploads')
    op.drop_table('blob_uploads')
    op.drop_constraint('blob_chunks_pkey', 'blob_chunks', type_='primary')
    op.create_primary_key('blob_chunks_pkey', 'blob_chunks', ['sha256', 'offset'])
    op.drop_column('blob_chunks', 'station_id')
    op.create_foreign_key('blob_chunks_sha256_fkey', 'blob_chunks', 'blobs', ['sha256'], ['sha256'],
                          ondelete='CASCADE')
