"""The applicant's rating of an ended case (好差评): the panel the tracking page and the
application page show (the form, or the rating given with the rectification's reply), and
the post that rates, once. Only the applicant may rate: the signed-in citizen who owns the
application, or the browser that looked it up by tracking number and verification code (the
tracking page's check); anyone else gets a 404. The use-case is `runtime.casework.ratings`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, request, session
from flask.typing import ResponseReturnValue

from runtime.casework.ratings import ENDED, Rater, RatingRefused, case_of, rate
from runtime.i18n import Catalogue, Label
from runtime.store import accounts, records
from runtime.store.ratings import RatingRow, rated_submissions, rating_of_case
from runtime.store.submissions import Submission
from runtime.views.ratings import LEVELS, is_poor, level_label, parse, reason_label
from runtime.web import clock
from runtime.web.database import db
from runtime.web.formpage import owner
from runtime.web.lang import current_lang, lang_url, text

bp = Blueprint("ratings", __name__)
TRACKED = "tracked"  # runtime.web.applications.TRACKED: looked up with their codes
TEXT = Catalogue({
    "rating": ("服务评价", "Service rating"),
    "rate_intro": ("本件已办结，请对办理服务作出评价。每件只能评价一次。",
                   "This case has ended: please rate the service. A case is rated once."),
    "level": ("评价等级", "Rating"), "reasons": ("理由（可多选）", "Reasons (tick any)"),
    "reasons_given": ("理由", "Reasons"),
    "comment": ("意见建议", "Comment"), "submit": ("提交评价", "Send rating"),
    "given": ("您的评价", "Your rating"), "rated_at": ("评价时间", "Rated"),
    "rectify": ("整改", "Rectification"),
    "rectify_open": ("已转 {department} 整改，答复后在此显示。",
                     "Sent to {department} to rectify; the reply will be shown here."),
    "reply": ("整改答复", "Reply"), "replied_at": ("答复时间", "Replied"),
    "thanks": ("感谢您的评价。", "Thank you for your rating."),
    "rate_now": ("去评价", "Rate"), "rated": ("已评价", "Rated"),
})


def rating_text(key: str, /, **params: Any) -> str:
    return TEXT.format(key, current_lang(), **params)


bp.add_app_template_global(rating_text, "rating_text")


@dataclass(frozen=True)
class Panel:
    """What the rating panel shows for one application."""

    tracking_no: str
    ended: bool
    rating: RatingRow | None = None
    errors: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    values: dict[str, Any] = field(default_factory=dict)  # what was posted, shown again
    thanks: bool = False
    department: str = ""  # the name of the department asked to rectify

    def with_department(self) -> Panel:
        code = self.rating.department if self.rating else None
        found = accounts.department(db(), code) if code else None
        name = text(Label(found.name_zh, found.name_en)) if found else (code or "")
        return replace(self, department=name)

    @property
    def levels(self) -> list[tuple[int, str, list[tuple[str, str]]]]:
        return [(lv.value, text(lv.label), [(code, text(lb)) for code, lb in lv.reasons])
                for lv in LEVELS]

    @property
    def level_name(self) -> str:
        return text(level_label(self.rating.level)) if self.rating else ""

    @property
    def reason_names(self) -> list[str]:
        rating = self.rating
        return [text(reason_label(rating.level, r)) for r in rating.reasons or []] if rating else []

    @property
    def rated_at(self) -> str:
        """In the site's zone, as every other moment on the page (stored in UTC)."""
        return clock.shown(self.rating.rated_at) if self.rating else ""

    @property
    def replied_at(self) -> str:
        return clock.shown(self.rating.replied_at) if self.rating else ""

    @property
    def poor(self) -> bool:
        return self.rating is not None and is_poor(self.rating.level)


def panel_for(row: Submission, thanks: bool = False) -> Panel | None:
    """The panel for an application the page has already let its applicant see (the
    tracking page, the application page: a template global, so that neither page's view
    changes); None while it has no case (nothing to rate)."""
    case = case_of(db(), row.id)
    if case is None:
        return None
    rating = rating_of_case(db(), case.id)
    return Panel(row.tracking_no, row.status in ENDED, rating,
                 thanks=thanks and rating is not None).with_department()


def rated_of(items: list[tuple[Submission, Any]]) -> dict[int, str]:
    """For an account's list of applications: 'rated' or 'to_rate' by submission id, for
    the ended ones (one query)."""
    ended = [row.id for row, _ in items if row.status in ENDED]
    done = rated_submissions(db(), ended)
    return {sid: "rated" if sid in done else "to_rate" for sid in ended}


bp.add_app_template_global(panel_for, "rating_panel_for")
bp.add_app_template_global(rated_of, "rated_of")


def _own(tracking_no: str) -> Submission:
    """The application, if this person is its applicant (as the tracking page checks); a
    404 otherwise."""
    row = records.by_tracking_no(db(), tracking_no)
    if row is None:
        abort(404)
    citizen = g.get("citizen")
    mine = citizen is not None and (row.owner_kind, row.owner_id) == ("citizen", citizen.id)
    if not mine and tracking_no not in session.get(TRACKED, []):
        abort(404)
    return row


@bp.post("/applications/<tracking_no>/rating")
def rate_case(tracking_no: str) -> ResponseReturnValue:
    row = _own(tracking_no)
    level = request.form.get("level", "")
    posted = parse(request.form, request.form.getlist(f"reasons_{level}")[:20])
    status = 200
    if posted.errors:
        shown = Panel(tracking_no, row.status in ENDED,
                      errors={k: text(v) for k, v in posted.errors.items()},
                      values=_values(level))
        status = 422
    else:
        try:
            citizen = g.get("citizen")
            rate(db(), row, Rater(owner(), citizen.display_name if citizen else "guest",
                                  request.remote_addr, request.user_agent.string or None),
                 posted)
        except RatingRefused as refused:
            current = panel_for(row)
            shown = Panel(tracking_no, row.status in ENDED,
                          current.rating if current else None, error=text(refused.message),
                          values=_values(level))
            status = 409
        else:
            if not request.htmx:
                return redirect(lang_url("applications.one", tracking_no=tracking_no,
                                         rated=1), code=303)
            current = panel_for(row)
            shown = Panel(tracking_no, True, current.rating if current else None,
                          thanks=True).with_department()
    if request.htmx:  # htmx swaps only a 2xx answer: the fragment itself says what failed
        return render_template("_rating.html", rating_panel=shown)
    return _whole_page(row, shown), status


def _values(level: str) -> dict[str, Any]:
    return {"level": level, "reasons": request.form.getlist(f"reasons_{level}"),
            "comment": request.form.get("comment", "")[:2000]}


def _whole_page(row: Submission, shown: Panel) -> str:
    """Without JavaScript a refused post shows the application page again, the panel with
    its errors and what was typed."""
    return render_template("pages/rating.html", found=row, rating_panel=shown)
