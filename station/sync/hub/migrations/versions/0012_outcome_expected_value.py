"""outcome expected value: what routing expected of each unit an outcome was recorded for

Revision ID: 0012
Revises: 0011

Disposition accuracy by value compares it with the realised price (station/sync/hub/value_accuracy.py).
Outcomes ingested before this revision are filled from their events' payloads.
"""

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('outcomes', sa.Column('expected_value', sa.Float(), nullable=True))
    op.execute("""
        UPDATE outcomes o SET expected_value = (e.payload ->> 'expected_value')::double precision
        FROM events e
        WHERE e.station_id = o.station_id AND e.seq = o.seq AND jsonb_typeof(e.payload -> 'expected_value') = 'number'
          AND (e.payload ->> 'expected_value')::double precision BETWEEN 0 AND 1e9""")


def downgrade() -> None:
    op.drop_column('outcomes', 'expected_value')
