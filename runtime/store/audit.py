"""The audit trail: who did what, when, from where, in an append-only keyed hash chain.

Every row stores `prev_hash` (the hash of the row before it, or `GENESIS`) and
`hash = HMAC-SHA256(key, canonical JSON of its content fields and prev_hash)`, the key kept
outside the database (LOWCODE_AUDIT_KEY; the sessions carry it, see `key_of`). Triggers made
by migration 0002 refuse UPDATE and DELETE; whoever drops them to rewrite history cannot
recompute the chain without the key, and `verify` names the first row where it breaks.
Deleting the newest rows leaves a shorter chain that is still whole: an anchor (the head's
id and hash, written outside the database by `lowcode audit anchor`) finds that.
`record` adds a row to the caller's transaction, so an audit row exists exactly when the
change it records was committed.

Rows written before the key (`hash_version` 1, migration 0007) keep their plain SHA-256,
which anyone can recompute: `verify` accepts them only before the first keyed row and only
with an anchor that covers them (taken once, right after the upgrade), so that a rewrite of
the whole log as "old" rows is still found.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import (
    DateTime,
    Index,
    Integer,
    Row,
    String,
    UniqueConstraint,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from runtime.i18n import Catalogue
from runtime.store.models import Base, JSONData, utcnow

GENESIS = "0" * 64
AUDIT_KEY_ENV = "LOWCODE_AUDIT_KEY"
KEY_INFO = "audit_key"  # where a session carries the key (sessionmaker info)
PLAIN, KEYED = 1, 2  # hash_version: sha256 of the content (before 0007), HMAC-SHA256
DETAIL_MAX = 500
USER_AGENT_MAX = 300
# Any constant: every appender takes this transaction-level lock on PostgreSQL.
ADVISORY_LOCK_KEY = 0x4C43_4155_4449_54  # "LCAUDIT"

# The closed set of actions, each with the (zh, en) label the auditor UI shows.
ACTIONS = Catalogue({
    "auth.sign_in": ("登录", "sign-in"),
    "auth.sign_in_failed": ("登录失败", "failed sign-in"),
    "auth.sign_out": ("退出登录", "sign-out"),
    "auth.locked": ("账号锁定", "account locked"),
    "access.denied": ("拒绝访问", "permission denied"),
    "account.change": ("账号或角色变更", "account or role change"),
    "account.register_repeat": ("用已注册的手机号或信用代码注册", "registration of a taken "
                                "mobile number or credit code"),
    "pii.reveal": ("查看脱敏信息原文", "reveal of a masked value"),
    "definition.publish": ("发布定义", "definition publish"),
    "submission.create": ("提交申请", "submission"),
    "record.write_back": ("案件回写台账", "record updated by a case"),
    "submission.correct": ("申请人补正后重新提交", "resubmission after a correction"),
    "submission.confirm": ("申请人确认享受（免申即享）", "the applicant confirmed a benefit"),
    "submission.decline": ("申请人放弃享受（免申即享）", "the applicant declined a benefit"),
    "submission.adopt": ("企业注册后接手待确认的办件（免申即享）",
                         "an enterprise took over, on registering, a case waiting for it"),
    "task.action": ("办理任务", "task action"),  # an action an extension added
    "task.claim": ("签收任务", "task claimed"),
    "task.complete": ("办理任务", "task completed"),
    "task.return": ("退回任务", "task returned"),
    "task.transfer": ("转办任务", "task transferred"),
    "task.delegate": ("委派任务", "task delegated"),
    "task.add_signer": ("加签", "signer added"),
    "task.withdraw": ("撤回任务", "task withdrawn"),
    "task.extend": ("申请延期", "extension requested"),
    "task.decide_extension": ("审批延期", "extension decided"),
    "task.ask_correction": ("要求申请人补正", "correction asked of the applicant"),
    "task.suspend": ("挂起任务", "task suspended"),
    "task.resume": ("恢复任务", "task resumed"),
    "task.remind": ("催办", "reminder"),
    "task.supervise": ("督办", "supervision"),
    "task.copy": ("抄送", "copy"),
    "tracking.failed": ("办理进度查询失败", "failed tracking lookup"),
    "request.throttled": ("请求过于频繁被拒绝", "request refused by a rate limit"),
    "job.retry": ("重新发送失败的后台任务", "retry of a dead background job"),
    "incident.retry": ("重新启动未能开始的案件", "retry of a case that could not start"),
    "export": ("导出数据", "export"),
    "rating.create": ("评价办理服务", "service rating"),
    "rating.reply": ("答复差评整改", "reply to a poor rating"),
    "design.open": ("打开设计工作副本", "design working copy opened"),
    "design.save": ("保存设计工作副本", "design working copy saved"),
    "design.undo": ("撤销设计修改", "design change undone"),
    "design.redo": ("重做设计修改", "design change redone"),
    "design.discard": ("丢弃设计工作副本", "design working copy discarded"),
    "design.restore": ("将已发布版本恢复为工作副本", "published version restored as working copy"),
})
ACTOR_KINDS = ("staff", "citizen", "guest", "system")


@dataclass(frozen=True)
class Actor:
    """Who acted: `kind` is staff, citizen, guest or system; `id` is None for guests."""

    id: str | None
    name: str
    kind: str = "staff"

    def __post_init__(self) -> None:
        if self.kind not in ACTOR_KINDS:
            raise ValueError(f"actor kind {self.kind!r} is not one of {ACTOR_KINDS}")


SYSTEM = Actor(None, "system", "system")


@dataclass(frozen=True)
class Origin:
    """Where an action came from: the request's address and its user agent (none for the
    system's own moves)."""

    ip: str | None = None
    user_agent: str | None = None


NOWHERE = Origin()


class AuditEntry(Base):
    """One audit record. Never updated or deleted (the database refuses)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        UniqueConstraint("prev_hash"),  # two rows can never follow the same row: no fork
        Index("ix_audit_log_target", "target_kind", "target_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor_id: Mapped[str | None] = mapped_column(String(64), index=True)
    actor_name: Mapped[str] = mapped_column(String(200))
    actor_kind: Mapped[str] = mapped_column(String(16))
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(USER_AGENT_MAX))  # hashed when set
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_kind: Mapped[str | None] = mapped_column(String(64))
    target_id: Mapped[str | None] = mapped_column(String(200))
    before: Mapped[Any | None] = mapped_column(JSONData)
    after: Mapped[Any | None] = mapped_column(JSONData)
    detail: Mapped[str | None] = mapped_column(String(500))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    hash_version: Mapped[int] = mapped_column(Integer, server_default=str(PLAIN))

    def label(self, lang: str = "zh") -> str:
        return ACTIONS.format(self.action, lang) if self.action in ACTIONS else self.action


# The fields a row's hash covers, by hash_version: the legacy rows' list is frozen; a field
# added to the audit row joins the keyed list.
HASHED_PLAIN = ("created_at", "actor_id", "actor_name", "actor_kind", "ip", "action",
                "target_kind", "target_id", "before", "after", "detail", "prev_hash")
HASHED = (*HASHED_PLAIN, "hash_version", "user_agent")


class AuditKeyMissing(RuntimeError):
    """No audit key: the chain cannot be written or checked."""


def key_of(session: Session) -> bytes:
    """The audit key the session carries (the app's setting), else LOWCODE_AUDIT_KEY."""
    key = session.info.get(KEY_INFO) or os.environ.get(AUDIT_KEY_ENV)
    if not key:
        raise AuditKeyMissing(f"{AUDIT_KEY_ENV} 未设置，无法写入或校验审计链 / "
                              f"{AUDIT_KEY_ENV} is not set: the audit chain cannot be "
                              "written or checked")
    return key.encode("utf-8") if isinstance(key, str) else bytes(key)


def hashed_content(row: Any) -> bytes:
    """The canonical JSON (sorted keys, no spaces, UTF-8) of the fields the row's
    hash_version covers, the time as ISO text in UTC so that SQLite and PostgreSQL agree."""
    fields = HASHED_PLAIN if row.hash_version == PLAIN else HASHED
    content = {name: getattr(row, name) for name in fields}
    content["created_at"] = iso_utc(row.created_at)
    return json.dumps(content, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def chain_hash(row: Any, key: bytes) -> str:
    """The row's hash: HMAC-SHA256 with `key` of `hashed_content`, or for a legacy row
    (hash_version 1) its plain SHA-256."""
    content = hashed_content(row)
    if row.hash_version == PLAIN:
        return hashlib.sha256(content).hexdigest()
    return hmac.new(key, content, hashlib.sha256).hexdigest()


def iso_utc(moment: datetime) -> str:
    """ISO text in UTC with microseconds; SQLite hands back naive datetimes, which are UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


# --- writing ------------------------------------------------------------------------------


def record(session: Session, *, action: str, actor: Actor = SYSTEM,
           target: tuple[str, object] | None = None, before: Any = None, after: Any = None,
           ip: str | None = None, user_agent: str | None = None,
           detail: str | None = None) -> AuditEntry:
    """Append one audit row to `session`'s transaction (flushed, not committed): the caller's
    commit stores it together with the change it records, and a rollback drops both."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; known: {', '.join(ACTIONS.codes())}")
    target_kind, target_id = (None, None) if target is None else (target[0], str(target[1]))
    entry = AuditEntry(
        created_at=utcnow(), actor_id=None if actor.id is None else str(actor.id),
        actor_name=actor.name, actor_kind=actor.kind, ip=ip, action=action,
        user_agent=user_agent[:USER_AGENT_MAX] if user_agent else None,
        target_kind=target_kind, target_id=target_id, before=_plain(before),
        after=_plain(after), detail=None if detail is None else detail[:DETAIL_MAX],
        hash_version=KEYED)
    key = key_of(session)
    entry.prev_hash = _last_hash_locked(session)
    entry.hash = chain_hash(entry, key)
    # One plain INSERT (a row written once needs no unit of work); executed now, so the
    # next record() in this transaction sees this row as the last.
    values = {name: getattr(entry, name) for name in (*HASHED, "hash")}
    entry.id = session.connection().execute(_INSERT, values).inserted_primary_key[0]
    return entry


def _plain(value: Any) -> Any:
    """`value` as JSON gives it back (dates become text), so the stored value is the hashed one."""
    return None if value is None else json.loads(json.dumps(value, ensure_ascii=False,
                                                            default=str))


def _last_hash_locked(session: Session) -> str:
    """The hash of the newest row, read only once this transaction is the only appender.

    PostgreSQL: a transaction-level advisory lock, held until commit or rollback, orders the
    appenders; under READ COMMITTED the SELECT after it sees the previous appender's row.
    SQLite: one writer at a time, but pysqlite opens the transaction lazily at the first
    write, so a SELECT before any write could read a last row that another connection is
    about to follow. A write that touches no row (`DELETE ... WHERE 0`; the row triggers do
    not fire) makes this transaction take the database write lock first (waiting up to the
    busy timeout), so the SELECT after it reads the final last row.
    A transaction that has written already (a submission, a case) holds that lock: no write
    is added for it.
    The unique `prev_hash` is the backstop: a forked append fails instead of committing.
    """
    # On the session's connection, not through session.execute: the ORM's execution path
    # costs more than these one-value statements themselves, on every audited action.
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(_PG_LOCK, {"key": ADVISORY_LOCK_KEY})
    elif not connection.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
        connection.execute(_SQLITE_LOCK)
    return connection.execute(_LAST_HASH).scalar() or GENESIS


# Built once: an audit record is part of every submit and every task action.
_PG_LOCK = text("SELECT pg_advisory_xact_lock(:key)")
_SQLITE_LOCK = text("DELETE FROM audit_log WHERE 0")
_TABLE = AuditEntry.__table__
_LAST_HASH = select(_TABLE.c.hash).order_by(_TABLE.c.id.desc()).limit(1)  # Core: no ORM
_INSERT = insert(_TABLE)


# --- checking -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Anchor:
    """The head of the log at a moment, kept outside the database: the newest row's id and
    hash (0 and GENESIS for an empty log), how many rows there were, and when (ISO, UTC)."""

    last_id: int
    hash: str
    count: int
    at: str

    def as_dict(self) -> dict[str, Any]:
        return {"last_id": self.last_id, "hash": self.hash, "count": self.count, "at": self.at}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Anchor:
        """Raises ValueError for a value that is not an anchor."""
        try:
            anchor = cls(int(data["last_id"]), str(data["hash"]), int(data["count"]),
                         str(data["at"]))
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"not an audit anchor: {error}") from None
        if len(anchor.hash) != len(GENESIS) or anchor.last_id < 0:
            raise ValueError("not an audit anchor: bad hash or id")
        return anchor


def head(session: Session) -> Anchor:
    """The anchor of the log as it is now."""
    table = AuditEntry.__table__
    last = session.execute(select(table.c.id, table.c.hash).order_by(table.c.id.desc())
                           .limit(1)).first()
    count = session.scalar(select(func.count()).select_from(table)) or 0
    return Anchor(last.id if last else 0, last.hash if last else GENESIS, count,
                  iso_utc(utcnow()))


Reason = Literal["hash", "link", "downgrade", "unanchored", "truncated", "anchor"]


@dataclass(frozen=True)
class VerifyResult:
    """`ok` with `count` rows (`legacy` of them plain SHA-256 rows from before the key);
    else the first broken row: its 1-based `position` in id order, its `row_id`, and
    `reason`: "hash" (its content was changed, or hashed without the key), "link" (its
    prev_hash does not name the row before it: a row was removed or inserted before it),
    "downgrade" (a legacy row after a keyed one), "unanchored" (a legacy row no anchor
    covers), or against the anchor: "truncated" (the anchored row is gone) or "anchor" (the
    anchored row's hash changed)."""

    ok: bool
    count: int
    row_id: int | None = None
    position: int | None = None
    reason: Reason | None = None
    legacy: int = 0

    def message(self, lang: str = "zh") -> str:
        if self.ok:
            return VERIFY_MESSAGES.format("ok" if not self.legacy else "ok_legacy", lang,
                                          count=self.count, legacy=self.legacy)
        return VERIFY_MESSAGES.format(self.reason or "hash", lang, position=self.position,
                                      id=self.row_id)


VERIFY_MESSAGES = Catalogue({
    "ok": ("审计日志完整：共 {count} 条记录", "audit log intact: {count} record(s)"),
    "ok_legacy": ("审计日志完整：共 {count} 条记录，其中 {legacy} 条是启用密钥前的旧记录"
                  "（普通 SHA-256）",
                  "audit log intact: {count} record(s), {legacy} of them from before the key "
                  "(plain SHA-256)"),
    "hash": ("第 {position} 条记录（id={id}）被篡改：哈希不符",
             "record {position} (id={id}) was tampered with: its hash does not match"),
    "link": ("第 {position} 条记录（id={id}）被篡改：与上一条记录的链接断开"
             "（之前的记录被删除或插入）",
             "record {position} (id={id}) was tampered with: its link to the record before it "
             "is broken (a record before it was deleted or inserted)"),
    "downgrade": ("第 {position} 条记录（id={id}）被篡改：启用密钥后出现了旧格式的记录",
                  "record {position} (id={id}) was tampered with: an old-format record "
                  "follows keyed ones"),
    "unanchored": ("第 {position} 条记录（id={id}）是启用密钥前的旧格式记录，没有覆盖它的锚点："
                   "请在升级后先校验、再运行 lowcode audit anchor，并用 --anchor 校验",
                   "record {position} (id={id}) is an old-format record from before the key and "
                   "no anchor covers it: after the upgrade verify, run lowcode audit anchor, and "
                   "verify with --anchor"),
    "truncated": ("审计日志被截断：锚点记录的第 {id} 号记录已不存在（末尾的记录被删除）",
                  "the audit log was truncated: record id={id} of the anchor is gone "
                  "(the newest records were deleted)"),
    "anchor": ("第 {position} 条记录（id={id}）被篡改：与锚点记录的哈希不符（日志被重写）",
               "record {position} (id={id}) was tampered with: its hash differs from the "
               "anchor's (the log was rewritten)"),
})


def verify(session: Session, anchor: Anchor | None = None, batch: int = 1000) -> VerifyResult:
    """Walk the log in id order with the key and report the first broken row, or ok with the
    row count; with `anchor`, the anchored row must be there with the anchored hash."""
    key = key_of(session)
    expected, count, legacy, anchored = GENESIS, 0, 0, anchor is None or anchor.last_id == 0
    for count, entry in enumerate(_walk(session, batch), start=1):
        broken = _broken(entry, key, expected, keyed_seen=count - 1 > legacy,
                         anchored_until=anchor.last_id if anchor else 0)
        if broken is None and anchor is not None and entry.id == anchor.last_id:
            broken, anchored = (None if entry.hash == anchor.hash else "anchor"), True
        if broken is not None:
            return VerifyResult(False, count - 1, entry.id, count, broken, legacy)
        legacy += entry.hash_version == PLAIN
        expected = entry.hash
    if not anchored:
        assert anchor is not None
        return VerifyResult(False, count, anchor.last_id, None, "truncated", legacy)
    return VerifyResult(True, count, legacy=legacy)


def _broken(entry: Row[Any], key: bytes, expected: str, *, keyed_seen: bool,
            anchored_until: int) -> Reason | None:
    """Why one row breaks the chain, or None."""
    if entry.hash_version == PLAIN and keyed_seen:
        return "downgrade"
    if entry.hash_version == PLAIN and entry.id > anchored_until:
        return "unanchored"
    if not hmac.compare_digest(chain_hash(entry, key), entry.hash):
        return "hash"
    if entry.prev_hash != expected:
        return "link"
    return None


def _walk(session: Session, batch: int) -> Iterator[Row[Any]]:
    """Every row in id order, a batch at a time by keyset; plain rows, not ORM objects, so
    that a long log does not fill the session's identity map."""
    table, after = AuditEntry.__table__, 0
    while True:
        rows = session.execute(select(table).where(table.c.id > after)
                               .order_by(table.c.id).limit(batch)).all()
        yield from rows
        if len(rows) < batch:
            return
        after = rows[-1].id


# --- reading ------------------------------------------------------------------------------


def search(session: Session, *, actor: str | None = None, action: str | None = None,
           target_kind: str | None = None, target_id: str | None = None,
           since: datetime | None = None, until: datetime | None = None, limit: int = 50,
           before_id: int | None = None) -> Sequence[AuditEntry]:
    """Rows matching every given filter, newest first, at most `limit`. For the next page
    pass the last row's id as `before_id`. `actor` is an actor id; `since` is inclusive and
    `until` exclusive; naive datetimes are taken as UTC."""
    query = select(AuditEntry)
    for column, value in ((AuditEntry.actor_id, actor), (AuditEntry.action, action),
                          (AuditEntry.target_kind, target_kind),
                          (AuditEntry.target_id, target_id)):
        if value is not None:
            query = query.where(column == str(value))
    if since is not None:
        query = query.where(AuditEntry.created_at >= _utc(since))
    if until is not None:
        query = query.where(AuditEntry.created_at < _utc(until))
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    return session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit)).all()


def _utc(moment: datetime) -> datetime:
    """UTC-aware: SQLite stores the wall-clock fields, so every bound value must be in UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
