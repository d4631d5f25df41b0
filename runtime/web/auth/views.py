"""The staff sign-in views (the `auth` blueprint): sign in, sign out, my account and change
password; and what the citizen sign-in shares with them (the page, where to go next)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, redirect, render_template, request, session
from flask.typing import ResponseReturnValue

from runtime import access, passwords
from runtime.store import accounts
from runtime.store.models import utcnow
from runtime.web.auth.audit import account_target, audit
from runtime.web.auth.guard import login_required
from runtime.web.auth.session import CITIZEN_KEY, STAFF_KEY, password_expired, start_session
from runtime.web.auth.throttling import check_credentials, throttled
from runtime.web.auth.words import text
from runtime.web.database import db
from runtime.web.lang import lang_url

bp = Blueprint("auth", __name__, url_prefix="/auth")


def safe_next(default: str) -> str:
    """`next` when it is a path on this site, else `default`."""
    target = request.values.get("next", "")
    return target if is_local_path(target) else default


def is_local_path(target: str) -> bool:
    """Whether a browser sent to `target` stays on this site. Browsers drop tabs and line
    breaks anywhere in a URL and read a backslash as a slash, so `/<TAB>/evil.example` and
    `/\\evil.example` both lead off-site: a control character or a backslash refuses the
    target before the test for a single leading slash, and so does a scheme or a host."""
    if "\\" in target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return False
    parts = urlsplit(target)
    return (target.startswith("/") and not target.startswith("//")
            and not parts.scheme and not parts.netloc)


# Where a staff member's work is, by the first permission they hold: (permission, endpoint).
HOMES = (("tasks.act", "workbench.tasks"), ("tasks.dispatch", "workbench.tasks"),
         ("tasks.supervise", "workbench.tasks"), ("users.manage", "people.page"),
         ("audit.read", "admin.audit_log"), ("definitions.write", "designer.index"))


# Leaders start from the dashboards they may open (the page links their workbench too).
LEADERS = frozenset({"lead", "supervisor"})


def home_url(principal: access.Principal) -> str:
    """The page a signed-in staff member starts from: a leader's dashboards, else their
    work, else their account."""
    if principal.roles & LEADERS:
        return lang_url("dashboards.index")
    for permission, endpoint in HOMES:
        if access.allowed(principal, permission):
            return lang_url(endpoint)
    return lang_url("auth.account")


def sign_in_page(template: str, status: int = 200, **context: Any) -> ResponseReturnValue:
    config = current_app.config
    return render_template(template, threshold=config["LOGIN_LOCK_THRESHOLD"],
                           lock_minutes=config["LOGIN_LOCK_MINUTES"], **context), status


# --- staff routes -------------------------------------------------------------------------

@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if request.method == "GET":
        return sign_in_page("pages/login.html")
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    if throttled("staff", username):
        return sign_in_page("pages/login.html", 429, error=text("throttled"), username=username)
    user = accounts.user_by_name(db(), username) if username else None
    if not check_credentials(user, password, username):
        return sign_in_page("pages/login.html", 401, error=text("bad_credentials"),
                            username=username)
    assert user is not None
    start_session(STAFF_KEY, user)
    g.user = user
    audit("auth.sign_in", target=("user", user.id))
    db().commit()
    return redirect(safe_next(home_url(accounts.principal_of(user))))


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    staff = db().get(accounts.User, g.user.id) if g.get("user") is not None else None
    for key, account in ((STAFF_KEY, staff), (CITIZEN_KEY, g.get("citizen"))):
        if account is not None:
            accounts.end_sessions(account)
            audit("auth.sign_out", target=account_target(account))
            db().commit()
            session.pop(key, None)
    session.clear()
    return redirect(lang_url("auth.login"))


@bp.get("/me")
@login_required
def account() -> ResponseReturnValue:
    return render_template("pages/account.html", user=db().get(accounts.User, g.user.id))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password() -> ResponseReturnValue:
    user, expired = db().get(accounts.User, g.user.id), password_expired(g.user)
    if request.method == "GET":
        return render_template("pages/password.html", expired=expired, errors={})
    errors = password_errors(user.password_hash, request.form)
    if errors:
        return render_template("pages/password.html", expired=expired, errors=errors), 400
    accounts.set_password(user, request.form["new_password"], now=utcnow())
    accounts.end_sessions(user)  # every other session of this user ends here
    audit("account.change", target=("user", user.id), detail="password changed")
    db().commit()
    start_session(STAFF_KEY, user)
    return redirect(safe_next(lang_url("auth.account")))


def password_errors(stored: str, form: Any) -> dict[str, str]:
    """Errors by field name for a change-password form."""
    current, new = form.get("current_password", ""), form.get("new_password", "")
    errors: dict[str, str] = {}
    if not passwords.verify(stored, current):
        errors["current_password"] = text("wrong_current")
    problems = list(passwords.policy_problems(new))
    if problems:
        errors["new_password"] = "；".join(text(p, n=passwords.MIN_LENGTH) for p in problems)
    elif new == current:
        errors["new_password"] = text("same_password")
    if new != form.get("confirm_password", ""):
        errors["confirm_password"] = text("mismatch")
    return errors
