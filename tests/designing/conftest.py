"""Designer fixtures: the demo accounts, a published demo pack, and a signed-in client."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from runtime.demo import DEMO_PASSWORD, seed_demo
from runtime.packs import check_path
from runtime.store.publish import publish_pack
from runtime.web.database import store

MakePack = Callable[..., Path]
Client = Callable[[str], FlaskClient]


def csrf_from(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None, "no csrf_token input on the page"
    return found.group(1)


@pytest.fixture
def designed(app: Flask, make_pack: MakePack) -> Flask:
    """The app with the demo accounts and the demo pack (form demo_apply) published."""
    with store(app).sessions() as session:
        seed_demo(session, env="testing")
        publish_pack(session, check_path(make_pack()))
    return app


@pytest.fixture
def signed_in(designed: Flask) -> Client:
    """A client signed in as `username` through the real sign-in form."""

    def client_for(username: str) -> FlaskClient:
        client = designed.test_client()
        token = csrf_from(client.get("/auth/login").get_data(as_text=True))
        answer = client.post("/auth/login", data={"username": username,
                                                  "password": DEMO_PASSWORD,
                                                  "csrf_token": token})
        assert answer.status_code in (302, 303), answer.get_data(as_text=True)[:500]
        return client

    return client_for
