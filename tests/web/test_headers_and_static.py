"""Security headers on every response, and static files served locally."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from runtime.web.headers import CSP

PATHS = ["/", "/?lang=en", "/api/definitions", "/api/definitions/Form/nope", "/no-such-page",
         "/healthz", "/static/css/app.css", "/static/vendor/htmx/htmx.min.js"]


@pytest.mark.parametrize("path", PATHS)
def test_security_headers_on_every_response(client: FlaskClient, path: str) -> None:
    headers = client.get(path).headers
    assert headers["Content-Security-Policy"] == (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; base-uri 'self'; form-action 'self'") == CSP
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_htmx_is_served_from_static(client: FlaskClient) -> None:
    response = client.get("/static/vendor/htmx/htmx.min.js")
    assert response.status_code == 200
    assert response.mimetype in {"text/javascript", "application/javascript"}
    assert 'version:"2.' in response.get_data(as_text=True)
    license_text = client.get("/static/vendor/htmx/LICENSE").get_data(as_text=True)
    assert "Zero-Clause BSD" in license_text or "BSD" in license_text


def test_the_stylesheet_is_served(client: FlaskClient) -> None:
    response = client.get("/static/css/app.css")
    assert response.status_code == 200 and response.mimetype == "text/css"
    assert ".htmx-indicator" in response.get_data(as_text=True)
