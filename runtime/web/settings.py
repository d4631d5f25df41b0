"""Configuration: given values first, then the environment, then the instance folder."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from runtime.store.db import database_url

SECRET_ENV = "LOWCODE_SECRET_KEY"
INSTANCE_ENV = "LOWCODE_INSTANCE_PATH"
SECRET_FILE = "secret_key"


def instance_path(config: dict[str, Any]) -> str | None:
    """An absolute instance folder if configured; None lets Flask choose its default."""
    chosen = config.get("INSTANCE_PATH") or os.environ.get(INSTANCE_ENV)
    return str(Path(chosen).resolve()) if chosen else None


def resolve(config: dict[str, Any], instance: str) -> dict[str, Any]:
    """The full configuration: `config` with DATABASE_URL and SECRET_KEY filled in."""
    resolved = {"TESTING": False, **config}
    resolved.setdefault("DATABASE_URL", database_url(instance))
    resolved.setdefault("SECRET_KEY", os.environ.get(SECRET_ENV) or development_secret(instance))
    return resolved


def development_secret(instance: str | os.PathLike[str]) -> str:
    """A random key kept in the instance folder so sessions survive restarts in development;
    production sets LOWCODE_SECRET_KEY."""
    path = Path(instance, SECRET_FILE)
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(key)
    return key
