"""Where a paged list continues comes from the query string: a cursor no page of ours wrote
(past what a row id can be, not a number, a token with a huge id) is a 400 and never reaches
the database; the pages themselves still work for every role that lands on them."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from .conftest import SignIn

HUGE = "9" * 23  # past 2**63 - 1: the drivers refuse to bind it


@pytest.mark.parametrize(("user", "path"), [
    ("auditor", f"/admin/audit/rows?before={HUGE}"),
    ("auditor", "/admin/audit/rows?before=1.5"),
    ("clerk_govsvc", f"/work/notifications?before={HUGE}"),
    ("clerk_govsvc", f"/work/tasks?after={HUGE}"),
    ("clerk_govsvc", f"/work/tasks?list=done&after=2026-01-05T08:00:00%2B00:00~{HUGE}"),
])
def test_a_cursor_no_page_wrote_is_a_bad_request(demo: Flask, client: FlaskClient,
                                                 sign_in: SignIn, user: str, path: str) -> None:
    sign_in(client, user)
    assert client.get(path).status_code == 400
    assert client.get(path.split("?")[0]).status_code == 200


def test_the_auditors_account_page_links_to_the_audit_log(demo: Flask, client: FlaskClient,
                                                          sign_in: SignIn) -> None:
    sign_in(client, "auditor")
    page = client.get("/auth/me")
    assert page.status_code == 200
    assert 'href="/admin/audit"' in page.get_data(as_text=True)
