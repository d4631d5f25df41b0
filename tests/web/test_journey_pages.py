"""What a person reads on the pages of a journey, over HTTP: one clock (every time in China
time, one format), attachments by their names with an inline preview, an action panel that
guides (nothing preselected, the template's words, a banner on a returned task), and
English where the definitions give it."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from flask import Flask
from sqlalchemy import update

from runtime.store.submissions import Submission
from runtime.web import clock
from runtime.web.database import store
from runtime.web.settings import SettingsError, resolve

from .test_forms import GOOD, PDF, page_fields, upload
from .test_workbench import Person, apply, track, world  # noqa: F401  (world: a fixture)

LATE_EVENING_UTC = datetime(2026, 1, 1, 20, 30)  # stored naive, as UTC
CHINA_NEXT_MORNING = "2026-01-02 04:30"


def test_every_time_is_shown_in_china_time(world: Flask) -> None:  # noqa: F811
    number = apply(world)
    with store(world).sessions() as session:
        session.execute(update(Submission).where(Submission.tracking_no == number)
                        .values(created_at=LATE_EVENING_UTC))
        session.commit()
    assert CHINA_NEXT_MORNING in track(world, number)
    clerk = Person(world, "clerk_govsvc")
    for page in (clerk.page("/work/submissions"), clerk.page(f"/work/submissions/{number}")):
        assert CHINA_NEXT_MORNING in page and "2026-01-01 20:30" not in page


def test_the_zone_is_a_setting_and_an_unknown_one_stops_the_start(tmp_path) -> None:
    config = {"LOWCODE_ENV": "development", "DATABASE_URL": "sqlite://"}
    assert resolve(dict(config), str(tmp_path))["TIMEZONE"] == "Asia/Shanghai"
    with pytest.raises(SettingsError, match="Mars/Olympus"):
        resolve({**config, "TIMEZONE": "Mars/Olympus"}, str(tmp_path))
    app = Flask(__name__)
    app.config["TIMEZONE"] = "Europe/London"
    with app.app_context():
        assert clock.shown(LATE_EVENING_UTC) == "2026-01-01 20:30"
    assert clock.shown(LATE_EVENING_UTC) == CHINA_NEXT_MORNING  # no app: China time


PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082")


def applied_with_files(app: Flask) -> tuple[str, dict[str, str]]:
    """A citizen's application through the form page with a photo and a PDF attached:
    its tracking number, and the files' keys by name."""
    citizen = app.test_client()
    hidden = page_fields(citizen)
    keys = {}
    for name, data in (("出生证明.png", PNG), ("医学证明.pdf", PDF)):
        fragment = upload(citizen, hidden, name, data).get_data(as_text=True)
        keys[name] = re.findall(r'name="birth_certificate_scan" value="([^"]+)"', fragment)[-1]
    data = {**GOOD, "need_ss_card": "false"}
    sent = citizen.post("/forms/birth_apply", data={**hidden, **data, "_action": "submit",
                                                    "birth_certificate_scan": list(keys.values())})
    assert sent.status_code == 303, sent.get_data(as_text=True)
    receipt = citizen.get("/receipt").get_data(as_text=True)
    number = re.search(r'id="tracking-no" class="big">([0-9]+)<', receipt)
    assert number is not None
    return number.group(1), keys


def test_attachments_are_named_previewed_inline_and_downloadable(world: Flask) -> None:  # noqa: F811
    number, keys = applied_with_files(world)
    clerk = Person(world, "clerk_govsvc")
    page = clerk.page(f"/work/tasks/{number}/1")
    base = f"/work/tasks/{number}/1/files"
    for name, key in keys.items():
        assert f'<a href="{base}/{key}" download>{name}</a>' in page
        assert key not in re.sub(r'(src|href)="[^"]+"', "", page)  # no storage key as text
    assert f'<img class="preview" src="{base}/{keys["出生证明.png"]}/preview"' in page
    assert f'<iframe class="preview" src="{base}/{keys["医学证明.pdf"]}/preview"' in page
    shown = clerk.get(f"{base}/{keys['出生证明.png']}/preview")
    assert shown.status_code == 200 and shown.data == PNG
    assert shown.headers["Content-Type"] == "image/png"
    assert shown.headers["Content-Disposition"].startswith("inline")
    assert shown.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in shown.headers["Content-Security-Policy"]
    pdf = clerk.get(f"{base}/{keys['医学证明.pdf']}/preview")
    assert "frame-ancestors 'self'" in pdf.headers["Content-Security-Policy"]
    download = clerk.get(f"{base}/{keys['医学证明.pdf']}")
    assert download.data == PDF and download.headers["Content-Disposition"].startswith(
        "attachment")
    record = clerk.page(f"/work/submissions/{number}")
    assert f'src="/work/files/{keys["出生证明.png"]}/preview"' in record
    assert clerk.get(f"/work/files/{keys['出生证明.png']}/preview").data == PNG
    # Scoped: a clerk who may not see the task gets nothing, nor a file of another case.
    health = Person(world, "clerk_health")
    assert health.get(f"{base}/{keys['出生证明.png']}/preview").status_code == 404
    other = apply(world)
    assert clerk.get(f"/work/tasks/{other}/1/files/{keys['出生证明.png']}").status_code == 404
