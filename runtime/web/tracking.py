"""After a submit: the receipt with the tracking number and code, and the guests' page that
follows a case by them (rate-limited: a 6-digit code is guessable without a limit)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session
from flask.typing import ResponseReturnValue

from runtime.definitions.spec import FormSpec
from runtime.store.submissions import Receipt, find_for_tracking
from runtime.web.applications import remember as remember_tracked
from runtime.web.applications import told
from runtime.web.auth.throttling import throttled
from runtime.web.casepages import progress_of
from runtime.web.database import db
from runtime.web.formpage import form_head, form_of
from runtime.web.lang import current_lang, lang_url, text

bp = Blueprint("tracking", __name__)
RECEIPT = "receipt"


def remember(receipt: Receipt, form: FormSpec) -> None:
    """Keep the receipt in the session for the page the submit redirects to."""
    session[RECEIPT] = {"no": receipt.tracking_no, "code": receipt.verification_code,
                        "form": text(form.title)}


@bp.get("/receipt")
def receipt() -> ResponseReturnValue:
    shown = session.get(RECEIPT)
    if not shown:
        return redirect(lang_url("tracking.track"))
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
    form = form_of(form_head(found.form_id, found.form_version)) if found else None
    progress = progress_of(db(), found.tracking_no, current_lang()) if found else None
    if found is not None and form is not None:
        remember_tracked(found.tracking_no)  # it may be opened and corrected in this session
    return render_template("pages/track.html", found=found, form=form, tried=tried,
                           no=request.form.get("no", ""), progress=progress,
                           told=told(found, form) if found and form else None), (
        404 if tried and not found else 200)
