"""sites for stations and reader tokens; console sessions

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sites',
                    sa.Column('id', sa.String(length=64), nullable=False),
                    sa.Column('verify_url', sa.String(length=300), nullable=True),
                    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint('id'))
    op.add_column('stations', sa.Column('site_id', sa.String(length=64), nullable=True))
    op.create_foreign_key('stations_site_id_fkey', 'stations', 'sites', ['site_id'], ['id'])
    op.create_index(op.f('ix_stations_site_id'), 'stations', ['site_id'], unique=False)
    op.add_column('tokens', sa.Column('site_id', sa.String(length=64), nullable=True))
    op.create_foreign_key('tokens_site_id_fkey', 'tokens', 'sites', ['site_id'], ['id'])
    op.create_table('console_sessions',
                    sa.Column('token_hash', sa.String(length=64), nullable=False),
                    sa.Column('account', sa.String(length=120), nullable=False),
                    sa.Column('role', sa.String(length=16), nullable=False),
                    sa.Column('site_id', sa.String(length=64), nullable=True),
                    sa.Column('csrf', sa.String(length=64), nullable=False),
                    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
                    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint('token_hash'))
    op.create_index(op.f('ix_console_sessions_expires_at'), 'console_sessions', ['expires_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_console_sessions_expires_at'), table_name='console_sessions')
    op.drop_table('console_sessions')
    op.drop_constraint('tokens_site_id_fkey', 'tokens', type_='foreignkey')
    op.drop_column('tokens', 'site_id')
    op.drop_index(op.f('ix_stations_site_id'), table_name='stations')
    op.drop_constraint('stations_site_id_fkey', 'stations', type_='foreignkey')
    op.drop_column('stations', 'site_id')
    op.drop_table('sites')
