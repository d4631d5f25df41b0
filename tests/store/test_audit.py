"""The audit log: hash chain, append-only triggers, transactions, concurrency, search, CLI."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from runtime.packs import check_path
from runtime.store.audit import (
    ACTIONS,
    GENESIS,
    Actor,
    AuditEntry,
    chain_hash,
    iso_utc,
    record,
    search,
    verify,
)
from runtime.store.db import session_factory
from runtime.store.migrate import upgrade
from runtime.store.publish import PublishError, publish_pack

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
        assert chain_hash(stored) == stored.hash == hashed
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
    forged.hash = chain_hash(forged)
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
