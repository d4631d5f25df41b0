"""The generated forms: the service catalogue, a form page, its live partial updates, drafts,
the submit, the receipt and the guests' tracking page. Thin: parse, call the core, render."""

from __future__ import annotations

import io
import re
import secrets
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from jinja2 import Template
from markupsafe import Markup, escape

from runtime.definitions.spec import CatalogSpec, FormSpec, PackSpec
from runtime.forms.dependencies import dependents
from runtime.forms.drafts import carry_over
from runtime.forms.prefill import prefilled, sources
from runtime.forms.state import FormState, form_state
from runtime.forms.validation import Validation, state_of, validate
from runtime.i18n import Catalogue
from runtime.store.files import (
    DEFAULT_TYPES,
    FileRefused,
    LocalFileStore,
    attachment,
    store_file,
)
from runtime.store.models import Definition
from runtime.store.queries import Head, list_definitions
from runtime.store.submissions import (
    GUEST,
    Owner,
    find_for_tracking,
    load_draft,
    save_draft,
    submit,
)
from runtime.web import formtemplates
from runtime.web.auth.throttling import throttled
from runtime.web.casepages import progress_of
from runtime.web.database import db, store
from runtime.web.errors import AppError
from runtime.web.formdata import posted_data
from runtime.web.formviews import Views, plans, region_picker, slug
from runtime.web.lang import current_lang, lang_url, text
from runtime.web.pickers import check_references

bp = Blueprint("forms", __name__)
RECEIPT = "receipt"
TYPED_INTO = ("input", "textarea", "richtext")  # change fires as the person leaves them
FILE_TYPES = {"file": DEFAULT_TYPES, "image": frozenset({"image/jpeg", "image/png"})}

TEXT = Catalogue({
    "catalogue": ("办事服务", "Services"), "search": ("搜索", "Search"),
    "no_department": ("其他", "Other"),
    "no_forms": ("没有找到可办理的事项。", "No services found."),
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
    "status_submitted": ("已提交，待受理", "Submitted, awaiting acceptance"),
    "not_found": ("受理编号或验证码不正确。", "The tracking number or code is wrong."),
    "slow_down": ("尝试次数过多，请稍后再试。", "Too many attempts; please try again later."),
    "draft_saved": ("草稿已保存", "Draft saved"),
    "province": ("省", "Province"), "city": ("市", "City"), "county": ("区县", "County"),
    "file_type": ("只能上传 PDF、JPG 或 PNG 文件（按文件内容判断）",
                  "Only PDF, JPG or PNG files (judged by their content)"),
    "file_too_large": ("文件不能超过 20 MB", "Files must be under 20 MB"),
    "file_empty": ("文件是空的", "The file is empty"),
    "draft_link": ("用下面的链接可以继续填写（30 天内有效），请勿分享给他人：",
                   "Continue with this link within 30 days; do not share it:"),
})


@bp.app_template_global()
def ft(key: str, /, **params: Any) -> str:
    return TEXT.format(key, current_lang(), **params)


@bp.app_template_global()
def live_attrs(url: str) -> Markup:
    """Every field asks on change: its own value is checked as the person leaves it, and the
    fields depending on it (if any) come back updated."""
    return Markup('hx-post="{}" hx-trigger="change" hx-include="closest form" '
                  'hx-swap="none"').format(escape(url))


@bp.app_template_global()
def page_fields(form: FormSpec, live_url: str) -> Template:
    """The page's fields as the form's own compiled template (see runtime.web.formtemplates)."""
    return formtemplates.page_fields(form, current_app.jinja_env, current_lang(), live_url, TEXT)


bp.add_app_template_global(slug, "slug")
bp.add_app_template_global(region_picker, "region_picker")


@bp.get("/forms/<form_id>/regions")
def region_picker_fragment(form_id: str) -> ResponseReturnValue:
    """The region picker again, after a person chose a province or a city."""
    path = request.args.get("path", "")
    form = _form(_form_head(form_id))
    spec = next((f for f in form.all_fields() if f.id == _field_id(path)), None)
    if spec is None or spec.type != "region":
        abort(404)
    picker = region_picker(path, None, province=request.args.get(f"{path}.province", ""),
                           city=request.args.get(f"{path}.city", ""),
                           live=live_attrs(_live_url(form)))
    return render_template("_region_picker.html", picker=picker, form_id=form.id)


# --- finding forms ----------------------------------------------------------------------

def _form_head(form_id: str, version: int | None = None) -> Head:
    """This published version of the form, or its latest; a 404 when there is none."""
    head = store().heads.get(db, "Form", form_id, version or None)
    if head is None:
        abort(404)
    return head


def _form(row: Head | Definition) -> FormSpec:
    spec = row.spec
    assert isinstance(spec, FormSpec)
    return spec


def _catalogs(pack_id: str, form: FormSpec) -> dict[str, CatalogSpec]:
    """The pack's catalogs, read only when a field of the form draws options from one, and
    once per request: a partial update or a failed submit both validates and renders."""
    if not any(p.spec.options_from for p in plans(form, current_lang()).values()):
        return {}  # the plans, built once per form, list every field without a walk
    read: dict[str, dict[str, CatalogSpec]] = g.setdefault("catalogs", {})
    if pack_id not in read:
        specs = [d.spec for d in list_definitions(db(), kind="Catalog", pack_id=pack_id)]
        read[pack_id] = {s.id: s for s in specs if isinstance(s, CatalogSpec)}
    return read[pack_id]


def _posted_version() -> int | None:
    value = request.form.get("_version", "")
    return int(value) if value.isdigit() else None


@bp.get("/services")
def catalogue() -> ResponseReturnValue:
    query = request.args.get("q", "").strip()
    rows = list_definitions(db(), kind="Form")
    forms = [r for r in rows if not query or query.lower() in text(r.title).lower()]
    names = _department_names()
    groups: dict[str, list[Definition]] = {}
    for row in forms:
        code = _form(row).department or ""
        groups.setdefault(text(names.get(code, code)), []).append(row)
    return render_template("pages/catalogue.html", groups=groups, query=query)


def _department_names() -> dict[str, Any]:
    """Department names as the packs declare them, by code."""
    packs = [d.spec for d in list_definitions(db(), kind="Pack")]
    return {dep.code: dep.name for p in packs if isinstance(p, PackSpec) for dep in p.departments}


# --- the form page ----------------------------------------------------------------------

@bp.get("/forms/<form_id>")
def show(form_id: str) -> ResponseReturnValue:
    row = _form_head(form_id)
    form = _form(row)
    return _page(row, form, form_state(form, _locked(form)), {}, step=0)


def _locked(form: FormSpec) -> dict[str, Any]:
    """Values prefilled from the signed-in citizen's or enterprise's account."""
    citizen = g.get("citizen")
    if citizen is None:
        return {}
    return prefilled(form, {"account.name": citizen.display_name,
                            "account.mobile": citizen.mobile, "account.uscc": citizen.uscc})


def _region_of(form: FormSpec, data: dict[str, Any]) -> str | None:
    """The region a submission is about (its first region field): region scopes reach it."""
    return next((data[f.id] for f in form.all_fields() if f.type == "region" and data.get(f.id)),
                None)


def _owner() -> Owner:
    citizen = g.get("citizen")
    return Owner("citizen", citizen.id) if citizen is not None else GUEST


def _page(row: Head, form: FormSpec, state: FormState, errors: dict[str, list[str]], *,
          step: int, key: str | None = None, notice: str | None = None,
          draft: str | None = None, status: int = 200) -> ResponseReturnValue:
    names = _names([k for p in plans(form, current_lang()).values() if p.type in FILE_TYPES
                    for k in state.data.get(p.spec.id) or []])
    views = Views(form, state, errors, _catalogs(row.pack_id, form), names,
                  frozenset(_locked(form)), lang=current_lang()).top()
    context = {"form": form, "form_id": form.id, "views": views, "errors": errors, "step": step,
               "pages": _pages(form), "key": key or secrets.token_urlsafe(18),
               "notice": notice, "draft": draft, "live_url": _live_url(form)}
    return render_template("pages/form.html", **context), status


def _live_url(form: FormSpec) -> str:
    return url_for("forms.partial", form_id=form.id, lang=current_lang())


def _pages(form: FormSpec) -> list[Any]:
    return [f for f in form.fields if f.type == "page"]


@bp.post("/forms/<form_id>/state")
def partial(form_id: str) -> ResponseReturnValue:
    """A field changed: re-render only the fields whose state or value that can alter."""
    row = _form_head(form_id, _posted_version())
    form = _form(row)
    result = validate(form, {**posted_data(form, request.form), **_locked(form)},
                      catalogs=_catalogs(row.pack_id, form))
    left = request.htmx.trigger_name or ""
    affected = dependents(form).get(_field_id(left), frozenset())
    views = Views(form, result.state, _left_errors(result, left),
                  _catalogs(row.pack_id, form), locked=frozenset(_locked(form)),
                  lang=current_lang())
    shown = [views.at(p) for p in result.state.fields if _field_id(p) in affected]
    if left in result.state.fields and views.at(left).kind in TYPED_INTO:
        shown.append(views.at(left))  # not a radio or select: that would steal its focus
    return render_template("_oob_fields.html", views=shown, live_url=_live_url(form),
                           form_id=form.id)


def _left_errors(result: Validation, path: str) -> dict[str, list[str]]:
    """As a person leaves a field, what they typed is checked; that it is still empty is not
    held against them until they submit."""
    found = [e.message(_lang()) for e in result.errors.get(path, []) if e.code != "required"]
    return {path: found} if found else {}


def _field_id(path: str) -> str:
    """`items[0].amount` -> `amount`; `name` -> `name`; `address.region` -> `address`."""
    last = re.split(r"\]\.", path)[-1]
    return last.split(".")[0]


@bp.post("/forms/<form_id>")
def post(form_id: str) -> ResponseReturnValue:
    row = _form_head(form_id, _posted_version())
    form = _form(row)
    locked = _locked(form)
    data = {**posted_data(form, request.form), **locked}  # the account wins over the request
    action = request.form.get("_action", "submit")
    key = request.form.get("_key") or secrets.token_urlsafe(18)
    if action == "draft":
        return _save_draft(row, form, data)
    if action.startswith(("add_row:", "remove_row:")):
        changed = _change_rows(data, action)
        return _page(row, form, state_of(form, changed), {}, step=_current_step(), key=key)
    result = validate(form, data, catalogs=_catalogs(row.pack_id, form))
    check_references(form, result)
    step = _step_after(action, form, result)
    if action != "submit" or not result.ok:
        errors = _shown_errors(form, result, action)
        return _page(row, form, result.state, errors, step=step, key=key,
                     status=422 if errors else 200)
    receipt = submit(db(), form=form, data=result.data, idempotency_key=key[:64],
                     owner=_owner(), attachments=_own_files(result.data, form),
                     ip=request.remote_addr, prefilled=sources(form, locked),
                     region_code=_region_of(form, result.data))
    session[RECEIPT] = {"no": receipt.tracking_no, "code": receipt.verification_code,
                        "form": text(form.title)}
    return redirect(lang_url("forms.receipt"), code=303)


def _current_step() -> int:
    value = request.form.get("_step", "0")
    return int(value) if value.isdigit() and len(value) < 3 else 0


def _step_after(action: str, form: FormSpec, result: Validation) -> int:
    step = _current_step()
    last = max(len(_pages(form)) - 1, 0)
    if action == "prev":
        return max(step - 1, 0)
    if action == "next" and not _page_errors(form, result, step):
        return min(step + 1, last)
    if action == "submit" and not result.ok:
        return _first_page_with_errors(form, result, default=step)
    return min(step, last)


def _page_errors(form: FormSpec, result: Validation, step: int) -> dict[str, list[str]]:
    """The errors of the fields on page `step` (all of them when the form has no pages)."""
    pages = _pages(form)
    if not pages:
        return result.as_dict(_lang())
    ids = {f.id for f in pages[step].fields} | {c.id for f in pages[step].fields
                                               for c in f.fields}
    return {p: m for p, m in result.as_dict(_lang()).items()
            if re.split(r"[\[.]", p)[0] in ids}


def _first_page_with_errors(form: FormSpec, result: Validation, *, default: int) -> int:
    for index in range(len(_pages(form))):
        if _page_errors(form, result, index):
            return index
    return default


def _shown_errors(form: FormSpec, result: Validation, action: str) -> dict[str, list[str]]:
    """Submit shows every error; next, those of the page being left; other moves, none."""
    if action == "submit":
        return result.as_dict(_lang())
    if action == "next":
        return _page_errors(form, result, _current_step())
    return {}


def _lang() -> str:
    return current_lang()


def _change_rows(data: dict[str, Any], action: str) -> dict[str, Any]:
    """`add_row:items` appends an empty row; `remove_row:items:2` removes the third."""
    verb, table, *index = action.split(":")
    rows = list(data.get(table) or [])
    if verb == "add_row":
        rows.append({})
    elif index and index[0].isdigit() and int(index[0]) < len(rows):
        rows.pop(int(index[0]))
    return {**data, table: rows}


# --- attachments ------------------------------------------------------------------------

UPLOADS = "uploads"  # the keys of files this browser session uploaded


def _files() -> LocalFileStore:
    return LocalFileStore(Path(current_app.instance_path, "uploads"))


@bp.post("/forms/<form_id>/files/<field_id>")
def upload(form_id: str, field_id: str) -> ResponseReturnValue:
    """Keep an uploaded file and answer with the field showing it (htmx swaps the field)."""
    row = _form_head(form_id, _posted_version())
    form = _form(row)
    spec = next((f for f in form.all_fields() if f.id == field_id and f.type in FILE_TYPES),
                None)
    upload = request.files.get("upload")
    if spec is None or upload is None:
        abort(400)
    keys = request.form.getlist(field_id)
    error = None
    try:
        stored = store_file(db(), _files(), name=upload.filename or "", data=upload.read(),
                            owner=GUEST, allowed=FILE_TYPES[spec.type])
        db().commit()
        session[UPLOADS] = [*session.get(UPLOADS, []), stored.key][-50:]
        keys.append(stored.key)
    except FileRefused as refused:
        error = ft(refused.code)
    data = {**posted_data(form, request.form), field_id: keys}
    views = Views(form, state_of(form, data), {field_id: [error]} if error else {},
                  _catalogs(row.pack_id, form), _names(keys), lang=current_lang())
    return render_template("_field.html", fields=[views.at(field_id)], oob=False,
                           form_id=form.id, live_url=_live_url(form))


def _names(keys: list[str]) -> dict[str, str]:
    rows = (attachment(db(), key) for key in keys)
    return {row.key: row.original_name for row in rows if row is not None}


@bp.get("/files/<key>")
def download(key: str) -> ResponseReturnValue:
    """Only the session that uploaded a file may fetch it here (staff access to the files of
    a submission comes with the workbench); anyone else gets 404, as if it did not exist."""
    row = attachment(db(), key)
    if row is None or key not in session.get(UPLOADS, []):
        abort(404)
    return send_file(io.BytesIO(_files().get(key)), mimetype=row.content_type,
                     as_attachment=True, download_name=row.original_name)


def _own_files(data: dict[str, Any], form: FormSpec) -> list[str]:
    """Keys of files a submission may claim: those this session uploaded."""
    mine = set(session.get(UPLOADS, []))
    keys = [k for f in form.all_fields() if f.type in FILE_TYPES for k in data.get(f.id) or []]
    return [k for k in keys if k in mine]


# --- drafts, receipts, tracking ---------------------------------------------------------

def _save_draft(row: Head, form: FormSpec, data: dict[str, Any]) -> ResponseReturnValue:
    token = save_draft(db(), form=form, data=data, owner=_owner(),
                       token=request.form.get("_draft") or None)
    link = lang_url("forms.resume", token=token, _external=True)
    return render_template("pages/draft_saved.html", form=form, link=link)


@bp.get("/drafts/<token>")
def resume(token: str) -> ResponseReturnValue:
    draft = load_draft(db(), token)
    if draft is None:
        abort(404)
    latest = _form_head(draft.form_id)
    old = _form(_form_head(draft.form_id, draft.form_version))
    form = _form(latest)
    data, changes = carry_over(draft.data, old, form)
    notice = changes.message(_lang()) if changes else None
    return _page(latest, form, state_of(form, data), {}, step=0, notice=notice, draft=token)


@bp.get("/receipt")
def receipt() -> ResponseReturnValue:
    shown = session.get(RECEIPT)
    if not shown:
        return redirect(lang_url("forms.track"))
    return render_template("pages/receipt.html", receipt=shown)


@bp.route("/track", methods=["GET", "POST"])
def track() -> ResponseReturnValue:
    found, tried = None, request.method == "POST"
    number = request.form.get("no", "")
    if tried and throttled("track", number.strip()):
        # A 6-digit code is guessable without a limit: per address and per tracking number.
        return render_template("pages/track.html", found=None, form=None, tried=True,
                               no=number, slow_down=True), 429
    if tried:
        found = find_for_tracking(db(), number, request.form.get("code", ""))
    form = _form(_form_head(found.form_id, found.form_version)) if found else None
    progress = progress_of(db(), found.tracking_no, _lang()) if found else None
    return render_template("pages/track.html", found=found, form=form, tried=tried,
                           no=request.form.get("no", ""), progress=progress), (
        404 if tried and not found else 200)


# --- JSON API ---------------------------------------------------------------------------

# Another system submits JSON. No CSRF token: a browser cannot send `application/json` to
# another site without a CORS preflight this app never grants, so the content type is the
# guard, and anything else is refused.
api_bp = Blueprint("forms_api", __name__, url_prefix="/api/forms")


@api_bp.post("/<form_id>/submissions")
def api_submit(form_id: str) -> ResponseReturnValue:
    if not request.is_json:
        raise AppError(415, "json_required")
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
        raise AppError(400, "bad_submission")
    version = body.get("version")
    row = _form_head(form_id, version if isinstance(version, int) else None)
    form = _form(row)
    result = validate(form, body["data"], catalogs=_catalogs(row.pack_id, form))
    check_references(form, result)
    if not result.ok:
        return jsonify({"errors": result.as_dict(_lang())}), 422
    key = str(body.get("idempotency_key") or secrets.token_urlsafe(18))[:64]
    receipt = submit(db(), form=form, data=result.data, idempotency_key=key,
                     ip=request.remote_addr, region_code=_region_of(form, result.data))
    answer = {"tracking_no": receipt.tracking_no, "verification_code": receipt.verification_code,
              "form": receipt.form_id, "version": receipt.form_version}
    return jsonify(answer), 201 if receipt.created else 200
