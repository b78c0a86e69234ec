"""value loop: units on hand, outcomes, buyers' lot targets, risk tiers

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('value_units',
                    sa.Column('station_id', sa.String(length=64), nullable=False),
                    sa.Column('unit_uid', sa.String(length=32), nullable=False),
                    sa.Column('sku_key', sa.String(length=370), nullable=False),
                    sa.Column('make', sa.String(length=120), nullable=True),
                    sa.Column('model', sa.String(length=120), nullable=True),
                    sa.Column('capacity', sa.String(length=120), nullable=True),
                    sa.Column('device_class', sa.String(length=20), nullable=True),
                    sa.Column('grade', sa.String(length=12), nullable=True),
                    sa.Column('route', sa.String(length=32), nullable=True),
                    sa.Column('expected_value', sa.Float(), nullable=True),
                    sa.Column('lot', sa.String(length=64), nullable=True),
                    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
                    sa.Column('out_at', sa.DateTime(timezone=True), nullable=True),
                    sa.PrimaryKeyConstraint('station_id', 'unit_uid'))
    op.create_index('ix_value_units_lot', 'value_units', ['station_id', 'lot'], unique=False)
    op.create_index(op.f('ix_value_units_sku_key'), 'value_units', ['sku_key'], unique=False)
    op.create_table('outcomes',
                    sa.Column('station_id', sa.String(length=64), nullable=False),
                    sa.Column('seq', sa.BigInteger(), nullable=False),
                    sa.Column('unit_uid', sa.String(length=32), nullable=True),
                    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
                    sa.Column('outcome', sa.String(length=16), nullable=False),
                    sa.Column('sku_key', sa.String(length=370), nullable=False),
                    sa.Column('make', sa.String(length=120), nullable=True),
                    sa.Column('model', sa.String(length=120), nullable=True),
                    sa.Column('capacity', sa.String(length=120), nullable=True),
                    sa.Column('grade', sa.String(length=12), nullable=True),
                    sa.Column('channel', sa.String(length=40), nullable=True),
                    sa.Column('buyer', sa.String(length=120), nullable=True),
                    sa.Column('amount', sa.Float(), nullable=True),
                    sa.PrimaryKeyConstraint('station_id', 'seq'))
    op.create_index('ix_outcomes_at', 'outcomes', ['at'], unique=False)
    op.create_index('ix_outcomes_sku_at', 'outcomes', ['sku_key', 'at'], unique=False)
    op.create_table('lot_targets',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('station_id', sa.String(length=64), nullable=False),
                    sa.Column('lot', sa.String(length=64), nullable=False),
                    sa.Column('buyer', sa.String(length=120), nullable=True),
                    sa.Column('target_price', sa.Float(), nullable=False),
                    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
                    sa.Column('by', sa.String(length=120), nullable=True),
                    sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_lot_targets_lot', 'lot_targets', ['station_id', 'lot'], unique=False)
    op.create_table('risk_tiers',
                    sa.Column('scope', sa.String(length=8), nullable=False),
                    sa.Column('ref', sa.String(length=370), nullable=False),
                    sa.Column('tier', sa.String(length=8), nullable=False),
                    sa.Column('score', sa.Float(), nullable=False),
                    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint('scope', 'ref'))


def downgrade() -> None:
    op.drop_table('risk_tiers')
    op.drop_index('ix_lot_targets_lot', table_name='lot_targets')
    op.drop_table('lot_targets')
    op.drop_index('ix_outcomes_sku_at', table_name='outcomes')
    op.drop_index('ix_outcomes_at', table_name='outcomes')
    op.drop_table('outcomes')
    op.drop_index(op.f('ix_value_units_sku_key'), table_name='value_units')
    op.drop_index('ix_value_units_lot', table_name='value_units')
    op.drop_table('value_units')
