"""Drive and phone sanitization: discovery, guard, planning, erase, verification, certificates."""
