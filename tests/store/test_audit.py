"""The audit log: hash chain, append-only triggers, transactions, concurrency, search, CLI."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from runtime.destinations import ALLOW_ENV
from runtime.packs import check_path
from runtime.store.audit import (
    ACTIONS,
    GENESIS,
    KEY_INFO,
    PLAIN,
    Actor,
    Anchor,
    AuditEntry,
    chain_hash,
    hashed_content,
    head,
    iso_utc,
    key_of,
    record,
    search,
    verify,
)
from runtime.store.db import session_factory
from runtime.store.jobs import signature
from runtime.store.migrate import upgrade
from runtime.store.publish import PublishError, publish_pack

from .receivers import SECRET, receiver

MakePack = Callable[..., Path]
ALICE = Actor("7", "张三", "staff")
CITIZEN = Actor("c-1", "李四", "citizen")


def three_rows(session: Session) -> list[AuditEntry]:
    rows = [
        record(session, action="auth.sign_in", actor=ALICE, ip="10.0.0.1", detail="密码登录"),
        record(session, action="pii.reveal", actor=ALICE, target=("submission", 42),
               detail="查看身份证号", after={"field": "id_card"}),
        record(session, action="submission.create", actor=CITIZEN, target=("submission", 43),
               after={"申请人": "李四", "金额": 12.5, "at": datetime(2025, 1, 2, tzinfo=UTC)}),
    ]
    session.commit()
    return rows


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry)) or 0


def without_triggers(session: Session) -> None:
    """What an attacker with DDL rights does first."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("DROP TRIGGER audit_log_no_change ON audit_log"))
    else:
        session.execute(text("DROP TRIGGER audit_log_no_update"))
        session.execute(text("DROP TRIGGER audit_log_no_delete"))


# --- the chain ----------------------------------------------------------------------------


def test_rows_are_chained_and_verify(session: Session) -> None:
    first, second, third = three_rows(session)
    assert first.prev_hash == GENESIS
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    assert len({first.hash, second.hash, third.hash}) == 3
    result = verify(session)
    assert result.ok and result.count == 3
    assert result.message() == "审计日志完整：共 3 条记录"
    assert result.message("en") == "audit log intact: 3 record(s)"


def test_an_empty_log_verifies(session: Session) -> None:
    assert verify(session).ok and verify(session).count == 0


def test_stored_rows_hash_the_same_after_a_round_trip(engine: Engine) -> None:
    with session_factory(engine)() as session:
        entry = three_rows(session)[2]
        hashed = entry.hash
    with session_factory(engine)() as session:
        if engine.dialect.name == "postgresql":  # timestamptz comes back in the session zone
            session.execute(text("SET TIME ZONE 'Asia/Shanghai'"))
        stored = session.get(AuditEntry, entry.id)
        assert stored is not None
        assert chain_hash(stored, key_of(session)) == stored.hash == hashed
        assert stored.after == {"申请人": "李四", "金额": 12.5, "at": "2025-01-02 00:00:00+00:00"}
        assert stored.target_id == "43" and stored.actor_kind == "citizen"
        assert verify(session).ok


def test_a_changed_row_is_named(session: Session) -> None:
    rows = three_rows(session)
    without_triggers(session)
    session.execute(text("UPDATE audit_log SET detail = '无' WHERE id = :id"),
                    {"id": rows[1].id})
    session.commit()
    result = verify(session)
    assert not result.ok
    assert (result.row_id, result.position, result.reason) == (rows[1].id, 2, "hash")
    assert result.message() == f"第 2 条记录（id={rows[1].id}）被篡改：哈希不符"
    assert f"record 2 (id={rows[1].id}) was tampered with" in result.message("en")


def test_a_changed_user_agent_is_named_and_rows_without_one_keep_their_hash(
        session: Session) -> None:
    plain = record(session, action="auth.sign_in", actor=ALICE, ip="10.0.0.1")
    browser = record(session, action="auth.sign_in", actor=ALICE, ip="10.0.0.1",
                     user_agent="Firefox/140")
    session.commit()
    assert plain.user_agent is None and browser.user_agent == "Firefox/140"
    assert plain.hash != browser.hash and verify(session).ok
    without_triggers(session)
    session.execute(text("UPDATE audit_log SET user_agent = 'curl' WHERE id = :id"),
                    {"id": browser.id})
    session.commit()
    assert (verify(session).row_id, verify(session).reason) == (browser.id, "hash")


def test_a_rehashed_row_breaks_the_link_after_it(session: Session) -> None:
    rows = three_rows(session)
    without_triggers(session)
    forged = session.get(AuditEntry, rows[0].id)
    assert forged is not None
    forged.detail = "伪造"
    forged.hash = chain_hash(forged, key_of(session))  # even with the key
    session.commit()
    result = verify(session)
    assert (result.ok, result.row_id, result.reason) == (False, rows[1].id, "link")


def test_a_deleted_row_breaks_the_link_after_it(session: Session) -> None:
    rows = three_rows(session)
    without_triggers(session)
    session.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": rows[1].id})
    session.commit()
    result = verify(session)
    assert (result.ok, result.row_id, result.position, result.reason) == (
        False, rows[2].id, 2, "link")
    assert "链接断开" in result.message()


def test_verify_reads_in_batches(session: Session) -> None:
    three_rows(session)
    assert verify(session, batch=2).count == 3
    assert verify(session, batch=3).count == 3


# --- the key and the anchors ------------------------------------------------------------------


def rewrite_without_the_key(session: Session, first: int, *, version: int | None = None,
                            detail: str = "伪造") -> None:
    """What the finding did: change a row and recompute the plain SHA-256 chain from it on,
    the way anyone who can write the database can (optionally marking the rows as old)."""
    without_triggers(session)
    rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    prev = rows[first - 1].hash if first else GENESIS
    for position, row in enumerate(rows[first:]):
        if position == 0:
            row.detail = detail
        if version is not None:
            row.hash_version = version
        row.prev_hash = prev
        row.hash = prev = hashlib.sha256(hashed_content(row)).hexdigest()
        session.flush()
    session.commit()


def test_a_row_rewritten_with_a_recomputed_plain_sha256_chain_is_found(
        session: Session) -> None:
    rows = three_rows(session)
    rewrite_without_the_key(session, 1)
    result = verify(session)
    assert (result.ok, result.row_id, result.position, result.reason) == (
        False, rows[1].id, 2, "hash")


def test_rows_rewritten_as_old_format_rows_are_found(session: Session) -> None:
    rows = three_rows(session)
    rewrite_without_the_key(session, 1, version=PLAIN)
    result = verify(session)
    assert (result.ok, result.row_id, result.reason) == (False, rows[1].id, "downgrade")
    assert "启用密钥后出现了旧格式的记录" in result.message()


def test_the_whole_log_rewritten_as_old_format_rows_is_found(session: Session) -> None:
    rows = three_rows(session)
    anchor = head(session)
    rewrite_without_the_key(session, 0, version=PLAIN)
    unanchored = verify(session)
    assert (unanchored.ok, unanchored.row_id, unanchored.reason) == (False, rows[0].id,
                                                                      "unanchored")
    against = verify(session, anchor)
    assert (against.ok, against.row_id, against.position, against.reason) == (
        False, rows[2].id, 3, "anchor")
    assert "与锚点记录的哈希不符" in against.message()


def test_the_chain_is_checked_with_the_key(engine: Engine) -> None:
    with session_factory(engine, **{KEY_INFO: "the key"})() as session:
        three_rows(session)
        assert verify(session).ok
    with session_factory(engine, **{KEY_INFO: "another key"})() as session:
        result = verify(session)
        assert (result.ok, result.position, result.reason) == (False, 1, "hash")


def test_deleted_newest_rows_pass_alone_and_fail_against_the_anchor(session: Session) -> None:
    rows = three_rows(session)
    anchor = head(session)
    assert (anchor.last_id, anchor.hash, anchor.count) == (rows[2].id, rows[2].hash, 3)
    assert verify(session, anchor).ok
    record(session, action="export", actor=ALICE)  # rows after the anchor are fine
    session.commit()
    assert verify(session, anchor).ok
    without_triggers(session)
    session.execute(text("DELETE FROM audit_log WHERE id >= :id"), {"id": rows[1].id})
    session.commit()
    assert verify(session).ok  # a shorter chain is whole: only the anchor can tell
    result = verify(session, anchor)
    assert (result.ok, result.row_id, result.reason) == (False, rows[2].id, "truncated")
    assert result.message() == (f"审计日志被截断：锚点记录的第 {rows[2].id} 号记录已不存在"
                                "（末尾的记录被删除）")


def test_old_rows_from_before_the_key_verify_with_an_anchor(session: Session) -> None:
    """Rows written before migration 0007: plain SHA-256, hash_version 1."""
    prev = GENESIS
    for number in range(2):
        row = AuditEntry(created_at=datetime(2025, 1, 1, number, tzinfo=UTC), actor_id=None,
                         actor_name="system", actor_kind="system", ip=None, action="export",
                         target_kind=None, target_id=None, before=None, after=None,
                         detail=f"old {number}", prev_hash=prev, hash_version=PLAIN)
        row.hash = prev = chain_hash(row, b"")
        session.add(row)
        session.flush()
    session.commit()
    assert verify(session).reason == "unanchored"
    anchor = head(session)  # taken right after the upgrade
    three_rows(session)
    result = verify(session, anchor)
    assert (result.ok, result.count, result.legacy) == (True, 5, 2)
    assert result.message() == "审计日志完整：共 5 条记录，其中 2 条是启用密钥前的旧记录（普通 SHA-256）"


def test_an_anchor_reads_back_and_refuses_what_is_not_one() -> None:
    anchor = Anchor(7, "a" * 64, 7, "2026-01-01T00:00:00.000000+00:00")
    assert Anchor.from_dict(json.loads(json.dumps(anchor.as_dict()))) == anchor
    for bad in ({}, {"last_id": "x", "hash": "a" * 64, "count": 1, "at": ""},
                {"last_id": 1, "hash": "short", "count": 1, "at": ""}):
        with pytest.raises(ValueError):
            Anchor.from_dict(bad)


# --- append-only --------------------------------------------------------------------------


@pytest.mark.parametrize("statement", [
    "UPDATE audit_log SET detail = 'x'",
    "UPDATE audit_log SET hash = 'x' WHERE id = 1",
    "DELETE FROM audit_log",
    "DELETE FROM audit_log WHERE id = 1",
])
def test_the_database_refuses_updates_and_deletes(session: Session, statement: str) -> None:
    three_rows(session)
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text(statement))
    session.rollback()
    assert verify(session).count == 3


def test_postgres_refuses_truncate(session: Session) -> None:
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's")
    three_rows(session)
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text("TRUNCATE audit_log"))


def test_two_rows_cannot_follow_the_same_row(session: Session) -> None:
    first = three_rows(session)[0]
    fork = AuditEntry(created_at=datetime.now(UTC), actor_name="x", actor_kind="system",
                      action="export", prev_hash=first.prev_hash, hash="f" * 64)
    session.add(fork)
    with pytest.raises(IntegrityError):
        session.flush()


# --- transactions and concurrency ----------------------------------------------------------


def test_a_rolled_back_change_leaves_no_audit_row(session: Session) -> None:
    record(session, action="export", actor=ALICE, target=("view", "inbox"))
    assert count(session) == 1  # flushed into the open transaction
    session.rollback()
    assert count(session) == 0
    assert verify(session).ok


def test_concurrent_appenders_do_not_fork_the_chain(engine: Engine) -> None:
    """A records and holds its transaction open; B records meanwhile, so B must wait for
    A's commit before it reads the last hash, and then follow A's row."""
    sessions = session_factory(engine)
    a_recorded, errors = threading.Event(), []

    def a() -> None:
        with sessions() as session:
            record(session, action="task.action", actor=ALICE, detail="A")
            a_recorded.set()
            threading.Event().wait(0.5)
            session.commit()

    def b() -> None:
        a_recorded.wait(5)
        try:
            with sessions() as session:
                record(session, action="task.action", actor=CITIZEN, detail="B")
                session.commit()
        except Exception as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert errors == []
    with sessions() as session:
        result = verify(session)
        assert result.ok and result.count == 2
        details = session.scalars(select(AuditEntry.detail).order_by(AuditEntry.id)).all()
        assert details == ["A", "B"]


# --- the API's guards ----------------------------------------------------------------------


def test_unknown_actions_and_actor_kinds_are_refused(session: Session) -> None:
    with pytest.raises(ValueError, match="unknown audit action 'auth.signin'"):
        record(session, action="auth.signin")
    with pytest.raises(ValueError, match="actor kind"):
        Actor("1", "x", "robot")


def test_every_action_has_both_labels() -> None:
    for code in ACTIONS.codes():
        assert ACTIONS.format(code, "zh") and ACTIONS.format(code, "en")
    assert {"auth.sign_in", "auth.sign_in_failed", "auth.sign_out", "auth.locked",
            "access.denied", "pii.reveal", "definition.publish", "submission.create",
            "task.action", "export"} <= set(ACTIONS.codes())


def test_long_details_are_cut_and_rows_have_labels(session: Session) -> None:
    entry = record(session, action="access.denied", detail="长" * 900)
    assert entry.detail == "长" * 500
    assert entry.actor_kind == "system" and entry.actor_id is None
    assert entry.label() == "拒绝访问" and entry.label("en") == "permission denied"
    entry.action = "legacy.code"
    assert entry.label() == "legacy.code"


def test_times_are_iso_utc_with_microseconds() -> None:
    assert iso_utc(datetime(2025, 1, 1, 8, 0)) == "2025-01-01T08:00:00.000000+00:00"
    shanghai = datetime(2025, 1, 1, 16, 0, 0, 5, tzinfo=timezone(timedelta(hours=8)))
    assert iso_utc(shanghai) == "2025-01-01T08:00:00.000005+00:00"


# --- search -------------------------------------------------------------------------------


def test_search_filters(session: Session) -> None:
    three_rows(session)
    assert [e.action for e in search(session, actor="7")] == ["pii.reveal", "auth.sign_in"]
    assert [e.actor_id for e in search(session, action="submission.create")] == ["c-1"]
    assert len(search(session, target_kind="submission")) == 2
    assert [e.action for e in search(session, target_kind="submission", target_id=42)] == [
        "pii.reveal"]
    assert search(session, actor="nobody") == []


def test_search_by_time(session: Session) -> None:
    three_rows(session)
    now = datetime.now(UTC)
    assert len(search(session, since=now - timedelta(minutes=5))) == 3
    assert search(session, since=now + timedelta(minutes=5)) == []
    assert len(search(session, until=now + timedelta(minutes=5))) == 3
    assert search(session, until=now - timedelta(minutes=5)) == []
    naive = now.replace(tzinfo=None) - timedelta(minutes=5)
    assert len(search(session, since=naive)) == 3
    local = (now + timedelta(minutes=5)).astimezone()
    assert len(search(session, until=local)) == 3


def test_search_pages_newest_first(session: Session) -> None:
    for number in range(7):
        record(session, action="export", actor=ALICE, detail=str(number))
    session.commit()
    pages, before = [], None
    while True:
        page = search(session, limit=3, before_id=before)
        if not page:
            break
        pages.append([e.detail for e in page])
        before = page[-1].id
    assert pages == [["6", "5", "4"], ["3", "2", "1"], ["0"]]


# --- publishing ---------------------------------------------------------------------------


def test_publishing_records_one_row_per_pack_import(session: Session,
                                                    make_pack: MakePack) -> None:
    publish_pack(session, check_path(make_pack()))
    publish_pack(session, check_path(make_pack()))  # unchanged: nothing published
    publish_pack(session, check_path(make_pack(form_version=2)),
                 actor=Actor("9", "管理员", "staff"))
    rows = search(session, action="definition.publish")
    assert [(e.target_kind, e.target_id) for e in rows] == [("pack", "demo_pack@1")] * 2
    newest, oldest = rows
    assert oldest.actor_kind == "system" and oldest.actor_name
    assert oldest.after is not None and len(oldest.after["added"]) == 3
    assert newest.actor_name == "管理员" and newest.after is not None
    assert newest.after["added"] == ["Form demo_apply v2"]
    assert "新增 1 个定义" in (newest.detail or "")
    assert verify(session).ok


def test_a_refused_publish_records_nothing(session: Session, make_pack: MakePack) -> None:
    publish_pack(session, check_path(make_pack()))
    with pytest.raises(PublishError):
        publish_pack(session, check_path(make_pack(form_title="改过")))
    assert count(session) == 1


def test_the_system_actor_survives_a_missing_login(
        session: Session, make_pack: MakePack, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_user() -> str:
        raise OSError("no login name")

    monkeypatch.setattr("getpass.getuser", no_user)
    publish_pack(session, check_path(make_pack()))
    assert search(session)[0].actor_name == "system"


# --- lowcode audit verify -------------------------------------------------------------------



def test_cli_verify_passes_then_names_the_tampered_row(
        run: Callable[..., Result], engine: Engine) -> None:
    with session_factory(engine)() as session:
        rows = three_rows(session)
    result = run("audit", "verify")
    assert result.exit_code == 0, result.output
    assert "审计日志完整：共 3 条记录" in result.output
    assert "audit log intact: 3 record(s)" in run("audit", "verify", "--lang", "en").output
    with session_factory(engine)() as session:
        without_triggers(session)
        session.execute(text("UPDATE audit_log SET ip = '1.2.3.4' WHERE id = :id"),
                        {"id": rows[2].id})
        session.commit()
    broken = run("audit", "verify")
    assert broken.exit_code == 1
    assert f"第 3 条记录（id={rows[2].id}）被篡改：哈希不符" in broken.output


def test_cli_verify_wants_an_upgraded_database(run: Callable[..., Result], db_url: str) -> None:
    upgrade(db_url, "0001")
    result = run("audit", "verify")
    assert result.exit_code == 1
    assert "lowcode db upgrade" in result.output


def test_cli_anchor_then_verify_finds_deleted_newest_rows(
        run: Callable[..., Result], engine: Engine, tmp_path: Path) -> None:
    anchors = tmp_path / "anchors.jsonl"
    with session_factory(engine)() as session:
        rows = three_rows(session)
    first = run("audit", "anchor", "--to", str(anchors))
    assert first.exit_code == 0, first.output
    assert json.loads(first.output)["last_id"] == rows[2].id
    with session_factory(engine)() as session:
        record(session, action="export", actor=ALICE)
        session.commit()
    run("audit", "anchor", "--to", str(anchors))
    written = [json.loads(line) for line in anchors.read_text().splitlines()]
    assert [a["count"] for a in written] == [3, 4]
    assert run("audit", "verify", "--anchor", str(anchors)).exit_code == 0
    with session_factory(engine)() as session:
        without_triggers(session)
        session.execute(text("DELETE FROM audit_log WHERE id > :id"), {"id": rows[1].id})
        session.commit()
    assert run("audit", "verify").exit_code == 0  # the old weakness: a shorter chain is whole
    result = run("audit", "verify", "--anchor", str(anchors))
    assert result.exit_code == 1 and "审计日志被截断" in result.output


def test_cli_verify_refuses_a_file_without_an_anchor(
        run: Callable[..., Result], engine: Engine, tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    result = run("audit", "verify", "--anchor", str(empty))
    assert result.exit_code == 1 and "没有可用的锚点" in result.output


def test_cli_anchor_posts_the_head_to_a_webhook(
        run: Callable[..., Result], engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    with session_factory(engine)() as session:
        rows = three_rows(session)
    with receiver() as system:
        sent = run("audit", "anchor", "--webhook", system.url, "--secret", SECRET)
        assert sent.exit_code == 0, sent.output
        monkeypatch.setenv(ALLOW_ENV, "")  # the receiver's 127.0.0.1 is no longer allowed
        refused = run("audit", "anchor", "--webhook", system.url, "--lang", "en")
    assert refused.exit_code == 1 and "is an internal address" in refused.output
    (headers, body), = system.received
    assert json.loads(body)["last_id"] == rows[2].id and json.loads(body)["hash"] == rows[2].hash
    assert headers["X-Lowcode-Signature"] == signature(SECRET, headers["X-Lowcode-Timestamp"],
                                                       body)
