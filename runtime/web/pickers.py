"""Picker fields (department, user, related record) on the web: the fragment of matching
options a picker asks for as a person types, and the words shown for a chosen value.
Whether a chosen value may be chosen is checked inside `validate()` by the store's resolver
(runtime.store.references.StoreResolver).

Only signed-in staff who may read records search or see names; anyone else gets a 404 from
the fragment (a guest or citizen never lists staff or other people's records) and cannot
choose a person or a record (see `StoreResolver`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Blueprint, abort, g, get_template_attribute, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from runtime import access
from runtime.definitions.spec import FieldSpec, FormSpec
from runtime.forms.fieldtypes import DEPARTMENT, RECORD, USER
from runtime.i18n import Catalogue
from runtime.store import accounts, records
from runtime.store import references as store
from runtime.store.accounts import Department, User
from runtime.store.queries import latest_definition
from runtime.store.submissions import Submission
from runtime.web import clock
from runtime.web.auth.guard import require
from runtime.web.database import db
from runtime.web.fieldtypes import field_types
from runtime.web.formpage import live_attrs
from runtime.web.lang import current_lang, mark, text

bp = Blueprint("pickers", __name__)
LIMIT = 20
PERMISSION = "records.read"  # staff who handle records; designers, admins, auditors do not
TEXT = Catalogue({
    "search_department": ("输入部门名称搜索", "Type a department name"),
    "search_user": ("输入姓名搜索", "Type a name"),
    "search_record": ("输入受理编号或名称搜索", "Type a tracking number or a name"),
    "results": ("可选项", "Choices"), "nothing_chosen": ("（未选择）", "(none chosen)"),
    "none_found": ("没有找到匹配项", "Nothing matches"),
    "more": ("只显示前 {n} 项，请输入更多文字缩小范围",
             "Only the first {n} are shown; type more to narrow them down"),
})


def picker_text(key: str, /, **params: Any) -> str:
    return TEXT.format(key, current_lang(), **params)


bp.add_app_template_global(picker_text, "picker_text")


@dataclass(frozen=True)
class Picker:
    """One picker as it is shown: the search box, and a listbox of choices (a native
    `<select size>`, so arrow keys, type-ahead and screen readers work with no script)
    whose value is the field's value."""

    path: str
    refers_to: str
    chosen: str
    options: list[tuple[str, str]]  # (value, words); the chosen value first
    search_url: str
    live: Markup = Markup("")  # the listbox reports a change as every field does
    described_by: str = ""
    readonly: bool = False
    required: bool = False
    invalid: bool = False
    searched: bool = False
    found: int = 0  # choices the search found (shown: at most LIMIT)
    more: bool = False

    @property
    def slug(self) -> str:
        return re.sub(r"[\[\].]+", "-", self.path).strip("-")

    @property
    def size(self) -> int:
        return max(2, min(len(self.options) + 1, 8))


# --- who may search ---------------------------------------------------------------------

def _may_search() -> bool:
    return g.get("user") is not None and access.allowed(g.get("principal"), PERMISSION)


def staff_only(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    """Signed-in staff with PERMISSION, through the one guard; a guest or citizen gets a 404
    (not the sign-in page: the fragment is nothing to them)."""
    guarded = require(PERMISSION)(view)

    @wraps(view)
    def only_staff(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        if g.get("user") is None:
            abort(404)
        return guarded(*args, **kwargs)

    return only_staff


# --- the fragment -----------------------------------------------------------------------

@bp.get("/forms/<form_id>/pickers/<field_id>")
@staff_only
def options(form_id: str, field_id: str) -> ResponseReturnValue:
    """The choices matching `q` (at most LIMIT), with the value chosen so far kept first."""
    path = request.args.get("path", field_id)
    spec = _picker_spec(form_id, field_id)
    if spec is None or not re.fullmatch(rf"(?:[a-z0-9_]+\[[0-9]{{1,3}}\]\.)?{field_id}", path):
        abort(404)
    query = request.args.get("q", "").strip()[:50]
    found = _search(spec, query)
    chosen = request.args.get(path, "")
    view = _picker(spec, form_id, path, chosen, found[:LIMIT], searched=True,
                   found=min(len(found), LIMIT), more=len(found) > LIMIT,
                   live=live_attrs(_live_url(form_id)))
    return get_template_attribute("_picker.html", "choices")(view)


def _picker_spec(form_id: str, field_id: str) -> FieldSpec | None:
    row = latest_definition(db(), "Form", form_id)
    form = row.spec if row is not None else None
    if not isinstance(form, FormSpec):
        return None
    types = field_types()
    return next((f for f in form.all_fields()
                 if f.id == field_id and f.type in types and types[f.type].refers_to), None)


def _live_url(form_id: str) -> str:
    return url_for("forms.partial", form_id=form_id, lang=current_lang())


def _search(spec: FieldSpec, query: str) -> list[tuple[str, str]]:
    refers_to = field_types()[spec.type].refers_to
    session = db()
    if refers_to == DEPARTMENT:
        return [(d.code, _department_words(d)) for d in store.departments(
            session, query, within=spec.department, limit=LIMIT + 1)]
    if refers_to == USER:
        return [(u.username, _user_words(u)) for u in store.staff(
            session, query, department=spec.department, limit=LIMIT + 1)]
    title = _title_spec(spec)
    rows = store.records(session, access.visibility(g.principal, PERMISSION),
                         form_id=spec.related_form or "", query=query, limit=LIMIT + 1,
                         title_field=title.id if title and not _masked(title) else None)
    return [(r.tracking_no, _record_words(r, title)) for r in rows]


# --- words for people -------------------------------------------------------------------

def _department_words(department: Department) -> str:
    name = text(department.name())
    parent = text(department.parent.name()) if department.parent else ""
    return f"{name}{mark('（')}{parent}{mark('）')}" if parent else name


def _user_words(user: User) -> str:
    places = "、".join(dict.fromkeys(text(m.department.name()) for m in user.memberships))
    return f"{user.display_name} · {places}" if places else user.display_name


def _title_spec(spec: FieldSpec) -> FieldSpec | None:
    if not spec.related_title or not spec.related_form:
        return None
    row = latest_definition(db(), "Form", spec.related_form)
    form = row.spec if row is not None else None
    if not isinstance(form, FormSpec):
        return None
    return next((f for f in form.all_fields() if f.id == spec.related_title), None)


def _masked(spec: FieldSpec) -> bool:
    """A personal number: never searched for or shown in full."""
    return spec.type in field_types() and field_types()[spec.type].mask is not None


def _record_words(row: Submission, title: FieldSpec | None) -> str:
    """受理编号 · the title field's value (masked when personal) · the day it came in."""
    value = row.data.get(title.id) if title else None
    mask = field_types()[title.type].mask if title and title.type in field_types() else None
    shown = mask(value) if mask is not None and value else value
    day = clock.shown(row.created_at, clock.DAY)
    return " · ".join(str(part) for part in (row.tracking_no, shown, day) if part)


def words_of(spec: FieldSpec, value: str) -> str:
    """How a chosen value reads: its name for staff who may search, else the value itself
    (a page never names a person or a record to a guest). Once per request and value: an
    export reads the same department on many rows."""
    if not value or not _may_search():
        return value
    known: dict[tuple[str, str | None, str], str] = g.setdefault("picker_words", {})
    key = (spec.type, spec.related_form, value)
    if key not in known:
        known[key] = _words(spec, value)
    return known[key]


def _words(spec: FieldSpec, value: str) -> str:
    refers_to = field_types()[spec.type].refers_to
    session = db()
    if refers_to == DEPARTMENT:
        department = accounts.department(session, value)
        return _department_words(department) if department else value
    if refers_to == USER:
        user = accounts.user_by_name(session, value)
        return _user_words(user) if user else value
    row = store.record(session, spec.related_form or "", value)
    visible = row is not None and access.allowed(g.principal, PERMISSION,
                                                 records.record_ref(session, row))
    return _record_words(row, _title_spec(spec)) if row is not None and visible else value


# --- the widget on a page ---------------------------------------------------------------

@bp.app_template_global()
def picker_view(f: Any, form_id: str, live: Markup) -> Picker:
    """The picker of field view `f` as the form page shows it: only the chosen value, by
    name; the choices come from the fragment as the person searches."""
    chosen = "" if f.value is None else str(f.value)
    return _picker(f.spec, form_id, f.path, chosen, [], live=live,
                   described_by=f.described_by, readonly=f.state.readonly,
                   required=f.state.required, invalid=bool(f.errors))


def _picker(spec: FieldSpec, form_id: str, path: str, chosen: str,
            matches: list[tuple[str, str]], **shown: Any) -> Picker:
    refers_to = field_types()[spec.type].refers_to or RECORD
    first = [(chosen, words_of(spec, chosen))] if chosen else []
    rest = [(value, words) for value, words in matches if value != chosen]
    url = url_for("pickers.options", form_id=form_id, field_id=spec.id, path=path,
                  lang=current_lang())
    return Picker(path, refers_to, chosen, first + rest, url, **shown)
