"""Bench triage station: intake, grading, photos, wipe, routing and labels for used devices."""

__version__ = "0.1.0"
