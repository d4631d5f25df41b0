"""`create_app`: the one place a Flask app is built; there is no module-level app."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx

from designer import tools as designer_tools
from designer import views as designer_views
from runtime.flows.registry import Action
from runtime.forms.fieldtypes import Provider
from runtime.providers import FIELD_TYPE_PROVIDERS
from runtime.web import (
    admin,
    api,
    applications,
    auth,
    batchapi,
    batches,
    bottlenecks,
    citizens,
    dashboards,
    database,
    drafts,
    errors,
    fieldtypes,
    formapi,
    forms,
    headers,
    health,
    lang,
    limits,
    people,
    pickers,
    portal,
    ratings,
    records,
    settings,
    tracking,
    uploads,
    views,
    workbench,
)


def create_app(config: dict[str, Any] | None = None, *,
               field_types: Iterable[Provider] = FIELD_TYPE_PROVIDERS,
               actions: Iterable[Action] = ()) -> Flask:
    """An app configured by `config` (DATABASE_URL, SECRET_KEY, TESTING, INSTANCE_PATH),
    falling back to the environment and the instance folder, with the field types that
    `field_types` (a list of providers) register in a registry of its own, and a table of the
    built-in task actions and `actions`."""
    given = dict(config or {})
    app = Flask(__name__, instance_path=settings.instance_path(given))
    app.config.update(settings.resolve(given, app.instance_path))
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    Htmx(app)
    database.init_app(app)
    fieldtypes.init_app(app, field_types)
    workbench.init_app(app, actions)
    lang.init_app(app)
    errors.init_app(app)
    limits.init_app(app)  # before CSRF: its hook reads the body
    headers.init_app(app)
    csrf = CSRFProtect(app)  # every POST, PUT, PATCH and DELETE needs the session's token
    csrf.exempt(formapi.bp)  # JSON only: see runtime.web.formapi
    csrf.exempt(batchapi.bp)  # JSON, or an upload it protects itself: see runtime.web.batchapi
    auth.init_app(app)
    for blueprint in (portal.bp, api.bp, health.bp, admin.bp, citizens.bp, forms.bp,
                      uploads.bp, drafts.bp, tracking.bp, formapi.bp, records.bp, pickers.bp,
                      workbench.bp, people.bp, applications.bp, ratings.bp,
                      bottlenecks.bp, batches.bp, batchapi.bp, views.bp, dashboards.bp,
                      designer_views.bp):
        app.register_blueprint(blueprint)
    designer_tools.init_app(app)
    return app
