"""Text for spreadsheet cells: free text from the bench must never become a live formula.

A spreadsheet reads a cell that starts with one of FORMULA_LEADS as a formula (OWASP, CSV
injection): a condition note or model typed as "=HYPERLINK(...)" would run when a buyer opens
the file. Shared by the shift exports (station/reports) and the lot manifests (core).
"""

from __future__ import annotations

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Text a spreadsheet shows but never evaluates: OWASP's leading apostrophe, only where needed."""
    return "'" + text if text.startswith(FORMULA_LEADS) else text

