"""A guest follows a case by its tracking number and verification code: codes too long to
guess, limits per address and per number in sliding windows apart from sign-in's, the
owner's own session never locked out, and every failure and refusal in the audit log."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from runtime.demo import DEMO_PASSWORD, seed_demo
from runtime.store.audit import AuditEntry
from runtime.store.ratelimit import RateLimit
from runtime.store.submissions import CODE_ALPHABET, Submission
from runtime.web.database import store

from .test_forms import EXAMPLE, GOOD, csrf_from, page_fields, post

NUMBER = "2026112200000001"


@pytest.fixture
def submitted(client: FlaskClient, publish: Callable[[Path], object]) -> tuple[str, str]:
    """The birth application submitted in `client`'s session: (tracking number, code)."""
    publish(EXAMPLE)
    assert post(client, GOOD, page_fields(client), "submit").status_code == 303
    receipt = client.get("/receipt").get_data(as_text=True)
    number = re.search(r'id="tracking-no" class="big">([0-9]+)<', receipt)
    code = re.search(r'id="verification-code" class="big">([^<]+)<', receipt)
    assert number and code
    return number.group(1), code.group(1)


def look_up(client: FlaskClient, number: str, code: str, ip: str = "127.0.0.1"):
    token = csrf_from(client.get("/track").get_data(as_text=True))
    return client.post("/track", data={"csrf_token": token, "no": number, "code": code},
                       environ_base={"REMOTE_ADDR": ip, "HTTP_USER_AGENT": "Guesser/1.0"})


def audited(app: Flask, action: str) -> list[AuditEntry]:
    with store(app).sessions() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                    .order_by(AuditEntry.id)))


def test_a_code_is_ten_letters_and_digits_a_person_cannot_misread(
        app: Flask, client: FlaskClient, submitted: tuple[str, str]) -> None:
    number, code = submitted
    assert len(code) == 10 and set(code) <= set(CODE_ALPHABET)
    assert not set(code) & set("01OIL")
    typed = f"{code[:5].lower()} {code[5:]}"  # as a person may type it from the receipt
    assert look_up(app.test_client(), number, typed).status_code == 200


def test_an_old_six_digit_code_still_works(app: Flask, submitted: tuple[str, str]) -> None:
    number, _ = submitted
    with store(app).sessions() as session:
        session.execute(update(Submission).values(verification_code="042917"))
        session.commit()
    assert look_up(app.test_client(), number, "042917").status_code == 200
    assert look_up(app.test_client(), number, "042918").status_code == 404


def test_a_failed_lookup_and_a_refusal_are_audited_by_name(app: Flask) -> None:
    guest = app.test_client()
    limit = app.config["TRACK_RATE_PER_NUMBER"]
    statuses = [look_up(guest, NUMBER, "AAAAA22222", ip=f"10.9.0.{i}").status_code
                for i in range(limit + 1)]
    assert statuses == [404] * limit + [429]
    failed = audited(app, "tracking.failed")
    assert len(failed) == limit
    assert (failed[0].target_id, failed[0].ip, failed[0].user_agent) == (
        NUMBER, "10.9.0.0", "Guesser/1.0")
    refused = audited(app, "request.throttled")
    assert [(r.detail, r.target_id, r.ip) for r in refused] == [
        ("tracking", NUMBER, f"10.9.0.{limit}")]
    assert failed[0].label("zh") == "办理进度查询失败"


def test_the_per_address_limit_spans_numbers_and_is_apart_from_sign_in(app: Flask) -> None:
    with store(app).sessions() as session:
        seed_demo(session, env="testing")
    guest, limit = app.test_client(), app.config["TRACK_RATE_PER_IP"]
    statuses = [look_up(guest, f"20261122{n:08d}", "AAAAA22222", ip="10.8.0.1").status_code
                for n in range(limit + 1)]
    assert statuses == [404] * limit + [429]
    assert look_up(guest, NUMBER, "AAAAA22222", ip="10.8.0.2").status_code == 404
    staff = app.test_client()
    token = csrf_from(staff.get("/auth/login").get_data(as_text=True))
    signed_in = staff.post("/auth/login", data={"username": "clerk_health",
                                                "password": DEMO_PASSWORD, "csrf_token": token},
                           environ_base={"REMOTE_ADDR": "10.8.0.1"})
    assert signed_in.status_code == 302  # the guesses used none of sign-in's count


def test_guessers_never_lock_the_owner_out(app: Flask, client: FlaskClient,
                                           submitted: tuple[str, str]) -> None:
    number, code = submitted
    for i in range(app.config["TRACK_RATE_PER_NUMBER"] + 1):
        look_up(app.test_client(), number, "AAAAA22222", ip=f"10.7.0.{i}")
    new_device = app.test_client()
    assert look_up(new_device, number, code, ip="10.6.0.1").status_code == 429
    for _ in range(5):  # the session that submitted it looks as often as it likes
        assert look_up(client, number, code).status_code == 200
    with store(app).sessions() as session:  # a day later the guesses have slid out
        session.execute(update(RateLimit).values(window_start=RateLimit.window_start - 2 * 86400))
        session.commit()
    assert look_up(new_device, number, code, ip="10.6.0.1").status_code == 200


def test_the_owners_own_lookups_do_not_count(app: Flask, client: FlaskClient,
                                             submitted: tuple[str, str]) -> None:
    number, code = submitted
    for _ in range(app.config["TRACK_RATE_PER_NUMBER"] + 1):
        assert look_up(client, number, code).status_code == 200
    assert look_up(app.test_client(), number, code, ip="10.6.0.2").status_code == 200
