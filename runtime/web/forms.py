"""The generated form's page: the service catalogue, the page itself, its live partial
updates, and the post that moves through its pages, edits table rows, saves a draft or
submits. Thin: the wizard and row editing are the pure `runtime.forms.wizard` and `rows`,
the submit is the use-case `runtime.casework.submissions.submit`."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request
from flask.typing import ResponseReturnValue
from jinja2 import Template

from runtime.casework.submissions import Application, KeyReused, submit
from runtime.definitions.spec import FormSpec, PackSpec
from runtime.forms.dependencies import dependents
from runtime.forms.prefill import sources
from runtime.forms.rows import change_rows, is_row_action
from runtime.forms.state import form_state
from runtime.forms.validation import Validation, state_of, validate
from runtime.forms.wizard import SUBMIT, parse_step, shown_errors, step_after
from runtime.store.models import Definition
from runtime.store.queries import list_definitions
from runtime.web import drafts, formtemplates, tracking, uploads
from runtime.web.auth.audit import origin
from runtime.web.database import db, store
from runtime.web.fieldtypes import field_types
from runtime.web.formdata import posted_data
from runtime.web.formpage import (
    TEXT,
    after_sign_in,
    catalogs_for,
    field_id,
    form_of,
    form_text,
    live_attrs,
    live_url,
    locked_values,
    open_form,
    owner,
    parse_version,
    render_page,
    resolver,
    rules_for,
    submitter,
    tables_for,
    usable,
)
from runtime.web.formviews import Views, region_picker, slug
from runtime.web.lang import current_lang, lang_url, text

bp = Blueprint("forms", __name__)
TYPED_INTO = ("input", "textarea", "richtext")  # change fires as the person leaves them

bp.add_app_template_global(form_text, "form_text")
bp.add_app_template_global(live_attrs, "live_attrs")
bp.add_app_template_global(slug, "slug")
bp.add_app_template_global(region_picker, "region_picker")


@bp.app_template_global()
def page_fields(form: FormSpec, live_url: str) -> Template:
    """The page's fields as the form's own compiled template (see runtime.web.formtemplates)."""
    return formtemplates.page_fields(form, current_app.jinja_env, current_lang(), live_url, TEXT)


@bp.get("/services")
def catalogue() -> ResponseReturnValue:
    query = request.args.get("q", "").strip()
    rows = list_definitions(db(), kind="Form")
    found = [r for r in rows if (usable(form_of(r)) or after_sign_in(form_of(r)))
             and (not query or query.lower() in text(r.title).lower())]
    names = _department_names()
    groups: dict[str, list[Definition]] = {}
    for row in found:
        code = form_of(row).department or ""
        groups.setdefault(text(names.get(code, code)), []).append(row)
    return render_template("pages/catalogue.html", groups=groups, query=query,
                           needs={r.def_id: after_sign_in(form_of(r)) for r in found})


def _department_names() -> dict[str, Any]:
    """Department names as the packs declare them, by code."""
    packs = [d.spec for d in list_definitions(db(), kind="Pack")]
    return {dep.code: dep.name for p in packs if isinstance(p, PackSpec) for dep in p.departments}


@bp.get("/forms/<form_id>")
def show(form_id: str) -> ResponseReturnValue:
    row = open_form(form_id)
    form = form_of(row)
    return render_page(row, form, form_state(form, locked_values(form), tables_for(form),
                                              rules_for(form)), {},
                       step=0)


@bp.get("/forms/<form_id>/regions")
def region_picker_fragment(form_id: str) -> ResponseReturnValue:
    """The region picker again, after a person chose a province or a city."""
    path = request.args.get("path", "")
    form = form_of(open_form(form_id))
    spec = next((f for f in form.all_fields() if f.id == field_id(path)), None)
    if spec is None or spec.type != "region":
        abort(404)
    picker = region_picker(path, None, province=request.args.get(f"{path}.province", ""),
                           city=request.args.get(f"{path}.city", ""),
                           live=live_attrs(live_url(form)))
    return render_template("_region_picker.html", picker=picker, form_id=form.id)


@bp.post("/forms/<form_id>/state")
def partial(form_id: str) -> ResponseReturnValue:
    """A field changed: re-render only the fields whose state or value that can alter."""
    row = open_form(form_id, parse_version(request.form.get("_version")), live=True)
    form = form_of(row)
    catalogs = catalogs_for(row.pack_id, form)
    raw = {**posted_data(form, request.form), **locked_values(form)}
    result = validate(form, raw, field_types(), catalogs=catalogs, tables=tables_for(form),
                      rules=rules_for(form))
    left = request.htmx.trigger_name or ""
    affected = dependents(form).get(field_id(left), frozenset())
    views = Views(form, result.state, _left_errors(result, left), catalogs,
                  locked=frozenset(locked_values(form)), lang=current_lang(), raw=raw)
    shown = [views.at(p) for p in result.state.fields if field_id(p) in affected]
    if left in result.state.fields and views.at(left).kind in TYPED_INTO:
        shown.append(views.at(left))  # not a radio or select: that would steal its focus
    return render_template("_oob_fields.html", views=shown, live_url=live_url(form),
                           form_id=form.id)


def _left_errors(result: Validation, path: str) -> dict[str, list[str]]:
    """As a person leaves a field, what they typed is checked; that it is still empty is not
    held against them until they submit."""
    found = [e.message(current_lang()) for e in result.errors.get(path, [])
             if e.code != "required"]
    return {path: found} if found else {}


@bp.post("/forms/<form_id>")
def post(form_id: str) -> ResponseReturnValue:
    """Back, next, a row added or removed, a draft saved, or the submit."""
    row = open_form(form_id, parse_version(request.form.get("_version")))
    form = form_of(row)
    locked = locked_values(form)
    data = {**posted_data(form, request.form), **locked}  # the account wins over the request
    action = request.form.get("_action", SUBMIT)
    key = request.form.get("_key") or secrets.token_urlsafe(18)
    step = parse_step(request.form.get("_step", "0"))
    if action == "draft":
        return drafts.saved(form, data)
    if is_row_action(action):
        changed = change_rows(data, action)
        state = state_of(form, changed, field_types(), tables_for(form), rules_for(form))
        return render_page(row, form, state, {}, step=step, key=key, raw=changed)
    catalogs = catalogs_for(row.pack_id, form)
    if action == SUBMIT:
        application = Application(form, data, key[:64], owner(), uploads.uploaded(),
                                  sources(form, locked) if locked else {}, origin(),
                                  submitter())
        try:
            done = submit(db(), application, field_types(), catalogs=catalogs,
                          resolver=resolver(), heads=store().heads)
        except KeyReused:  # e.g. back, an answer changed, submit again: a new key to confirm
            return render_page(row, form, state_of(form, data, field_types()), {}, step=step,
                               key=secrets.token_urlsafe(18), notice=form_text("key_reused"),
                               status=409, raw=data)
        if done.receipt is not None:
            tracking.remember(done.receipt, form)
            return redirect(lang_url("tracking.receipt"), code=303)
        result = done.validation
    else:
        result = validate(form, data, field_types(), catalogs=catalogs, resolver=resolver(),
                          tables=tables_for(form), rules=rules_for(form))
    errors = result.as_dict(current_lang())
    shown = shown_errors(form, action, step, errors)
    return render_page(row, form, result.state, shown, key=key,
                       step=step_after(form, action, step, errors),
                       status=422 if shown else 200, raw=data)
