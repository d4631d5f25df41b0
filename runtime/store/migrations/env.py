"""Alembic environment: runs on the connection that `runtime.store.migrate` hands over."""

from __future__ import annotations

from alembic import context

from runtime.store.schema import metadata


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through runtime.store.migrate.upgrade()")
    context.configure(connection=connection, target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
