"""The portal: the public start page listing scenario packs and the service items the
visitor may apply for."""

from __future__ import annotations

from flask import Blueprint, render_template

from runtime.web.database import db
from runtime.web.formpage import usable
from runtime.web.offers import pack_offers

bp = Blueprint("portal", __name__)


@bp.get("/")
def index() -> str:
    return render_template("pages/index.html", offers=pack_offers(db(), usable))
