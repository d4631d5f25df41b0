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
from .test_workbench import (  # noqa: F401  (world: a fixture)
    Person,
    accepted,
    apply,
    field_error,
    open_actions,
    track,
    world,
)

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
    for page in (clerk.page("/views/birth_ledger"), clerk.page(f"/work/submissions/{number}")):
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


def test_the_action_panel_assumes_no_outcome_and_speaks_the_templates_words(
        world: Flask) -> None:  # noqa: F811
    number = apply(world)
    clerk = Person(world, "clerk_govsvc")
    page = clerk.done(number, 1, "claim")
    panel = re.search(r'<form [^>]*id="action-complete">(.*?)</form>', page, re.S)
    assert panel is not None
    assert 'name="outcome"' in panel.group(1) and "checked" not in panel.group(1)
    assert "> 通过</label>" in panel.group(1) and "> 不予通过</label>" in panel.group(1)
    assert "证件编号" not in page
    one_click = clerk.act(number, 1, "complete")
    assert one_click.status_code == 422
    assert field_error(one_click, "complete", "outcome") == "请选择办理结果"
    assert "complete" in open_actions(clerk.page(f"/work/tasks/{number}/1"))  # not done
    english = clerk.page(f"/work/tasks/{number}/1?lang=en")
    assert "> Approve</label>" in english and "> Refuse</label>" in english
    clerk.done(number, 1, "complete", outcome="approve", opinion="材料齐全")
    for person in ("clerk_health", "clerk_police"):
        checker = Person(world, person)
        no = checker.task_no("pool", number, "出生信息联合核验")
        checker.done(number, no, "claim")
        checker.done(number, no, "complete", outcome="approve", opinion="核验无误")
    health = Person(world, "clerk_health")
    no = health.task_no("pool", number, "签发出生医学证明")
    page = health.done(number, no, "claim")
    assert "证件编号" in page and "> 予以签发</label>" in page  # this step's own form


def test_a_returned_task_says_so_and_the_history_credits_the_system(world: Flask) -> None:  # noqa: F811
    number = apply(world)
    accepted(world, number)
    health = Person(world, "clerk_health")
    health.done(number, 2, "claim")
    health.done(number, 2, "return", target="accept", reason="母亲身份证号有误")
    clerk = Person(world, "clerk_govsvc")
    back = clerk.task_no("todo", number, "受理")
    page = clerk.page(f"/work/tasks/{number}/{back}")
    banner = re.search(r'<div class="banner returned"[^>]*>(.*?)</div>', page, re.S)
    assert banner is not None
    words = re.sub(r"<[^>]+>|\s+", " ", banner.group(1))
    assert "此任务已被退回" in words and "卫生健康委员会" in words
    assert "出生信息联合核验" in words and "母亲身份证号有误" in words
    lines = re.findall(r'<strong class="who">([^<]*)</strong> <span class="what">([^<]*)</span>',
                       page)
    started = [who for who, what in lines if what.startswith("开始「")]
    assert started and set(started) == {"系统"}
    made = [who for who, what in lines if what.startswith("生成任务")]
    assert made and set(made) == {"系统"}
    claimed = [who for who, what in lines if what.startswith("签收")]
    assert claimed and "系统" not in claimed  # a person's own action stays theirs
    messages = clerk.page("/work/notifications")
    assert f"退回：受理（{number}）" in messages
    assert clerk.page(f"/work/tasks/{number}/1").count('class="banner returned"') == 0


def test_english_pages_use_english_punctuation_plurals_and_the_packs_english(
        world: Flask) -> None:  # noqa: F811
    number = apply(world)
    clerk = Person(world, "clerk_govsvc")
    clerk.done(number, 1, "claim")
    page = clerk.page(f"/work/tasks/{number}/1?lang=en")
    words = re.sub(r"<[^>]+>", " ", page)
    assert "1 working day" in words and "1 working days" not in words
    assert "Accept" in words and "Article 3: " in words  # the template's English title
    shown = re.sub(r"钱受理（政务服务中心）|冯科长（政务服务中心）", "", words)  # names are data
    assert not re.findall(r"[：；、（）]", shown), re.findall(r".{20}[：；、（）].{20}", shown)
    later = clerk.page(f"/work/tasks/{number}/1")  # the language is kept without ?lang=en
    assert '<html lang="en">' in later and "Handling opinion" in later
