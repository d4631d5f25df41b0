"""After a submit: the receipt with the tracking number and code, and the guests' page that
follows a case by them. Lookups are limited per address and per tracking number (sliding
windows, apart from sign-in's), except from the owner's own session: the browser that
submitted it, or the citizen it belongs to. Failures and refusals are audited."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, redirect, render_template, request, session
from flask.typing import ResponseReturnValue

from runtime.definitions.spec import FormSpec
from runtime.store.submissions import Owner, Receipt, find_for_tracking, owner_of
from runtime.web.applications import remember as remember_tracked
from runtime.web.applications import told
from runtime.web.auth.audit import audit
from runtime.web.auth.throttling import TRACK_BY_IP, TRACK_BY_NUMBER, over_limits, refused
from runtime.web.casepages import progress_of
from runtime.web.database import db
from runtime.web.formpage import form_head, form_of
from runtime.web.lang import current_lang, lang_url, text

bp = Blueprint("tracking", __name__)
RECEIPT = "receipt"
SUBMITTED = "submitted"  # the tracking numbers this browser session submitted, the last KEPT
KEPT = 20


def remember(receipt: Receipt, form: FormSpec) -> None:
    """Keep the receipt in the session for the page the submit redirects to."""
    session[RECEIPT] = {"no": receipt.tracking_no, "code": receipt.verification_code,
                        "form": text(form.title)}
    session[SUBMITTED] = [*session.get(SUBMITTED, [])[-(KEPT - 1):], receipt.tracking_no]


@bp.get("/receipt")
def receipt() -> ResponseReturnValue:
    shown = session.get(RECEIPT)
    if not shown:
        return redirect(lang_url("tracking.track"))
    return render_template("pages/receipt.html", receipt=shown)


@bp.route("/track", methods=["GET", "POST"])
def track() -> ResponseReturnValue:
    if request.method == "GET":
        return _page()
    number, code = request.form.get("no", "").strip()[:40], request.form.get("code", "")
    counters = [(TRACK_BY_IP, str(request.remote_addr)), (TRACK_BY_NUMBER, number)]
    own = _own(number)
    if not own and over_limits(counters):
        refused("tracking", target=("tracking_no", number))
        return _page(no=number, tried=True, slow_down=True), 429
    found = find_for_tracking(db(), number, code)
    if found is None:
        if own:
            over_limits(counters)  # only the owner's successes go uncounted
        audit("tracking.failed", target=("tracking_no", number))
        db().commit()
        return _page(no=number, tried=True), 404
    form = form_of(form_head(found.form_id, found.form_version))
    remember_tracked(found.tracking_no)  # it may be opened and corrected in this session
    return _page(no=number, tried=True, found=found, form=form,
                 progress=progress_of(db(), found.tracking_no, current_lang()),
                 told=told(found, form))


def _page(**shown: Any) -> str:
    return render_template("pages/track.html", **{"found": None, "form": None, "no": "",
                                                  "tried": False, **shown})


def _own(number: str) -> bool:
    """Whether this session submitted `number`, or its signed-in citizen owns it."""
    if number in session.get(SUBMITTED, []):
        return True
    citizen = g.get("citizen")
    return citizen is not None and owner_of(db(), number) == Owner("citizen", citizen.id)
