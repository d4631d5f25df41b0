"""`lowcode db upgrade`, `lowcode import` and `lowcode serve`, through click's CliRunner."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from sqlalchemy import func, inspect, select

from runtime import cli
from runtime.packs import check_path
from runtime.store.db import make_engine, session_factory
from runtime.store.models import Definition
from templates_lib import TASK_TEMPLATES

MakePack = Callable[..., Path]



def count_definitions(db_url: str) -> int:
    engine = make_engine(db_url)
    try:
        with session_factory(engine)() as session:
            return session.scalar(select(func.count()).select_from(Definition)) or 0
    finally:
        engine.dispose()


def test_db_upgrade_creates_the_tables(run: Callable[..., Result], db_url: str) -> None:
    result = run("db", "upgrade")
    assert result.exit_code == 0, result.output
    from runtime.store.migrate import head_revision

    assert f"数据库已是最新结构（{head_revision()}）" in result.output
    engine = make_engine(db_url)
    assert {"packs", "definitions"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_import_publishes_and_reports_in_chinese(
        run: Callable[..., Result], make_pack: MakePack, db_url: str) -> None:
    run("db", "upgrade")
    result = run("import", str(make_pack()))
    assert result.exit_code == 0, result.output
    assert "场景包 demo_pack 第 1 版（示例场景）：新导入" in result.output
    assert "新增 Form demo_apply 第 1 版 ← forms/apply.yaml" in result.output
    assert "新增 3 个定义，未变 0 个。" in result.output
    again = run("import", str(make_pack()))
    assert "场景包 demo_pack 第 1 版（示例场景）：未变" in again.output
    assert "新增 0 个定义，未变 3 个。" in again.output
    assert count_definitions(db_url) == 3


def test_import_in_english(run: Callable[..., Result], make_pack: MakePack) -> None:
    run("db", "upgrade")
    result = run("import", str(make_pack()), "--lang", "en")
    assert "pack demo_pack version 1 (Demo scenario): imported" in result.output
    assert "added Form demo_apply version 1 <- forms/apply.yaml" in result.output
    assert "3 added, 0 unchanged." in result.output


def test_import_lists_every_problem_and_writes_nothing(
        run: Callable[..., Result], make_pack: MakePack, db_url: str) -> None:
    run("db", "upgrade")
    folder = make_pack(extra={"forms/a.yaml": "kind: Form\nid: a\nversion: 1\n",
                              "forms/b.yaml": "kind: Form\nid: b\nversion: 1\n"})
    result = run("import", str(folder))
    assert result.exit_code == 1
    assert "forms/a.yaml" in result.output and "forms/b.yaml" in result.output
    assert "未导入，共" in result.output and "数据库未作任何修改" in result.output
    assert count_definitions(db_url) == 0


def test_import_refuses_a_changed_definition(
        run: Callable[..., Result], make_pack: MakePack, db_url: str) -> None:
    run("db", "upgrade")
    run("import", str(make_pack()))
    result = run("import", str(make_pack(form_title="改过")), "--lang", "en")
    assert result.exit_code == 1
    assert "forms/apply.yaml:3 version: published definitions are immutable" in result.output
    assert "not imported; 1 problem(s); the database is unchanged." in result.output
    assert count_definitions(db_url) == 3


@pytest.mark.parametrize(("lang", "text"), [("zh", "请先运行 lowcode db upgrade"),
                                            ("en", "run lowcode db upgrade")])
def test_import_asks_for_an_upgrade_first(
        run: Callable[..., Result], make_pack: MakePack, lang: str, text: str) -> None:
    result = run("import", str(make_pack()), "--lang", lang)
    assert result.exit_code == 1 and text in result.output


def test_serve_upgrades_imports_and_serves_twice_without_loss(
        run: Callable[..., Result], make_pack: MakePack, db_url: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[dict[str, Any]] = []
    monkeypatch.setattr(Flask, "run", lambda self, **kw: served.append(kw))
    make_pack()
    make_pack("broken", pack_id="broken", prefix="broken_",
              extra={"forms/x.yaml": "kind: Form\nid: x\nversion: 1\n"})
    first = run("serve", "--port", "5055", "--no-worker")
    assert first.exit_code == 0, first.output
    assert "场景包 demo_pack 第 1 版（示例场景）：新导入" in first.output
    assert "场景包 task_templates 第 1 版（通用协同任务模板库）：新导入" in first.output
    assert "broken：未导入" in first.output
    assert "服务地址：http://127.0.0.1:5055/（Flask 开发服务器，仅供开发使用）" in first.output
    second = run("serve", "--port", "5055", "--lang", "en", "--no-worker")
    assert "pack demo_pack version 1 (Demo scenario): unchanged" in second.output
    assert "Serving on http://127.0.0.1:5055/" in second.output
    assert served == [{"host": "127.0.0.1", "port": 5055}] * 2
    library = len(check_path(TASK_TEMPLATES).definitions)  # the library pack, beside
    assert count_definitions(db_url) == 3 + library


def test_serve_runs_due_jobs_in_a_background_thread_unless_told_not_to(
        run: Callable[..., Result], make_pack: MakePack,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Flask, "run", lambda self, **kw: None)
    started: list[threading.Thread] = []

    def start(thread: threading.Thread) -> None:
        started.append(thread)  # recorded, not run: the test's database goes away after it

    monkeypatch.setattr(threading.Thread, "start", start)
    make_pack()
    assert run("serve").exit_code == 0
    assert [(t.name, t.daemon) for t in started] == [("lowcode-worker", True)]
    assert run("serve", "--no-worker").exit_code == 0
    assert len(started) == 1


def test_serve_without_a_packs_folder(
        run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Flask, "run", lambda self, **kw: None)
    assert "没有场景包文件夹" in run("serve", "--no-worker").output
    assert "no pack folder at" in run("serve", "--lang", "en", "--no-worker").output


def test_the_default_packs_folder_is_the_repositorys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(cli.PACKS_ENV, raising=False)
    assert cli.packs_dir() == Path(__file__).parents[2] / "scenario_packs"


@pytest.mark.parametrize("command", [["db"], ["db", "upgrade"], ["import"], ["serve"],
                                     ["webhook", "add"], ["worker"]])
def test_every_command_has_chinese_and_english_help(command: list[str]) -> None:
    result = CliRunner().invoke(cli.main, [*command, "--help"])
    assert result.exit_code == 0
    text = result.output
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text)
    assert any(word in text for word in ("Upgrade", "Check and publish", "Manage", "serve",
                                         "Subscribe", "Claim and run"))
