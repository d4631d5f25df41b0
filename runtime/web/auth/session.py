"""The session: the sign-in settings and cookie safety (`configure`), the current staff user
and citizen of each request (`load_current_user`, on `g`), and starting a session.

Sessions live in Flask's signed cookie and carry the account's `session_epoch`; sign-out
raises the epoch, so a copied cookie stops working. A session slides (`SESSION_HOURS` after
the last request) but never outlives `SESSION_ABSOLUTE_HOURS` after its sign-in: the cookie
carries the moment of the sign-in, under the cookie's signature. The cookie is signed again
when its content changes or when its signature is older than `RESIGN_AFTER` (the slide),
not on every response.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app, g, redirect, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from flask.typing import ResponseReturnValue
from flask.wrappers import Request
from itsdangerous import BadSignature

from runtime import passwords
from runtime.demo import is_production
from runtime.store import accounts
from runtime.store.models import utcnow
from runtime.web.database import db
from runtime.web.lang import lang_url

STAFF_KEY, CITIZEN_KEY = "staff", "citizen"
# A session's expiry moves with each request, but its cookie is signed again only once it is
# this old: a session may so end up to this much before SESSION_HOURS after the last request.
RESIGN_AFTER = timedelta(minutes=1)
# Endpoints a user whose password expired may still reach.
OPEN_WHILE_EXPIRED = frozenset({"auth.change_password", "auth.logout", "static"})

DEFAULTS: dict[str, Any] = {
    "LOGIN_LOCK_THRESHOLD": 10,           # consecutive failures that lock an account
    "LOGIN_LOCK_MINUTES": 15,
    "LOGIN_RATE_PERIOD_SECONDS": 300,     # the fixed window of the rate limits
    "LOGIN_RATE_PER_IP": 50,              # sign-in attempts per window from one address
    "LOGIN_RATE_PER_ACCOUNT": 20,         # sign-in attempts per window on one account name
    "PASSWORD_MAX_AGE_DAYS": 90,          # 0: passwords never expire
    "SESSION_HOURS": 8,                   # sliding: this long after the last request
    "SESSION_ABSOLUTE_HOURS": 12,         # and never longer than this after the sign-in
    # Guests' tracking lookups and registrations, in sliding windows of their own:
    "TRACK_RATE_PER_IP": 30,              # lookups of any number from one address...
    "TRACK_RATE_IP_SECONDS": 3600,        # ...in the last hour
    "TRACK_RATE_PER_NUMBER": 20,          # lookups of one tracking number from anywhere...
    "TRACK_RATE_NUMBER_SECONDS": 86400,   # ...in the last day (its owner's session is free)
    "REGISTER_RATE_PER_IP": 10,           # registrations from one address...
    "REGISTER_RATE_SECONDS": 3600,        # ...in the last hour
}


def configure(app: Flask) -> None:
    """Defaults for the sign-in settings and safe session cookies."""
    for key, value in DEFAULTS.items():
        env = os.environ.get(f"LOWCODE_{key}")
        app.config.setdefault(key, int(env) if env else value)
    # Flask has defaults for these, so they are set, not defaulted: HTTPS-only cookies
    # everywhere but on a developer's machine and in tests (settings: production unless told).
    app.config.update(SESSION_COOKIE_SECURE=is_production(app.config["LOWCODE_ENV"]),
                      SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax",
                      PERMANENT_SESSION_LIFETIME=timedelta(hours=app.config["SESSION_HOURS"]))
    app.session_interface = SlidingSession()


class SignedSession(SecureCookieSession):
    """Flask's cookie session, knowing when its cookie was signed (None: not signed yet)."""

    signed_at: datetime | None = None


class SlidingSession(SecureCookieSessionInterface):
    """Flask's signed cookie session that signs its cookie again only when the session
    changed or its signature is older than `RESIGN_AFTER`: a page that changes nothing
    sends no Set-Cookie. The signature's own moment is what `open_session` checks against
    the session's lifetime, so the slide stays on the server's side."""

    session_class = SignedSession

    def open_session(self, app: Flask, request: Request) -> SignedSession | None:
        signer = self.get_signing_serializer(app)
        if signer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return SignedSession()
        try:
            data, signed_at = signer.loads(
                value, max_age=int(app.permanent_session_lifetime.total_seconds()),
                return_timestamp=True)
        except BadSignature:
            return SignedSession()
        found = SignedSession(data)
        found.signed_at = signed_at
        return found

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        signed_at = getattr(session, "signed_at", None)  # itsdangerous's clock: time.time
        return signed_at is None or time.time() - signed_at.timestamp() >= \
            RESIGN_AFTER.total_seconds()


def load_current_user() -> ResponseReturnValue | None:
    """Put the signed-in staff user (`accounts.SignedIn`, and its principal) or citizen on
    `g`; send a user whose password expired to the change-password page first."""
    g.user = g.principal = g.citizen = None
    user = _from_session(STAFF_KEY, lambda user_id: accounts.signed_in(db(), user_id))
    if user is not None:
        g.user, g.principal = user, user.principal
        if password_expired(user) and request.endpoint not in OPEN_WHILE_EXPIRED:
            return redirect(lang_url("auth.change_password", next=here()))
    g.citizen = _from_session(CITIZEN_KEY, lambda citizen_id: db().get(accounts.Citizen,
                                                                       citizen_id))
    return None


def _from_session(key: str, read: Callable[[int], Any]) -> Any:
    """The account the session holds under `key`, read by its id; None (and the key gone)
    when the sign-in is too old, the account unusable or signed out since."""
    held = session.get(key)
    if not held:
        return None
    account = None if _too_old(held) else read(held[0])
    if account is None or not usable(account) or account.session_epoch != held[1]:
        session.pop(key, None)
        return None
    return account


def _too_old(held: list[int]) -> bool:
    """Whether the sign-in `held` (id, epoch, signed-in moment) passed the absolute limit;
    a session from before the limit existed has no moment and is too old."""
    limit = current_app.config["SESSION_ABSOLUTE_HOURS"] * 3600
    return len(held) < 3 or not 0 <= time.time() - held[2] < limit


def usable(account: Any) -> bool:
    """Active, and not a demo account in production."""
    return bool(account.active) and not (getattr(account, "is_demo", False)
                                         and is_production(current_app.config["LOWCODE_ENV"]))


def password_expired(account: accounts.SignInState | accounts.SignedIn) -> bool:
    return passwords.expired(accounts.aware(account.password_changed_at), utcnow(),
                             current_app.config["PASSWORD_MAX_AGE_DAYS"])


def start_session(key: str, account: accounts.SignInState) -> None:
    """A fresh session (no fixation) for `account`, remembering its current epoch."""
    session.clear()
    session.permanent = True
    session[key] = [account.id, account.session_epoch,  # type: ignore[attr-defined]
                    int(time.time())]


def here() -> str:
    """The path asked for, with its query: where to come back to after signing in."""
    return request.full_path.rstrip("?")
