"""Drafts of a form: saved from the page's post (a secret link to finish later) and resumed
by that link on the form's latest version, saying what changed since."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue

from runtime.definitions.spec import FormSpec
from runtime.forms.drafts import carry_over
from runtime.forms.validation import state_of
from runtime.store.submissions import load_draft, save_draft
from runtime.web.database import db
from runtime.web.fieldtypes import field_types
from runtime.web.formpage import form_head, form_of, open_form, owner, render_page
from runtime.web.lang import current_lang, lang_url

bp = Blueprint("drafts", __name__)


def saved(form: FormSpec, data: dict[str, Any]) -> ResponseReturnValue:
    """Save the posted data as a draft (the same draft again, given its token) and show its
    link."""
    token = save_draft(db(), form=form, data=data, owner=owner(),
                       token=request.form.get("_draft") or None)
    link = lang_url("drafts.resume", token=token, _external=True)
    return render_template("pages/draft_saved.html", form=form, link=link)


@bp.get("/drafts/<token>")
def resume(token: str) -> ResponseReturnValue:
    draft = load_draft(db(), token)
    if draft is None:
        abort(404)
    latest = open_form(draft.form_id)
    old = form_of(form_head(draft.form_id, draft.form_version))
    form = form_of(latest)
    data, changes = carry_over(draft.data, old, form, field_types())
    notice = changes.message(current_lang()) if changes else None
    return render_page(latest, form, state_of(form, data, field_types()), {}, step=0, notice=notice,
                       draft=token, raw=data)
