"""Android phones over ADB: discovery, identity, pre-checks, factory-reset erase and its verification."""
