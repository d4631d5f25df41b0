"""Configuration: given values first, then the environment, then the instance folder.

Production is the default: unless LOWCODE_ENV says development (or testing), the session
secret and the audit key must be set (LOWCODE_SECRET_KEY, LOWCODE_AUDIT_KEY) and a missing
one stops the start with `SettingsError`. On a developer's machine both are random keys kept
in the instance folder, readable by their owner only.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from runtime.demo import ENV_VAR, PRODUCTION, is_production
from runtime.store.audit import AUDIT_KEY_ENV
from runtime.store.db import BUSY_TIMEOUT_MS, database_url
from runtime.web.clock import DEFAULT_ZONE, zone

SECRET_ENV = "LOWCODE_SECRET_KEY"
INSTANCE_ENV = "LOWCODE_INSTANCE_PATH"
TIMEZONE_ENV = "LOWCODE_TIMEZONE"  # the zone every page shows times in
BUSY_ENV = "LOWCODE_SQLITE_BUSY_MS"  # how long a SQLite write waits for the lock
SECRET_FILE = "secret_key"
AUDIT_KEY_FILE = "audit_key"
# setting, environment variable, file in the instance folder on a developer's machine
KEYS = (("SECRET_KEY", SECRET_ENV, SECRET_FILE), ("AUDIT_KEY", AUDIT_KEY_ENV, AUDIT_KEY_FILE))
MISSING = ("{env} 未设置：生产环境（LOWCODE_ENV 未设为 development 时的默认值）必须提供该密钥，"
           "例如设为 `python -c 'import secrets; print(secrets.token_hex(32))'` 的输出，"
           "并妥善保存在数据库之外；在开发机上请设置 LOWCODE_ENV=development。\n"
           "{env} is not set: production (the default unless LOWCODE_ENV=development) needs "
           "this key, e.g. the output of `python -c 'import secrets; "
           "print(secrets.token_hex(32))'`, kept outside the database; on a developer's "
           "machine set LOWCODE_ENV=development.")


class SettingsError(RuntimeError):
    """The app cannot start safely with these settings; the message says what to set."""


def instance_path(config: dict[str, Any]) -> str | None:
    """An absolute instance folder if configured; None lets Flask choose its default."""
    chosen = config.get("INSTANCE_PATH") or os.environ.get(INSTANCE_ENV)
    return str(Path(chosen).resolve()) if chosen else None


def resolve(config: dict[str, Any], instance: str) -> dict[str, Any]:
    """The full configuration: `config` with LOWCODE_ENV (production unless told), the
    DATABASE_URL, SQLITE_BUSY_MS, the TIMEZONE, the SECRET_KEY and the AUDIT_KEY filled in. Raises
    SettingsError for a key production lacks."""
    resolved = {"TESTING": False, **config}
    resolved.setdefault("LOWCODE_ENV", os.environ.get(ENV_VAR) or PRODUCTION)
    resolved.setdefault("DATABASE_URL", database_url(instance))
    resolved.setdefault("SQLITE_BUSY_MS", int(os.environ.get(BUSY_ENV) or BUSY_TIMEOUT_MS))
    resolved.setdefault("TIMEZONE", os.environ.get(TIMEZONE_ENV) or DEFAULT_ZONE)
    try:
        zone(resolved["TIMEZONE"])
    except ValueError as unknown:
        raise SettingsError(f"{TIMEZONE_ENV}: {unknown}") from None
    production = is_production(resolved["LOWCODE_ENV"])
    for setting, env, file in KEYS:
        if not resolved.get(setting):
            resolved[setting] = os.environ.get(env) or (
                None if production else development_key(instance, file))
        if not resolved[setting]:
            raise SettingsError(MISSING.format(env=env))
    return resolved


def development_key(instance: str | os.PathLike[str], name: str = SECRET_FILE) -> str:
    """A random key kept in the instance folder (mode 0600) so that sessions and the audit
    chain survive restarts on a developer's machine; production sets its keys."""
    path = Path(instance, name)
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(key)
    return key
