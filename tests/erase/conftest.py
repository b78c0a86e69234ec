"""Fixtures every erase test may ask for by name: `loops`, real loop devices filled with known data."""

from tests.erase.wipe_fixtures import loops

__all__ = ["loops"]
