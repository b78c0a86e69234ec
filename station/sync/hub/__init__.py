"""The upstream hub: a stateless HTTP service over one PostgreSQL database."""
