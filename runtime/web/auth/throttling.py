"""What stands between a guesser and an account: rate limits on sign-in attempts by address
and by account name (`throttled`), and the lock-out after consecutive wrong passwords that
`check_credentials` counts. Shared by the staff and the citizen sign-in."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app, request

from runtime import passwords
from runtime.store import accounts, ratelimit
from runtime.store.models import utcnow
from runtime.web.auth.audit import account_target, audit, current_actor
from runtime.web.auth.session import usable
from runtime.web.database import db


def throttled(kind: str, name: str) -> bool:
    """Count one attempt by address and by account name; True when either is over its
    limit for the current window."""
    config = current_app.config
    period, now = timedelta(seconds=config["LOGIN_RATE_PERIOD_SECONDS"]), utcnow()
    by_ip = ratelimit.over(db(), f"login-ip:{request.remote_addr}", config["LOGIN_RATE_PER_IP"],
                           period=period, now=now)
    by_account = ratelimit.over(db(), f"login-{kind}:{name[:150]}",
                                config["LOGIN_RATE_PER_ACCOUNT"], period=period, now=now)
    db().commit()
    return by_ip or by_account


def check_credentials(account: Any, password: str, name: str) -> bool:
    """Verify a sign-in attempt, counting failures and locking; audits the outcome (not the
    success, which the caller audits once the session exists). Commits."""
    config, now = current_app.config, utcnow()
    right = passwords.verify(account.password_hash if account else None, password)
    if account is not None and accounts.is_locked(account, now):
        audit("auth.sign_in_failed", actor=current_actor(name), detail="locked")
    elif account is None or not right or not usable(account):
        if account is not None and not right and accounts.record_failure(
                account, now, threshold=config["LOGIN_LOCK_THRESHOLD"],
                lock_for=timedelta(minutes=config["LOGIN_LOCK_MINUTES"])):
            audit("auth.locked", actor=current_actor(name), target=account_target(account))
        audit("auth.sign_in_failed", actor=current_actor(name), detail=_reason(account, right))
    else:
        accounts.record_success(account, now)
        db().commit()
        return True
    db().commit()
    return False


def _reason(account: Any, right: bool) -> str:
    if account is None:
        return "unknown account"
    return "wrong password" if not right else "account not usable"
