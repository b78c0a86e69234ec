"""Certificates of sanitization: the record and proof of a wipe, for drives and phones alike.

The job's outcome (result.WipeResult), the signed document (body, certificate, keys), its PDF
and X.509 forms, and the offline check anyone can run (verify). The erase engines issue
certificates; the hub and `station cert verify` read them. Nothing here imports the erase
engines, the devices, sync or the UI (pyproject.toml's import-linter contracts).
"""
