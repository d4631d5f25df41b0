"""Staff and citizen identity on the web, one concern a module:

- `session`: the sign-in settings, the current user of each request, starting a session;
- `guard`: `require` / `login_required`, the one access guard (a refusal is an audited 404);
- `audit`: the request's audit record (who, from where);
- `throttling`: rate limits and lock-out on sign-in attempts;
- `views`: the staff sign-in views (the `auth` blueprint), and what citizens' sign-in shares;
- `words`: their words in both languages.

`init_app` wires them into an app.
"""

from __future__ import annotations

from flask import Flask, g
from flask_wtf.csrf import CSRFError

from runtime import access
from runtime.web.auth import views
from runtime.web.auth.session import configure, load_current_user
from runtime.web.auth.words import text
from runtime.web.errors import error_response


def init_app(app: Flask) -> None:
    configure(app)
    app.before_request(load_current_user)
    app.register_error_handler(CSRFError, lambda _error: error_response(400, "csrf_failed"))
    app.jinja_env.globals.update(auth_text=text, current_user=lambda: g.get("user"),
                                 current_citizen=lambda: g.get("citizen"),
                                 can=lambda permission: access.allowed(g.get("principal"),
                                                                       permission))
    app.register_blueprint(views.bp)
