"""covering indexes for a time window's events

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 18:40:00

Replaces the single-column indexes on events.kind, events.created_at and events.unit_id
with covering ones: (kind, created_at, operator_name) for per-kind shift figures,
(created_at, unit_id, operator_name) for the units a shift touched, and (unit_id,
operator_name) for a unit's operators. Each old index is a prefix of a new one, so no
query loses its index.
"""

from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_kind')
        batch_op.drop_index('ix_events_created_at')
        batch_op.drop_index('ix_events_unit_id')
        batch_op.create_index('ix_events_unit_operator', ['unit_id', 'operator_name'], unique=False)
        batch_op.create_index('ix_events_kind_created_at', ['kind', 'created_at', 'operator_name'], unique=False)
        batch_op.create_index('ix_events_created_at_unit', ['created_at', 'unit_id', 'operator_name'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_created_at_unit')
        batch_op.drop_index('ix_events_kind_created_at')
        batch_op.drop_index('ix_events_unit_operator')
        batch_op.create_index('ix_events_unit_id', ['unit_id'], unique=False)
        batch_op.create_index('ix_events_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_events_kind', ['kind'], unique=False)
