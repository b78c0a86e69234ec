"""Shift logs and KPI reports for supervisors, auditors and customers."""
