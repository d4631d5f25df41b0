"""Staff sign-in and sign-out, the current user of each request, and the one access guard.

Sessions live in Flask's signed cookie and carry the account's `session_epoch`; sign-out
raises the epoch, so a copied cookie stops working. Every decision about what a user may see
is `runtime.access.allowed`, asked through `require`; a refusal is a 404, and is audited.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
)
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError

from runtime import access, passwords
from runtime.demo import ENV_VAR, is_production
from runtime.i18n import Catalogue
from runtime.store import accounts, ratelimit
from runtime.store.models import utcnow
from runtime.store.submissions import Submission
from runtime.web.database import db
from runtime.web.errors import error_response
from runtime.web.lang import current_lang, lang_url

bp = Blueprint("auth", __name__, url_prefix="/auth")

STAFF_KEY, CITIZEN_KEY = "staff", "citizen"
# Endpoints a user whose password expired may still reach.
OPEN_WHILE_EXPIRED = frozenset({"auth.change_password", "auth.logout", "static"})

DEFAULTS: dict[str, Any] = {
    "LOGIN_LOCK_THRESHOLD": 10,           # consecutive failures that lock an account
    "LOGIN_LOCK_MINUTES": 15,
    "LOGIN_RATE_PERIOD_SECONDS": 300,     # the fixed window of the rate limits
    "LOGIN_RATE_PER_IP": 50,              # sign-in attempts per window from one address
    "LOGIN_RATE_PER_ACCOUNT": 20,         # sign-in attempts per window on one account name
    "PASSWORD_MAX_AGE_DAYS": 90,          # 0: passwords never expire
    "SESSION_HOURS": 8,
}

TEXT = Catalogue({
    "sign_in": ("登录", "Sign in"),
    "staff_sign_in": ("工作人员登录", "Staff sign-in"),
    "citizen_sign_in": ("群众和企业登录", "Citizen and enterprise sign-in"),
    "sign_out": ("退出登录", "Sign out"),
    "username": ("用户名", "Username"),
    "password": ("密码", "Password"),
    "bad_credentials": ("用户名或密码错误", "Wrong username or password"),
    "throttled": ("尝试次数过多，请稍后再试", "Too many attempts; please try again later"),
    "lock_hint": ("连续输错 {n} 次密码，账号将锁定 {minutes} 分钟。",
                  "After {n} wrong passwords in a row the account is locked for {minutes} "
                  "minutes."),
    "change_password": ("修改密码", "Change password"),
    "password_expired": ("密码已过期，请先修改密码。", "Your password has expired; please "
                         "change it first."),
    "current_password": ("当前密码", "Current password"),
    "new_password": ("新密码", "New password"),
    "confirm_password": ("再次输入新密码", "New password again"),
    "wrong_current": ("当前密码错误", "The current password is wrong"),
    "mismatch": ("两次输入的新密码不一致", "The new passwords differ"),
    "same_password": ("新密码不能与当前密码相同", "The new password must differ from the "
                      "current one"),
    "too_short": ("密码至少 {n} 位", "A password needs at least {n} characters"),
    "needs_letter": ("密码须包含字母", "A password needs a letter"),
    "needs_digit": ("密码须包含数字", "A password needs a digit"),
    "policy": ("密码至少 {n} 位，须同时包含字母和数字；每 {days} 天需更换一次。",
               "At least {n} characters with letters and digits; changed every {days} days."),
    "password_changed": ("密码已修改。", "Your password has been changed."),
    "my_account": ("我的账号", "My account"),
    "memberships": ("所属部门和角色", "Departments and roles"),
    "scope": ("数据范围", "Data scope"),
    "scope_own": ("本人", "own"),
    "scope_department": ("本部门", "department"),
    "scope_department_tree": ("本部门及下级", "department and below"),
    "scope_region": ("本地区", "region"),
    "scope_all": ("全部", "all"),
    "admin_users": ("工作人员", "Staff"),
    "admin_audit": ("审计日志", "Audit log"),
    "submit": ("提交", "Submit"),
    "display_name": ("姓名", "Name"),
    "mobile": ("手机号", "Mobile"),
    "status": ("状态", "Status"),
    "active": ("正常", "active"),
    "inactive": ("停用", "inactive"),
    "locked": ("已锁定", "locked"),
    "demo": ("演示账号", "demo account"),
    "no_staff": ("您的管理范围内没有工作人员。", "No staff in your scope."),
    "time": ("时间", "Time"),
    "actor": ("操作人", "Actor"),
    "action": ("操作", "Action"),
    "target": ("对象", "Target"),
    "ip": ("IP 地址", "IP address"),
    "detail": ("说明", "Detail"),
    "since": ("开始日期", "From"),
    "until": ("结束日期", "To"),
    "any_action": ("全部操作", "Any action"),
    "search": ("查询", "Search"),
    "more": ("加载更多", "More"),
    "no_rows": ("没有符合条件的记录。", "No matching records."),
})


def text(key: str, /, **params: Any) -> str:
    return TEXT.format(key, current_lang(), **params)


# --- configuration and the current user --------------------------------------------------

def configure(app: Flask) -> None:
    """Defaults for the sign-in settings and safe session cookies."""
    for key, value in DEFAULTS.items():
        env = os.environ.get(f"LOWCODE_{key}")
        app.config.setdefault(key, int(env) if env else value)
    app.config.setdefault("LOWCODE_ENV", os.environ.get(ENV_VAR, ""))
    relaxed = app.config["TESTING"] or app.config["LOWCODE_ENV"] in ("development", "testing")
    # Flask has defaults for these, so they are set, not defaulted: HTTPS-only cookies
    # everywhere but on a developer's machine and in tests.
    app.config.update(SESSION_COOKIE_SECURE=not relaxed, SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax",
                      PERMANENT_SESSION_LIFETIME=timedelta(hours=app.config["SESSION_HOURS"]))


def init_app(app: Flask) -> None:
    configure(app)
    app.before_request(load_current_user)
    app.register_error_handler(CSRFError, lambda _error: error_response(400, "csrf_failed"))
    app.jinja_env.globals.update(au=text, current_user=lambda: g.get("user"),
                                 current_citizen=lambda: g.get("citizen"),
                                 can=lambda permission: access.allowed(g.get("principal"),
                                                                       permission))
    app.register_blueprint(bp)


def load_current_user() -> ResponseReturnValue | None:
    """Put the signed-in staff user (and principal) or citizen on `g`; send a user whose
    password expired to the change-password page first."""
    g.user = g.principal = g.citizen = None
    user = _from_session(STAFF_KEY, accounts.User)
    if user is not None:
        g.user, g.principal = user, accounts.principal_of(user)
        if password_expired(user) and request.endpoint not in OPEN_WHILE_EXPIRED:
            return redirect(lang_url("auth.change_password", next=_here()))
    g.citizen = _from_session(CITIZEN_KEY, accounts.Citizen)
    return None


def _from_session(key: str, model: type[Any]) -> Any:
    held = session.get(key)
    if not held:
        return None
    account = db().get(model, held[0])
    if account is None or not usable(account) or account.session_epoch != held[1]:
        session.pop(key, None)
        return None
    return account


def usable(account: Any) -> bool:
    """Active, and not a demo account in production."""
    return bool(account.active) and not (getattr(account, "is_demo", False)
                                         and is_production(current_app.config["LOWCODE_ENV"]))


def password_expired(account: accounts.SignInState) -> bool:
    return passwords.expired(accounts.aware(account.password_changed_at), utcnow(),
                             current_app.config["PASSWORD_MAX_AGE_DAYS"])


def start_session(key: str, account: accounts.SignInState) -> None:
    """A fresh session (no fixation) for `account`, remembering its current epoch."""
    session.clear()
    session.permanent = True
    session[key] = [account.id, account.session_epoch]  # type: ignore[attr-defined]


# --- auditing ------------------------------------------------------------------------------

def audit(action: str, *, actor: Any = None, target: tuple[str, object] | None = None,
          detail: str | None = None) -> None:
    """Add an audit row to the request's transaction (the caller commits)."""
    from runtime.store.audit import record

    record(db(), action=action, actor=actor or current_actor(), target=target,
           ip=request.remote_addr, detail=detail)


def current_actor(name: str | None = None) -> Any:
    from runtime.store.audit import SYSTEM, Actor

    if g.get("user") is not None:
        return Actor(str(g.user.id), g.user.username, "staff")
    if g.get("citizen") is not None:
        return Actor(f"c{g.citizen.id}", g.citizen.mobile, "citizen")
    return Actor(None, (name or "anonymous")[:64], "guest") if request else SYSTEM


# --- the guard ----------------------------------------------------------------------------

View = TypeVar("View", bound=Callable[..., ResponseReturnValue])


def login_required(view: View) -> View:
    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        if g.get("user") is None:
            return to_sign_in()
        return view(*args, **kwargs)

    return guarded  # type: ignore[return-value]


def require(permission: str,
            load_record: Callable[..., access.RecordRef | None] | None = None
            ) -> Callable[[View], View]:
    """Let a view run only for a signed-in user whom `permission` is granted, on the record
    `load_record(**view_args)` describes if given. Anyone else gets a 404, as if the thing
    did not exist, and the refusal is audited."""
    access.visibility(None, permission)  # an unknown permission fails at import time

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> ResponseReturnValue:
            if g.get("user") is None:
                return to_sign_in()
            record = load_record(**kwargs) if load_record else None
            if load_record is not None and record is None:
                abort(404)
            if not access.allowed(g.principal, permission, record):
                deny(permission)
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


def record_ref(row: Submission) -> access.RecordRef:
    """What access control needs of a submission: its department (with the path above it)
    and region; the owner only when a staff user filed it."""
    department = accounts.department(db(), row.department_code or "")
    return access.RecordRef(
        owner_id=row.owner_id if row.owner_kind == "staff" else None,
        department_code=row.department_code,
        department_path=department.codes() if department else (),
        region_code=row.region_code)


def deny(permission: str) -> None:
    """Audit a refusal and answer 404."""
    audit("access.denied", target=("path", request.path[:200]), detail=permission)
    db().commit()
    abort(404)


def to_sign_in() -> Response:
    target = lang_url("auth.login", next=_here())
    if getattr(request, "htmx", False):
        response = Response(status=401)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


def _here() -> str:
    return request.full_path.rstrip("?")


def safe_next(default: str) -> str:
    """`next` when it is a path on this site, else `default`."""
    target = request.values.get("next", "")
    ok = target.startswith("/") and not target.startswith("//") and "\\" not in target
    return target if ok else default


# --- sign-in flow shared by staff and citizens --------------------------------------------

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
            audit("auth.locked", actor=current_actor(name), target=_target(account))
        audit("auth.sign_in_failed", actor=current_actor(name), detail=_reason(account, right))
    else:
        accounts.record_success(account, now)
        db().commit()
        return True
    db().commit()
    return False


def _target(account: Any) -> tuple[str, object]:
    return ("user", account.id) if isinstance(account, accounts.User) else ("citizen",
                                                                            account.id)


def _reason(account: Any, right: bool) -> str:
    if account is None:
        return "unknown account"
    return "wrong password" if not right else "account not usable"


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
    return redirect(safe_next(lang_url("auth.account")))


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    for key, account in ((STAFF_KEY, g.get("user")), (CITIZEN_KEY, g.get("citizen"))):
        if account is not None:
            accounts.end_sessions(account)
            audit("auth.sign_out", target=_target(account))
            db().commit()
            session.pop(key, None)
    session.clear()
    return redirect(lang_url("auth.login"))


@bp.get("/me")
@login_required
def account() -> ResponseReturnValue:
    return render_template("pages/account.html", user=g.user)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password() -> ResponseReturnValue:
    user, expired = g.user, password_expired(g.user)
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
