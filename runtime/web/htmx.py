"""Flask's `request`, typed as what it is in this app: htmx-flask's request class (installed by
`Htmx(app)` in the app factory), so `request.htmx` and its headers type-check. htmx-flask's own
`htmx_flask.request` re-binds flask's name, which mypy keeps typed as flask's plain Request.
"""

from __future__ import annotations

from typing import cast

import flask
from htmx_flask.requests import HtmxAwareRequest

request = cast(HtmxAwareRequest, flask.request)
