"""Fixtures the value tests ask for by name: `loops`, real loop devices (a drive unit's capacity)."""

from tests.erase.wipe_fixtures import loops

__all__ = ["loops"]
