"""What stands between a guesser and an account: rate limits on sign-in attempts by address
and by account name (`throttled`), and the lock-out after consecutive wrong passwords that
`check_credentials` counts, shared by the staff and the citizen sign-in; and the sliding
limits of guests' tracking lookups and registrations (`over_limits`), counted apart from
sign-in. Every refusal is audited as `request.throttled`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
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
    if by_ip or by_account:
        refused(f"sign-in ({kind})", actor=current_actor(name))
    return by_ip or by_account


@dataclass(frozen=True)
class Limit:
    """A sliding rate limit: its counters' prefix and the settings of its most hits and
    its period in seconds."""

    prefix: str
    most: str
    seconds: str


TRACK_BY_IP = Limit("track-ip", "TRACK_RATE_PER_IP", "TRACK_RATE_IP_SECONDS")
TRACK_BY_NUMBER = Limit("track-no", "TRACK_RATE_PER_NUMBER", "TRACK_RATE_NUMBER_SECONDS")
REGISTER_BY_IP = Limit("register-ip", "REGISTER_RATE_PER_IP", "REGISTER_RATE_SECONDS")


def over_limits(counted: Iterable[tuple[Limit, str]]) -> bool:
    """Count one hit on each (limit, whose counter) and say whether any is over its limit
    in its sliding period. Commits."""
    config, now = current_app.config, utcnow()
    seen = [(ratelimit.sliding(db(), f"{limit.prefix}:{who[:150]}", now=now,
                               period=timedelta(seconds=config[limit.seconds])), limit)
            for limit, who in counted]
    db().commit()
    return any(hits > config[limit.most] for hits, limit in seen)


def refused(what: str, *, actor: Any = None, target: tuple[str, object] | None = None) -> None:
    """Audit a request that a rate limit refused (the caller answers 429). Commits."""
    audit("request.throttled", actor=actor, target=target, detail=what)
    db().commit()


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
