"""Alembic environment: runs on the connection that `runtime.store.migrate` hands over."""

from __future__ import annotations

from alembic import context

import runtime.store.audit  # noqa: F401  (audit_log in Base.metadata)
import runtime.store.files  # noqa: F401  (attachments in Base.metadata)
import runtime.store.submissions  # noqa: F401  (submissions, drafts in Base.metadata)
from runtime.store import accounts, ratelimit  # noqa: F401  (their tables in Base.metadata)
from runtime.store.models import Base


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through runtime.store.migrate.upgrade()")
    context.configure(connection=connection, target_metadata=Base.metadata)
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
