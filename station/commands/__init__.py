"""Subcommands of `station`, one module per area, each with `register(subparsers)`."""
