"""What a person reads on the pages of a journey, over HTTP: one clock (every time in China
time, one format), attachments by their names with an inline preview, an action panel that
guides (nothing preselected, the template's words, a banner on a returned task), and
English where the definitions give it."""

from __future__ import annotations

from datetime import datetime

import pytest
from flask import Flask
from sqlalchemy import update

from runtime.store.submissions import Submission
from runtime.web import clock
from runtime.web.database import store
from runtime.web.settings import SettingsError, resolve

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
