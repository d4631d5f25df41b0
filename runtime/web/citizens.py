"""Citizen and enterprise accounts: registration with a mobile number and a password
(enterprises add their unified social credit code), and their sign-in.

Registration answers the same whether the number or credit code is new or taken: both go
to the sign-in page with the same notice, so no one learns who has an account here; the
account that holds a taken one is told on its own page (`citizen_messages`) and the attempt
is audited. It is limited per address.

Guests (a tracking number and a verification code) come with the form runtime. Signing in
through a provincial identity platform is an extension point: docs/identity.md.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, g, redirect, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import IntegrityError
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError

from runtime import passwords
from runtime.casework import batches
from runtime.i18n import Catalogue
from runtime.store import accounts, citizen_messages
from runtime.store.audit import Actor
from runtime.store.models import utcnow
from runtime.web.auth.audit import audit, current_actor
from runtime.web.auth.session import CITIZEN_KEY, start_session
from runtime.web.auth.throttling import (
    REGISTER_BY_IP,
    check_credentials,
    over_limits,
    refused,
    throttled,
)
from runtime.web.auth.views import safe_next, sign_in_page
from runtime.web.auth.words import text
from runtime.web.database import db
from runtime.web.lang import current_lang, lang_url

bp = Blueprint("citizens", __name__, url_prefix="/auth")

MOBILE = re.compile(r"1[3-9]\d{9}")
KINDS = ("person", "enterprise")

TEXT = Catalogue({
    "register": ("注册账号", "Register"),
    "kind": ("账号类型", "Account type"),
    "person": ("个人", "Person"),
    "enterprise": ("企业", "Enterprise"),
    "mobile": ("手机号", "Mobile number"),
    "name": ("姓名或企业名称", "Name or enterprise name"),
    "uscc": ("统一社会信用代码", "Unified social credit code"),
    "bad_mobile": ("请输入 11 位手机号", "Enter an 11-digit mobile number"),
    "bad_uscc": ("统一社会信用代码无效", "This unified social credit code is invalid"),
    "need_name": ("请填写姓名或企业名称", "Enter a name"),
    "bad_credentials": ("手机号或密码错误", "Wrong mobile number or password"),
    "registered": ("注册申请已提交。若该手机号（及信用代码）此前未注册，账号已开通，请用刚设置的"
                   "密码登录；若已注册，我们已通知该账号的持有人。",
                   "Registration sent. If the mobile number (and credit code) had no account "
                   "yet, yours is ready: sign in with the password you chose. If it had one, "
                   "its holder has been told."),
    "messages": ("消息", "Messages"),
    "msg_register_repeat": ("{at} 有人尝试用您的手机号或信用代码注册新账号，未获成功。"
                            "如非本人操作，无需处理。",
                            "On {at} someone tried to register a new account with your mobile "
                            "number or credit code; it was refused. If it was not you, nothing "
                            "needs doing."),
    "welcome": ("欢迎，{name}", "Welcome, {name}"),
})


def ctext(key: str, /, **params: Any) -> str:
    return TEXT.format(key, current_lang(), **params)


@bp.app_context_processor
def _texts() -> dict[str, Any]:
    return {"citizen_text": ctext}


@bp.route("/citizen/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if request.method == "GET":
        notice = ctext("registered") if request.args.get("registered") else None
        return sign_in_page("pages/citizen_login.html", notice=notice)
    mobile = request.form.get("mobile", "").strip()
    password = request.form.get("password", "")
    if throttled("citizen", mobile):
        return sign_in_page("pages/citizen_login.html", 429, error=text("throttled"),
                            mobile=mobile)
    citizen = accounts.citizen_by_mobile(db(), mobile) if mobile else None
    if not check_credentials(citizen, password, mobile):
        return sign_in_page("pages/citizen_login.html", 401, error=ctext("bad_credentials"),
                            mobile=mobile)
    assert citizen is not None
    start_session(CITIZEN_KEY, citizen)
    audit("auth.sign_in", actor=_actor(citizen), target=("citizen", citizen.id))
    db().commit()
    return redirect(safe_next(lang_url("applications.mine")))


@bp.get("/citizen")
def home() -> ResponseReturnValue:
    if g.get("citizen") is None:
        return redirect(lang_url("citizens.login", next=request.path))
    return render_template("pages/citizen_home.html", citizen=g.citizen,
                           messages=citizen_messages.latest(db(), g.citizen.id))


@bp.route("/register", methods=["GET", "POST"])
def register() -> ResponseReturnValue:
    if request.method == "GET":
        return render_template("pages/register.html", form={}, errors={})
    form = {k: request.form.get(k, "").strip() for k in ("kind", "mobile", "name", "uscc")}
    form["kind"] = form["kind"] if form["kind"] in KINDS else "person"
    if over_limits([(REGISTER_BY_IP, str(request.remote_addr))]):
        refused("register", actor=current_actor(form["mobile"]))
        return render_template("pages/register.html", form=form, errors={},
                               error=text("throttled")), 429
    errors = registration_errors(form, request.form.get("password", ""),
                                 request.form.get("confirm_password", ""))
    if errors:
        return render_template("pages/register.html", form=form, errors=errors), 400
    code = uscc.compact(form["uscc"]) if form["kind"] == "enterprise" else None
    try:
        citizen = accounts.add_citizen(db(), form["mobile"], form["name"],
                                       request.form["password"], now=utcnow(), uscc=code)
        audit("account.change", actor=_actor(citizen), target=("citizen", citizen.id),
              detail="registered")
        batches.adopt_waiting(db(), citizen)  # 免申即享 cases a list named it in, if any
    except IntegrityError:  # the number or the code is taken: its holder is told, no one else
        db().rollback()
        _tell_holders(form["mobile"], code)
    db().commit()
    return redirect(lang_url("citizens.login", registered=1), code=303)


def _tell_holders(mobile: str, code: str | None) -> None:
    """Leave the accounts that hold `mobile` or `code` a message, and audit the attempt."""
    holders = {c.id for c in (accounts.citizen_by_mobile(db(), mobile),
                              accounts.citizen_by_uscc(db(), code) if code else None) if c}
    for holder in sorted(holders):
        citizen_messages.tell(db(), holder, citizen_messages.REGISTER_REPEAT)
        audit("account.register_repeat", actor=current_actor(mobile),
              target=("citizen", holder))


def registration_errors(form: dict[str, str], password: str, confirm: str) -> dict[str, str]:
    """Errors by field name; empty when the registration may go ahead."""
    errors: dict[str, str] = {}
    if not MOBILE.fullmatch(form["mobile"]):
        errors["mobile"] = ctext("bad_mobile")
    if not form["name"]:
        errors["name"] = ctext("need_name")
    if form["kind"] == "enterprise":
        try:
            uscc.validate(form["uscc"])
        except ValidationError:
            errors["uscc"] = ctext("bad_uscc")
    problems = list(passwords.policy_problems(password))
    if problems:
        errors["password"] = "；".join(text(p, n=passwords.MIN_LENGTH) for p in problems)
    if password != confirm:
        errors["confirm_password"] = text("mismatch")
    return errors


def _actor(citizen: accounts.Citizen) -> Actor:
    return Actor(f"c{citizen.id}", citizen.mobile, "citizen")
