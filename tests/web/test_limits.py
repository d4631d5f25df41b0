"""What one request may cost, over HTTP: a body above the cap is a 413 in the one error shape
before any of it is read; uploads are copied to disk a chunk at a time within their cap,
counted per session and per address, kept readable by the service only, named without
control or direction characters, and removed by the worker when no submission claims them."""

from __future__ import annotations

import io
import re
import stat
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from runtime import worker
from runtime.cli import main
from runtime.store.files import Attachment
from runtime.store.models import utcnow
from runtime.web.database import store

from .test_forms import GOOD, PDF, page_fields, post, upload

EXAMPLE = Path(__file__).parents[2] / "scenario_packs" / "birth_one_thing"


class Unreadable(io.RawIOBase):
    """A request body that fails the test if anyone reads it."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        raise AssertionError("the body was read")


@pytest.fixture
def form_client(client: FlaskClient, publish: Callable[[Path], object]) -> FlaskClient:
    publish(EXAMPLE)
    return client


def uploads_of(app: Flask) -> list[Path]:
    return [p for p in Path(app.instance_path, "uploads").rglob("*") if p.is_file()]


def rows(app: Flask) -> list[Attachment]:
    with store(app).sessions() as session:
        return list(session.scalars(select(Attachment)))


@pytest.mark.parametrize(("path", "content_type"), [
    ("/api/forms/birth_apply/submissions", "application/json"),
    ("/forms/birth_apply", "application/x-www-form-urlencoded"),
    ("/forms/birth_apply/state", "application/x-www-form-urlencoded"),
    ("/forms/birth_apply/files/birth_certificate_scan", "multipart/form-data; boundary=x"),
])
def test_a_body_above_the_cap_is_refused_with_413_before_it_is_read(
        form_client: FlaskClient, path: str, content_type: str) -> None:
    unread = {"wsgi.input": Unreadable(), "CONTENT_LENGTH": str(400 << 20)}
    response = form_client.post(path, content_type=content_type, environ_overrides=unread,
                                headers={"Accept": "application/json"})
    assert response.status_code == 413
    assert response.get_json() == {"error": {
        "code": "request_too_large", "message": "请求内容过大，超过了允许的上限", "status": 413}}


def test_a_form_page_shows_the_413_as_a_page(form_client: FlaskClient) -> None:
    response = form_client.post("/forms/birth_apply", data={"child_name": "x" * (2 << 20)})
    assert response.status_code == 413
    assert "请求内容过大" in response.get_data(as_text=True)


def test_an_upload_may_be_larger_than_a_form_but_its_own_cap_holds(
        form_client: FlaskClient) -> None:
    app = form_client.application
    hidden = page_fields(form_client)
    big = PDF + b"0" * (2 << 20)  # above any other request's cap, far below an upload's
    fragment = upload(form_client, hidden, "大文件.pdf", big)
    assert fragment.status_code == 200 and "大文件.pdf" in fragment.get_data(as_text=True)
    app.config["MAX_UPLOAD_REQUEST_BYTES"] = 1 << 20
    assert upload(form_client, hidden, "大文件.pdf", big).status_code == 413


def test_a_file_over_its_cap_is_refused_while_copied_and_leaves_nothing(
        form_client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("runtime.store.files.MAX_FILE_BYTES", 100_000)
    hidden = page_fields(form_client)
    fragment = upload(form_client, hidden, "材料.pdf", PDF + b"0" * 100_000)
    assert "文件不能超过 20 MB" in fragment.get_data(as_text=True)
    app = form_client.application
    assert uploads_of(app) == [] and rows(app) == []


def test_uploaded_files_are_readable_by_the_service_only(form_client: FlaskClient) -> None:
    upload(form_client, page_fields(form_client), "出生证明.pdf", PDF)
    app = form_client.application
    (kept,) = uploads_of(app)
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE(kept.parent.stat().st_mode) == 0o700


def test_uploads_are_rate_limited_per_session_and_per_address(
        form_client: FlaskClient) -> None:
    app = form_client.application
    app.config.update(UPLOADS_PER_MINUTE_SESSION=2, UPLOADS_PER_MINUTE_IP=3)
    hidden = page_fields(form_client)
    shown = [upload(form_client, hidden, f"{n}.pdf", PDF).get_data(as_text=True)
             for n in range(3)]
    assert "上传过于频繁" not in shown[1] and "上传过于频繁，请一分钟后再试" in shown[2]
    other = app.test_client()  # a new session from the same address: one more, then refused
    other_hidden = page_fields(other)
    assert "上传过于频繁" in upload(other, other_hidden, "a.pdf", PDF).get_data(as_text=True)
    assert len(rows(app)) == 2


def test_uploads_have_a_daily_quota_in_megabytes(form_client: FlaskClient) -> None:
    app = form_client.application
    app.config.update(UPLOAD_MB_PER_DAY_SESSION=2)
    hidden = page_fields(form_client)
    shown = [upload(form_client, hidden, f"{n}.pdf", PDF).get_data(as_text=True)
             for n in range(3)]  # each counts as a started megabyte
    assert "今天上传的文件已达上限，请明天再试" in shown[2] and "已达上限" not in shown[1]
    assert len(rows(app)) == len(uploads_of(app)) == 2


def upload_named(client: FlaskClient, hidden: dict[str, str], encoded_name: str) -> str:
    """Upload PDF under a name sent the way RFC 5987 allows: `filename*=UTF-8''...`, where
    percent-escapes can carry a line break or a direction override."""
    parts = [f'--x\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
             for name, value in hidden.items()]
    head = ("--x\r\nContent-Disposition: form-data; name=\"upload\"; "
            f"filename*=UTF-8''{encoded_name}\r\nContent-Type: application/pdf\r\n\r\n")
    body = "".join(parts).encode() + head.encode() + PDF + b"\r\n--x--\r\n"
    response = client.post("/forms/birth_apply/files/birth_certificate_scan", data=body,
                           content_type="multipart/form-data; boundary=x",
                           headers={"HX-Request": "true", "X-CSRFToken": hidden["csrf_token"]})
    return response.get_data(as_text=True)


def test_a_name_with_control_or_direction_characters_is_cleaned_and_downloads(
        form_client: FlaskClient) -> None:
    fragment = upload_named(form_client, page_fields(form_client),
                            "scan%0D%0A%E2%80%AEfdp%00.exe.pdf")
    key = re.search(r'name="birth_certificate_scan" value="([^"]+)"', fragment)
    assert key is not None
    (row,) = rows(form_client.application)
    assert row.original_name == "scanfdp.exe.pdf"
    download = form_client.get(f"/files/{key.group(1)}")
    assert download.status_code == 200 and download.data == PDF
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "scanfdp.exe.pdf" in disposition


def test_the_worker_removes_uploads_no_submission_claimed(form_client: FlaskClient) -> None:
    app = form_client.application
    hidden = page_fields(form_client)
    keys = [re.search(r'name="birth_certificate_scan" value="([^"]+)"',
                      upload(form_client, hidden, f"{n}.pdf", PDF).get_data(as_text=True))
            for n in range(2)]
    claimed, unclaimed = (found.group(1) for found in keys if found is not None)
    assert post(form_client, {**GOOD, "birth_certificate_scan": claimed}, hidden,
                "submit").status_code == 303
    sessions = store(app).sessions
    with sessions() as session:  # both a day and more old
        session.execute(update(Attachment).values(created_at=utcnow() - timedelta(hours=25)))
        session.commit()
    upkeep = worker.Upkeep(store(app).files, timedelta(hours=app.config["UPLOAD_KEEP_HOURS"]))
    worker.run(sessions, once=True, upkeep=upkeep)
    assert [row.key for row in rows(app)] == [claimed]
    assert [path.name for path in uploads_of(app)] == [claimed]
    assert form_client.get(f"/files/{unclaimed}").status_code == 404


def test_lowcode_worker_once_removes_them_on_the_app_s_settings(
        form_client: FlaskClient) -> None:
    app = form_client.application
    upload(form_client, page_fields(form_client), "材料.pdf", PDF)
    with store(app).sessions() as session:
        session.execute(update(Attachment).values(created_at=utcnow() - timedelta(hours=3)))
        session.commit()
    env = {"LOWCODE_DATABASE_URL": app.config["DATABASE_URL"], "LOWCODE_SECRET_KEY": "test",
           "LOWCODE_INSTANCE_PATH": app.instance_path, "LOWCODE_UPLOAD_KEEP_HOURS": "4"}
    assert CliRunner().invoke(main, ["worker", "--once"], env=env).exit_code == 0
    assert len(rows(app)) == len(uploads_of(app)) == 1  # three hours old: kept
    result = CliRunner().invoke(main, ["worker", "--once"],
                                env={**env, "LOWCODE_UPLOAD_KEEP_HOURS": "2"})
    assert result.exit_code == 0, result.output
    assert rows(app) == [] and uploads_of(app) == []
