"""hub schema: stations, tokens, events, unit identifiers, certificates, blobs, configuration, incidents

Revision ID: 0001
Revises:
Create Date: 2026-11-23 15:59:51.659445
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('blobs',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('received', sa.BigInteger(), nullable=False),
    sa.Column('complete', sa.Boolean(), nullable=False),
    sa.Column('station_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('sha256')
    )
    op.create_table('certificates',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('station_id', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('unit_uid', sa.String(length=32), nullable=True),
    sa.Column('serial', sa.String(length=120), nullable=True),
    sa.Column('sanitized', sa.Boolean(), nullable=True),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_certificates_serial'), 'certificates', ['serial'], unique=False)
    op.create_table('config_documents',
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by', sa.String(length=120), nullable=True),
    sa.PrimaryKeyConstraint('kind', 'name', 'version')
    )
    op.create_table('incidents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_incidents_station_id'), 'incidents', ['station_id'], unique=False)
    op.create_table('stations',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('clock_skew_s', sa.Double(), nullable=True),
    sa.Column('head_seq', sa.BigInteger(), nullable=False),
    sa.Column('head_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('unit_identifiers',
    sa.Column('value', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('station_id', sa.String(length=64), nullable=False),
    sa.Column('unit_uid', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('value', 'kind', 'station_id', 'unit_uid')
    )
    op.create_table('blob_chunks',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('offset', sa.BigInteger(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['sha256'], ['blobs.sha256'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('sha256', 'offset')
    )
    op.create_table('events',
    sa.Column('station_id', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('unit_uid', sa.String(length=32), nullable=True),
    sa.Column('operator_name', sa.String(length=120), nullable=True),
    sa.Column('operator_id', sa.BigInteger(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], ),
    sa.PrimaryKeyConstraint('station_id', 'seq')
    )
    op.create_index('ix_events_at', 'events', ['at'], unique=False)
    op.create_index('ix_events_kind_at', 'events', ['kind', 'at'], unique=False)
    op.create_index('ix_events_station_unit', 'events', ['station_id', 'unit_uid'], unique=False)
    op.create_table('tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('station_id', sa.String(length=64), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_index(op.f('ix_tokens_name'), 'tokens', ['name'], unique=False)
    op.create_index(op.f('ix_tokens_station_id'), 'tokens', ['station_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_tokens_station_id'), table_name='tokens')
    op.drop_index(op.f('ix_tokens_name'), table_name='tokens')
    op.drop_table('tokens')
    op.drop_index('ix_events_station_unit', table_name='events')
    op.drop_index('ix_events_kind_at', table_name='events')
    op.drop_index('ix_events_at', table_name='events')
    op.drop_table('events')
    op.drop_table('blob_chunks')
    op.drop_table('unit_identifiers')
    op.drop_table('stations')
    op.drop_index(op.f('ix_incidents_station_id'), table_name='incidents')
    op.drop_table('incidents')
    op.drop_table('config_documents')
    op.drop_index(op.f('ix_certificates_serial'), table_name='certificates')
    op.drop_table('certificates')
    op.drop_table('blobs')
