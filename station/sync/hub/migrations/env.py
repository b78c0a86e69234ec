"""Alembic environment of the hub: runs against the engine handed in by station.sync.hub.db."""

from alembic import context

from station.sync.hub.db import VERSION_TABLE
from station.sync.hub.models import HubBase

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=HubBase.metadata, version_table=VERSION_TABLE)
    with context.begin_transaction():
        context.run_migrations()
