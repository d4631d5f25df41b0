"""Publishing: new versions are added, identical ones unchanged, changed ones refused whole."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.orm import Session

from runtime.packs import check_path
from runtime.store import publish as publish_module
from runtime.store.db import session_factory
from runtime.store.migrate import alembic_config, upgrade
from runtime.store.models import Definition, Pack
from runtime.store.publish import (
    PublishError,
    content_hash,
    files_hash,
    publish_pack,
)
from runtime.store.queries import (
    definition,
    definition_versions,
    latest_definition,
    list_definitions,
    list_packs,
)

from .casework import BIRTH, publish, start

MakePack = Callable[..., Path]


def snapshot(session: Session) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Everything stored, to compare before and after a refused import."""
    session.expire_all()
    packs = session.execute(select(Pack.pack_id, Pack.version, Pack.sha256, Pack.imported_at)
                            .order_by(Pack.id)).all()
    defs = session.execute(select(Definition.kind, Definition.def_id, Definition.version,
                                  Definition.sha256, Definition.published_at)
                           .order_by(Definition.id)).all()
    return [tuple(p) for p in packs], [tuple(d) for d in defs]


def test_publishing_a_pack_adds_every_definition(session: Session, make_pack: MakePack) -> None:
    report = publish_pack(session, check_path(make_pack()))
    assert report.pack_status == "added"
    assert (report.pack.pack_id, report.pack.version) == ("demo_pack", 1)
    assert report.pack.title() == {"zh": "示例场景", "en": "Demo scenario"}
    assert report.pack.publisher == "测试团队"
    assert sorted((d.kind, d.def_id, d.version) for d in report.added) == [
        ("Catalog", "demo_services", 1), ("Form", "demo_apply", 1), ("Pack", "demo_pack", 1)]
    assert report.unchanged == []
    form = latest_definition(session, "Form", "demo_apply")
    assert form is not None
    assert form.source_file == "forms/apply.yaml"
    assert (form.format, form.pack_id, form.pack_version) == (1, "demo_pack", 1)
    assert form.data["title"] == {"zh": "示例申请表", "en": "Demo application form"}
    assert form.sha256 == content_hash(form.data)


def test_publishing_again_changes_nothing(session: Session, make_pack: MakePack) -> None:
    publish_pack(session, check_path(make_pack()))
    before = snapshot(session)
    report = publish_pack(session, check_path(make_pack()))
    assert report.pack_status == "unchanged"
    assert report.added == [] and len(report.unchanged) == 3
    assert snapshot(session) == before


def test_a_changed_definition_without_a_new_version_is_refused(
        session: Session, make_pack: MakePack) -> None:
    publish_pack(session, check_path(make_pack()))
    before = snapshot(session)
    changed = check_path(make_pack(form_title="改过的申请表"))
    assert changed.ok
    with pytest.raises(PublishError) as raised:
        publish_pack(session, changed)
    [found] = raised.value.problems
    assert (found.code, found.file, found.path, found.line) == (
        "immutable", "forms/apply.yaml", "version", 3)
    assert "已发布的定义不可修改：请提高 version 后再导入" in found.message("zh")
    assert "published definitions are immutable: raise the version" in found.message("en")
    assert "forms/apply.yaml:3" in str(raised.value)
    assert snapshot(session) == before


def test_a_refused_pack_writes_nothing_even_beside_new_definitions(
        session: Session, make_pack: MakePack) -> None:
    publish_pack(session, check_path(make_pack()))
    before = snapshot(session)
    extra = {"forms/other.yaml": "kind: Form\nid: other\nversion: 1\ntitle: 另一张表\n"
                                 "fields:\n  - {id: a, type: text, label: A}\n"}
    with pytest.raises(PublishError):
        publish_pack(session, check_path(make_pack(form_title="改过", extra=extra)))
    assert snapshot(session) == before
    assert latest_definition(session, "Form", "other") is None


def test_a_new_version_keeps_the_old_one(session: Session, make_pack: MakePack) -> None:
    publish_pack(session, check_path(make_pack()))
    report = publish_pack(session, check_path(make_pack(form_version=2, form_title="新版申请表")))
    assert [(d.kind, d.def_id, d.version) for d in report.added] == [("Form", "demo_apply", 2)]
    assert len(report.unchanged) == 2
    assert report.pack_status == "updated"
    assert definition_versions(session, "Form", "demo_apply") == [1, 2]
    latest = latest_definition(session, "Form", "demo_apply")
    assert latest is not None and latest.version == 2 and latest.data["title"]["zh"] == "新版申请表"
    old = definition(session, "Form", "demo_apply", 1)
    assert old is not None and old.data["title"]["zh"] == "示例申请表"
    assert [(d.kind, d.version) for d in list_definitions(session, "Form")] == [("Form", 2)]


def test_a_new_pack_version_is_a_new_pack_row(session: Session, make_pack: MakePack) -> None:
    publish_pack(session, check_path(make_pack()))
    report = publish_pack(session, check_path(make_pack(pack_version=2, form_version=2)))
    assert report.pack_status == "added"
    assert [(p.pack_id, p.version) for p in list_packs(session)] == [("demo_pack", 2)]
    form = latest_definition(session, "Form", "demo_apply")
    assert form is not None and form.pack_version == 2
    old_catalog = latest_definition(session, "Catalog", "demo_services")
    assert old_catalog is not None and old_catalog.pack_version == 1


def test_a_pack_with_problems_writes_nothing(session: Session, make_pack: MakePack) -> None:
    broken = make_pack(extra={"forms/broken.yaml": "kind: Form\nid: broken\nversion: 1\n"})
    result = check_path(broken)
    assert not result.ok
    with pytest.raises(PublishError) as raised:
        publish_pack(session, result)
    assert raised.value.problems == result.problems
    assert snapshot(session) == ([], [])


def test_a_single_definition_is_not_a_pack(session: Session, make_pack: MakePack) -> None:
    result = check_path(make_pack() / "catalogs" / "services.yaml")
    assert result.ok
    with pytest.raises(PublishError) as raised:
        publish_pack(session, result)
    assert [p.code for p in raised.value.problems] == ["not_a_pack"]
    assert snapshot(session) == ([], [])


def test_two_packs_may_each_define_an_id_and_a_bare_id_keeps_its_first_owner(
        session: Session, make_pack: MakePack) -> None:
    publish_pack(session, check_path(make_pack()))
    other = publish_pack(session, check_path(make_pack("other", pack_id="other", form_version=2)))
    assert other.pack_status == "added" and len(other.added) == 3
    first = latest_definition(session, "Form", "demo_apply")
    assert first is not None and (first.pack_id, first.version) == ("demo_pack", 1)
    own = latest_definition(session, "Form", "other:demo_apply")
    assert own is not None and (own.pack_id, own.version) == ("other", 2)
    asked = latest_definition(session, "Form", "demo_apply", pack_id="other")
    assert asked is not None and asked.pack_id == "other"
    assert definition(session, "Form", "other:demo_apply", 1) is None
    assert {(d.pack_id, d.def_id) for d in list_definitions(session, "Form")} == {
        ("demo_pack", "demo_apply"), ("other", "demo_apply")}
    assert first.publisher == own.publisher == "测试团队"


def test_another_publisher_cannot_publish_over_a_pack(
        session: Session, make_pack: MakePack) -> None:
    publish_pack(session, check_path(make_pack()))
    before = snapshot(session)
    copy = make_pack("copy", pack_version=2, form_version=2)
    manifest = copy / "pack.yaml"
    manifest.write_text(manifest.read_text().replace("测试团队", "别的团队"), encoding="utf-8")
    with pytest.raises(PublishError) as raised:
        publish_pack(session, check_path(copy))
    codes = {(p.code, p.file) for p in raised.value.problems}
    assert ("other_publisher", "forms/apply.yaml") in codes
    assert ("other_publisher", "catalogs/services.yaml") in codes
    message = next(p for p in raised.value.problems if p.file == "forms/apply.yaml")
    assert "Form 'demo_apply'" in message.zh and "'demo_pack'" in message.zh
    assert "测试团队" in message.zh and "换一个 id" in message.zh
    assert "give your pack its own id" in message.en
    assert snapshot(session) == before


def test_a_pack_needs_the_packs_it_requires_imported_first(
        session: Session, make_pack: MakePack) -> None:
    lib = make_pack("lib", pack_id="lib", prefix="lib_")
    user = make_pack("user", pack_id="user", prefix="user_")
    manifest = user / "pack.yaml"
    manifest.write_text(manifest.read_text() + "requires: [lib@1]\n", encoding="utf-8")
    with pytest.raises(PublishError) as raised:
        publish_pack(session, check_path(user))
    assert [(p.code, p.path) for p in raised.value.problems] == [
        ("required_missing", "requires[0]")]
    assert "'lib'" in raised.value.problems[0].zh
    publish_pack(session, check_path(lib))
    assert publish_pack(session, check_path(user)).pack_status == "added"


def test_a_concurrent_import_of_the_same_pack_is_retried(
        engine: Engine, make_pack: MakePack, monkeypatch: pytest.MonkeyPatch) -> None:
    sessions = session_factory(engine)
    result = check_path(make_pack())
    real = publish_module._existing
    calls: list[int] = []

    def racing(session: Session, *args: Any) -> Any:
        seen = real(session, *args)
        calls.append(1)
        if len(calls) == 1:  # another process wins the race after we looked
            with sessions() as other:
                monkeypatch.setattr(publish_module, "_existing", real)
                publish_pack(other, result)
                monkeypatch.setattr(publish_module, "_existing", racing)
        return seen

    monkeypatch.setattr(publish_module, "_existing", racing)
    with sessions() as session:
        report = publish_pack(session, result)
    assert len(calls) == 2
    assert report.pack_status == "unchanged" and len(report.unchanged) == 3


def test_hashes_do_not_depend_on_order() -> None:
    assert content_hash({"a": 1, "b": [1, 2]}) == content_hash({"b": [1, 2], "a": 1})
    assert content_hash({"a": [1, 2]}) != content_hash({"a": [2, 1]})
    assert files_hash({"a": b"1", "b": b"2"}) == files_hash({"b": b"2", "a": b"1"})
    assert files_hash({"a": b"1"}) != files_hash({"a": b"2"})


def test_the_shipped_pack_publishes(session: Session) -> None:
    shipped = Path(__file__).parents[2] / "scenario_packs" / "birth_one_thing"
    result = check_path(shipped)
    assert result.ok, [p.render() for p in result.problems]
    report = publish_pack(session, result)
    assert report.pack.pack_id == "birth_one_thing"
    assert len(report.added) == len(result.definitions)


def test_the_migration_backfills_publishers_and_the_packs_of_cases(
        session: Session, engine: Engine) -> None:
    """0016, run on definitions and cases made before it."""
    publish(session)
    case = start(session)
    session.close()
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0015")
    with engine.connect() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("definitions")}
        assert "publisher" not in columns
    upgrade(engine)
    with engine.connect() as connection:
        publishers = set(connection.execute(text("SELECT publisher FROM definitions")).scalars())
        packs = dict(connection.execute(text("SELECT id, process_pack FROM cases")).all())
    assert publishers == {"示例实施团队"}
    assert packs == {case.id: "birth_one_thing"}


def test_a_copy_of_a_pack_under_its_own_id_does_not_take_over_its_forms(
        session: Session, tmp_path: Path) -> None:
    publish(session)
    copy = tmp_path / "birth_copy"
    shutil.copytree(BIRTH, copy)
    manifest = copy / "pack.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        "id: birth_one_thing", "id: birth_copy").replace("version: 1", "version: 9"),
        encoding="utf-8")
    publish(session, copy)
    case = start(session)
    assert (case.process_id, case.process_pack) == ("birth_joint", "birth_one_thing")
    found = latest_definition(session, "Form", "birth_apply")
    assert found is not None and found.pack_id == "birth_one_thing"
