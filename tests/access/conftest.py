"""Fixtures for sign-in and access tests: the demo organisation seeded into the app's
database, and a way to sign a client in through the real form."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from runtime.demo import DEMO_PASSWORD, seed_demo
from runtime.web.database import store

SignIn = Callable[..., TestResponse]


def csrf_from(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None, "no csrf_token input on the page"
    return found.group(1)


@pytest.fixture
def demo(app: Flask) -> Flask:
    """The app, with the demo organisation and accounts in its database."""
    with store(app).sessions() as session:
        seed_demo(session, env="testing")
    return app


@pytest.fixture
def sign_in(demo: Flask) -> SignIn:
    """Post the staff sign-in form as a browser would (token from the page first)."""

    def post(client: FlaskClient, username: str, password: str = DEMO_PASSWORD,
             **headers: str) -> TestResponse:
        token = csrf_from(client.get("/auth/login").get_data(as_text=True))
        return client.post("/auth/login", data={"username": username, "password": password,
                                                "csrf_token": token},
                           environ_base={"REMOTE_ADDR": headers.get("ip", "127.0.0.1")})

    return post
