"""Phone erase policy: pre-checks, the factory reset procedure, its verification and its records."""
