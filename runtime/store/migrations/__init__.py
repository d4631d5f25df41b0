"""Alembic migrations of the store, run through `runtime.store.migrate`."""
