"""The applicant's own applications: what they are told of each (its status, the reason
written for them, the fields a correction asks for), a signed-in citizen's list (我的办件) and
case page, and the correction page that resubmits the same application.

Who may see and correct an application: the signed-in citizen or enterprise who submitted it,
or the browser that has just looked it up by tracking number and verification code
(`tracking.track` remembers it in the session). Anyone else gets a 404. The resubmission is
the use-case `runtime.casework.submissions.resubmit`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, request, session
from flask.typing import ResponseReturnValue

from runtime.casework.submissions import Correction, answer, asked_fields, resubmit
from runtime.definitions.spec import FormSpec
from runtime.flows.errors import FlowError
from runtime.forms.state import value_fields
from runtime.forms.validation import state_of
from runtime.store import records
from runtime.store.queries import Head
from runtime.store.submissions import Owner, Submission, of_owner
from runtime.web import uploads
from runtime.web.casepages import Progress, progress_of
from runtime.web.database import db
from runtime.web.fieldtypes import field_types
from runtime.web.formdata import posted_data
from runtime.web.formpage import (
    catalogs_for,
    file_names,
    form_head,
    form_of,
    live_url,
    owner,
    resolver,
)
from runtime.web.formviews import Views
from runtime.web.lang import current_lang, lang_url, text

bp = Blueprint("applications", __name__)
TRACKED = "tracked"  # the tracking numbers this browser looked up with their codes


@dataclass(frozen=True)
class Told:
    """What the applicant is told of one application."""

    status: str  # a status of runtime.flows.applicant
    reason: str | None  # the reason written for them (a correction's, a rejection's)
    fields: list[str]  # the labels of the fields a pending correction asks for


def told(row: Submission, form: FormSpec) -> Told:
    labels = {f.id: text(f.label) for f in value_fields(form.fields)}
    notice = row.notice or {}
    return Told(row.status, notice.get("reason") or None,
                [labels.get(f, f) for f in asked_fields(row)])


def remember(tracking_no: str) -> None:
    """This browser has looked the application up with its code: it may open and correct it
    for the rest of the session."""
    session[TRACKED] = [tracking_no, *[n for n in session.get(TRACKED, []) if n != tracking_no]][:5]


def _own(tracking_no: str) -> Submission:
    """The application, if the person may see it; a 404 otherwise."""
    row = records.by_tracking_no(db(), tracking_no)
    if row is None:
        abort(404)
    citizen = g.get("citizen")
    mine = citizen is not None and (row.owner_kind, row.owner_id) == ("citizen", citizen.id)
    if not mine and tracking_no not in session.get(TRACKED, []):
        abort(404)
    return row


def _head(row: Submission) -> Head:
    return form_head(row.form_id, row.form_version)


# --- a signed-in citizen's applications -------------------------------------------------

@bp.get("/auth/citizen/cases")
def mine() -> ResponseReturnValue:
    citizen = g.get("citizen")
    if citizen is None:
        return redirect(lang_url("citizens.login", next=request.path))
    rows = of_owner(db(), Owner("citizen", citizen.id))
    return render_template("pages/my_cases.html",
                           items=[(row, text(form_of(_head(row)).title)) for row in rows])


@bp.get("/applications/<tracking_no>")
def one(tracking_no: str) -> ResponseReturnValue:
    """One application as its applicant follows it, as on the tracking page."""
    row = _own(tracking_no)
    form = form_of(_head(row))
    return render_template("pages/application.html", found=row, form=form,
                           told=told(row, form), progress=_progress(row),
                           corrected=request.args.get("corrected") == "1",
                           answered=request.args.get("answered"),
                           results=shown_results(row, current_lang()))


def shown_results(row: Submission, lang: str) -> list[list[str]]:
    """The rule sets' results the definition shows the applicant (`show_applicant`), each
    explained clause by clause."""
    stored = (row.rules or {}).get("results", [])
    return [r["explain"]["en" if lang == "en" else "zh"] for r in stored if r.get("applicant")]


def _progress(row: Submission) -> Progress | None:
    return progress_of(db(), row.tracking_no, current_lang())


# --- confirming (免申即享) -----------------------------------------------------------------

@bp.post("/applications/<tracking_no>/confirm")
def confirm(tracking_no: str) -> ResponseReturnValue:
    """The applicant confirms (`answer=confirm`) or declines the step waiting for them."""
    row = _own(tracking_no)
    choice = request.form.get("answer")
    if choice not in ("confirm", "decline"):
        abort(400)
    try:
        answer(db(), row, choice == "confirm", owner=owner(), ip=request.remote_addr)
    except FlowError:  # already answered (a second tab): the page says where it stands
        pass
    return redirect(lang_url("applications.one", tracking_no=tracking_no, answered=choice),
                    code=303)


# --- correcting ------------------------------------------------------------------------

@bp.route("/applications/<tracking_no>/correct", methods=["GET", "POST"])
def correct(tracking_no: str) -> ResponseReturnValue:
    """The fields a correction asks for, prefilled and validated by the application's own
    form; the others stay as they were."""
    row = _own(tracking_no)
    head = _head(row)
    form = form_of(head)
    asked = asked_fields(row)
    if not asked:
        return redirect(lang_url("applications.one", tracking_no=tracking_no))
    if request.method == "GET":
        return _page(row, head, asked, row.data, {})
    posted = posted_data(form, request.form)
    try:
        result = resubmit(db(), Correction(row, form, posted, owner(), uploads.uploaded(),
                                           request.remote_addr), field_types(),
                          catalogs=catalogs_for(head.pack_id, form), resolver=resolver())
    except FlowError as error:  # no longer waiting (a second tab), or a conflict
        return _page(row, head, asked, {**row.data, **posted}, {},
                     error.message(current_lang()), 409)
    if not result.ok:
        return _page(row, head, asked, {**row.data, **posted}, result.as_dict(current_lang()),
                     status=422)
    return redirect(lang_url("applications.one", tracking_no=tracking_no, corrected=1),
                    code=303)


def _page(row: Submission, head: Head, asked: list[str], data: dict[str, Any],
          errors: dict[str, list[str]], error: str | None = None,
          status: int = 200) -> ResponseReturnValue:
    form = form_of(head)
    state = state_of(form, data, field_types())
    views = Views(form, state, errors, catalogs_for(head.pack_id, form),
                  file_names([k for f in asked for k in _keys(data.get(f))]),
                  lang=current_lang(), raw=data)
    return render_template("pages/correct.html", found=row, form=form, told=told(row, form),
                           views=[views.at(f) for f in asked if f in state.fields],
                           errors=errors, error=error, live_url=live_url(form)), status


def _keys(value: object) -> list[str]:
    return [str(k) for k in value] if isinstance(value, list) else []
