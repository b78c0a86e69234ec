"""Sync upstream: the outbox drains to the hub; configuration comes back down."""
