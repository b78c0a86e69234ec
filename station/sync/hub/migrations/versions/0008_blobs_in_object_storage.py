"""blob bytes move to S3-compatible object storage; uploads remember their multipart state

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    held = op.get_bind().execute(sa.text(
        "SELECT count(DISTINCT c.sha256) FROM blob_chunks c JOIN blobs b ON b.sha256 = c.sha256 AND b.complete"
    )).scalar()
    if held:  # never drop the only copy of a photo or a certificate
        raise RuntimeError(f"The hub database still holds {held} photo/PDF blob(s) in PostgreSQL. Set the hub.s3_* "
                           "settings and run 'station hub move-blobs' first, then start the hub again.")
    op.drop_table('blob_chunks')
    op.execute("DELETE FROM blob_uploads")  # their bytes were in blob_chunks: the stations send them again
    op.add_column('blob_uploads', sa.Column('upload_id', sa.String(length=400), nullable=True))
    op.add_column('blob_uploads', sa.Column('parts', sa.Integer(), server_default='0', nullable=False))
    op.add_column('blob_uploads', sa.Column('parted', sa.BigInteger(), server_default='0', nullable=False))


def downgrade() -> None:
    op.drop_column('blob_uploads', 'parted')
    op.drop_column('blob_uploads', 'parts')
    op.drop_column('blob_uploads', 'upload_id')
    op.create_table('blob_chunks',
                    sa.Column('sha256', sa.String(length=64), nullable=False),
                    sa.Column('station_id', sa.String(length=64), server_default='', nullable=False),
                    sa.Column('offset', sa.BigInteger(), nullable=False),
                    sa.Column('data', sa.LargeBinary(), nullable=False),
                    sa.PrimaryKeyConstraint('sha256', 'station_id', 'offset'))
