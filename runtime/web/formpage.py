"""What the modules of the generated forms share: their words, finding a published form (and
the catalogs, prefilled values and owner a request brings to it) and rendering its page. The
routes live in `forms` (the page, its wizard and the submit), `uploads`, `drafts`,
`tracking` and `formapi`."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import Any

from flask import abort, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup, escape

from runtime import access
from runtime.definitions.spec import CatalogSpec, DecisionTableSpec, FormSpec
from runtime.forms.prefill import prefilled
from runtime.forms.state import FormState
from runtime.forms.wizard import pages
from runtime.i18n import Catalogue
from runtime.rulesets import RuleBook
from runtime.store.files import FILE_FIELD_TYPES, attachment
from runtime.store.models import Definition
from runtime.store.queries import Head
from runtime.store.references import StoreResolver
from runtime.store.submissions import GUEST, Owner
from runtime.web.auth.session import here
from runtime.web.database import db, store
from runtime.web.errors import AppError, wants_json
from runtime.web.fieldtypes import field_types
from runtime.web.formviews import Views, plans
from runtime.web.lang import current_lang, lang_url

SUBMITTER = "submitter"  # a browser session's name for the idempotency keys it sends

TEXT = Catalogue({
    "catalogue": ("办事服务", "Services"), "search": ("搜索", "Search"),
    "no_department": ("其他", "Other"),
    "no_forms": ("没有找到可办理的事项。", "No services found."),
    "sign_in_citizens": ("（个人登录后办理）", "(sign in as a person to apply)"),
    "sign_in_enterprises": ("（企业登录后办理）", "(sign in as an enterprise to apply)"),
    "row": ("第 {n} 行", "Row {n}"), "add_row": ("添加一行", "Add a row"),
    "remove_row": ("删除此行", "Remove this row"), "yes": ("是", "Yes"), "no": ("否", "No"),
    "from": ("从", "From"), "to": ("至", "to"), "region": ("行政区划代码", "Region code"),
    "detail": ("详细地址", "Street address"), "choose": ("请选择", "Choose"),
    "fix_errors": ("请修改以下 {n} 处问题", "Please fix {n} problem(s)"),
    "steps": ("填写步骤", "Steps"), "prev": ("上一步", "Back"), "next": ("下一步", "Next"),
    "save_draft": ("保存草稿", "Save draft"), "submit": ("提交", "Submit"),
    "receipt": ("受理回执", "Receipt"), "received": ("申请已提交", "Application submitted"),
    "tracking_no": ("受理编号", "Tracking number"), "code": ("查询验证码", "Verification code"),
    "keep_these": ("请保存受理编号和验证码，用于查询办理进度。",
                   "Keep the tracking number and code to follow your case."),
    "next_steps": ("接下来", "What happens next"),
    "next_steps_text": ("工作人员将在承诺时限内受理；需要补正材料时会一次性告知。",
                        "Staff will accept it within the promised time and tell you at once "
                        "everything that is missing, if anything."),
    "track": ("办理进度查询", "Track a case"), "look_up": ("查询", "Look up"),
    "status": ("状态", "Status"), "submitted_at": ("提交时间", "Submitted"),
    "not_found": ("受理编号或验证码不正确。", "The tracking number or code is wrong."),
    "slow_down": ("尝试次数过多，请稍后再试。", "Too many attempts; please try again later."),
    "draft_saved": ("草稿已保存", "Draft saved"),
    "key_reused": ("此页面已提交过不同的内容，本次未提交。请核对后再提交。",
                   "This page was already submitted with other answers; nothing was "
                   "submitted now. Check them and submit again."),
    "province": ("省", "Province"), "city": ("市", "City"), "county": ("区县", "County"),
    "file_type": ("只能上传 PDF、JPG 或 PNG 文件（按文件内容判断）",
                  "Only PDF, JPG or PNG files (judged by their content)"),
    "file_too_large": ("文件不能超过 20 MB", "Files must be under 20 MB"),
    "file_empty": ("文件是空的", "The file is empty"),
    "upload_rate": ("上传过于频繁，请一分钟后再试", "Too many uploads; try again in a minute"),
    "upload_quota": ("今天上传的文件已达上限，请明天再试",
                     "You have reached today's upload limit; try again tomorrow"),
    "draft_link": ("用下面的链接可以继续填写（30 天内有效），请勿分享给他人：",
                   "Continue with this link within 30 days; do not share it:"),
})


def form_text(key: str, /, **params: Any) -> str:
    return TEXT.format(key, current_lang(), **params)


def live_attrs(url: str) -> Markup:
    """Every field asks on change: its own value is checked as the person leaves it, and the
    fields depending on it (if any) come back updated."""
    return Markup('hx-post="{}" hx-trigger="change" hx-include="closest form" '
                  'hx-swap="none"').format(escape(url))


# --- finding forms ----------------------------------------------------------------------

def form_head(form_id: str, version: int | None = None) -> Head:
    """This published version of the form, or its latest; a 404 when there is none."""
    head = store().heads.get(db, "Form", form_id, version or None)
    if head is None:
        abort(404)
    return head


def open_form(form_id: str, version: int | None = None, *, live: bool = False) -> Head:
    """The form as `form_head` finds it, for a visitor its audience admits. A handler form is
    a 404, as if it did not exist, except to staff for its live updates (`live`: computing
    what a task page's handler form shows stores nothing); a guest asking for a page that
    needs an account is sent to sign in; anyone else the audience leaves out gets a 403."""
    head = form_head(form_id, version)
    if usable(form_of(head)):
        return head
    who, _ = audience_of(form_of(head))
    if who == access.HANDLERS:
        if live and _works_tasks():
            return head
        abort(404)
    if request.method == "GET" and not _signed_in() and not wants_json():
        endpoint = "auth.login" if who == access.STAFF else "citizens.login"
        abort(redirect(lang_url(endpoint, next=here())))
    raise AppError(403, f"audience_{who}")


def usable(form: FormSpec) -> bool:
    """Whether the visitor may open and submit `form` (what the catalogue lists)."""
    return access.admits(*audience_of(form), visitor())


def after_sign_in(form: FormSpec) -> str | None:
    """For a guest, the account a citizens' or enterprises' form asks for ("citizens" or
    "enterprises"): the catalogue lists it with a sign-in note, as its page sends a guest to
    sign in. None otherwise."""
    who = audience_of(form)[0]
    if _signed_in() or who not in (access.CITIZENS, access.ENTERPRISES):
        return None
    return who


def audience_of(form: FormSpec) -> tuple[str, tuple[str, ...]]:
    """Who the form is for: as it says, else `handlers` for a task's handler form, else the
    public."""
    if form.audience is not None:
        return form.audience.who, form.audience.departments
    handler = form.id in store().heads.handler_forms(db)
    return (access.HANDLERS if handler else access.PUBLIC), ()


def visitor() -> access.Visitor:
    citizen = g.get("citizen")
    return access.Visitor(g.get("principal"), citizen.kind if citizen is not None else None)


def _works_tasks() -> bool:
    """Staff who work tasks: a task page's handler form is theirs to fill."""
    principal = g.get("principal")
    return principal is not None and any(principal.granting(permission)
                                         for permission in ("tasks.act", "tasks.dispatch"))


def _signed_in() -> bool:
    return g.get("user") is not None or g.get("citizen") is not None


def form_of(row: Head | Definition) -> FormSpec:
    spec = row.spec
    assert isinstance(spec, FormSpec)
    return spec


def catalogs_for(pack_id: str, form: FormSpec) -> dict[str, CatalogSpec]:
    """The pack's catalogs, read only when a field of the form draws options from one (the
    app's `Heads` remembers them, as it does the form)."""
    if not any(p.spec.options_from for p in plans(form, current_lang(), field_types()).values()):
        return {}  # the plans, built once per form, list every field without a walk
    return store().heads.catalogs(db, pack_id)


def tables_for(form: FormSpec) -> Mapping[str, DecisionTableSpec]:
    """The decision tables on the form's data, which its expressions read as `decisions`
    (remembered by the app's `Heads` with the form's rule sets)."""
    return store().heads.rule_book(db, form.id).tables


def rules_for(form: FormSpec) -> RuleBook:
    """The rule sets on the form's data, which its expressions read as `rules`."""
    return store().heads.rule_book(db, form.id)


def parse_version(value: Any) -> int | None:
    """A posted `_version`: a number, or None for the latest."""
    return int(value) if isinstance(value, str) and value.isdigit() else None


def locked_values(form: FormSpec) -> dict[str, Any]:
    """Values prefilled from the signed-in citizen's or enterprise's account."""
    citizen = g.get("citizen")
    if citizen is None:
        return {}
    return prefilled(form, {"account.name": citizen.display_name,
                            "account.mobile": citizen.mobile, "account.uscc": citizen.uscc})


def owner() -> Owner:
    citizen = g.get("citizen")
    return Owner("citizen", citizen.id) if citizen is not None else GUEST


def submitter(anonymous: str | None = None) -> str:
    """Whose idempotency keys a submit uses: the signed-in account's; else `anonymous` (an
    API client, by its address); else this browser session's own random name."""
    if g.get("user") is not None:
        return f"staff:{g.user.id}"
    if g.get("citizen") is not None:
        return f"citizen:{g.citizen.id}"
    return anonymous or f"session:{session_name()}"


def session_name() -> str:
    """This browser session's random name, given the first time a form page is shown, so
    that two submits of that page at the same moment carry the same one."""
    if SUBMITTER not in session:
        session[SUBMITTER] = secrets.token_urlsafe(16)
    return str(session[SUBMITTER])


def field_id(path: str) -> str:
    """`items[0].amount` -> `amount`; `name` -> `name`; `address.region` -> `address`."""
    last = re.split(r"\]\.", path)[-1]
    return last.split(".")[0]


# --- rendering the page -----------------------------------------------------------------

def render_page(row: Head, form: FormSpec, state: FormState, errors: dict[str, list[str]], *,
                step: int, key: str | None = None, notice: str | None = None,
                draft: str | None = None, status: int = 200,
                raw: Mapping[str, Any] | None = None) -> ResponseReturnValue:
    """The form's page in `state`; `raw`, what was posted, shows a value that failed to
    parse as it was typed."""
    names = file_names([k for p in plans(form, current_lang(), field_types()).values()
                        if p.type in FILE_FIELD_TYPES for k in state.data.get(p.spec.id) or []])
    views = Views(form, state, errors, catalogs_for(row.pack_id, form), names,
                  frozenset(locked_values(form)), lang=current_lang(), raw=raw).top()
    session_name()
    context = {"form": form, "form_id": form.id, "views": views, "errors": errors, "step": step,
               "pages": pages(form), "key": key or secrets.token_urlsafe(18),
               "notice": notice, "draft": draft, "live_url": live_url(form)}
    return render_template("pages/form.html", **context), status


def live_url(form: FormSpec) -> str:
    return url_for("forms.partial", form_id=form.id, lang=current_lang())


def file_names(keys: list[str]) -> dict[str, str]:
    """The original names of uploaded files, by key (what a file field shows)."""
    rows = (attachment(db(), key) for key in keys)
    return {row.key: row.original_name for row in rows if row is not None}


def resolver() -> StoreResolver:
    """References (pickers) answered from the store for whoever is signed in."""
    return StoreResolver(db(), g.get("principal"))
