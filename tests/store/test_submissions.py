"""Submissions are stored once per idempotency key, guests follow them by tracking number and
code, drafts resume by a secret link, and attachments are checked by their content."""

from __future__ import annotations

import io
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from runtime.casework import submissions as casework
from runtime.casework.submissions import KeyReused
from runtime.casework.submissions import submit_validated as submit
from runtime.definitions.spec import FieldSpec, FormSpec
from runtime.i18n import Label
from runtime.store import ratelimit, submissions
from runtime.store.db import session_factory
from runtime.store.files import (
    Attachment,
    FileRefused,
    LocalFileStore,
    remove_unclaimed,
    store_file,
)
from runtime.store.models import utcnow
from runtime.store.submissions import (
    GUEST,
    Draft,
    Owner,
    Submission,
    find_for_tracking,
    load_draft,
    save_draft,
)

FORM = FormSpec(kind="Form", id="apply", version=2, title=Label("申请"), department="GOVSVC",
                fields=(FieldSpec(id="name", type="text", label=Label("姓名")),))
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Submission)) or 0


def test_a_submission_remembers_its_form_version_and_gives_a_receipt(session: Session) -> None:
    receipt = submit(session, form=FORM, data={"name": "张三"}, idempotency_key="k1")
    assert receipt.created and len(receipt.tracking_no) == 16
    assert receipt.tracking_no.isdigit() and len(receipt.verification_code) == 10
    row = session.scalars(select(Submission)).one()
    assert (row.form_id, row.form_version, row.department_code) == ("apply", 2, "GOVSVC")
    assert row.data == {"name": "张三"}


def test_the_same_key_twice_makes_one_submission_and_the_same_receipt(session: Session) -> None:
    first = submit(session, form=FORM, data={"name": "张三"}, idempotency_key="k1")
    second = submit(session, form=FORM, data={"name": "张三"}, idempotency_key="k1")
    assert (second.tracking_no, second.verification_code) == (first.tracking_no,
                                                              first.verification_code)
    assert not second.created and count(session) == 1


def test_the_same_key_with_other_data_is_refused_and_stores_nothing(session: Session) -> None:
    submit(session, form=FORM, data={"name": "张三"}, idempotency_key="k1")
    with pytest.raises(KeyReused):
        submit(session, form=FORM, data={"name": "李四"}, idempotency_key="k1")
    assert count(session) == 1


def test_a_key_belongs_to_its_submitter(session: Session) -> None:
    mine = submit(session, form=FORM, data={"name": "张三"}, idempotency_key="k1",
                  submitter="session:a")
    theirs = submit(session, form=FORM, data={"name": "张三"}, idempotency_key="k1",
                    submitter="session:b")
    assert theirs.created and theirs.tracking_no != mine.tracking_no and count(session) == 2


def test_the_same_key_at_the_same_moment_makes_one_submission(engine: Engine) -> None:
    sessions = session_factory(engine)
    barrier = threading.Barrier(4)
    receipts = []

    def worker() -> None:
        with sessions() as session:
            barrier.wait()
            receipts.append(submit(session, form=FORM, data={}, idempotency_key="race"))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({r.tracking_no for r in receipts}) == 1
    assert sum(r.created for r in receipts) == 1
    with sessions() as session:
        assert count(session) == 1


def test_a_guest_follows_a_case_only_with_the_right_code(session: Session) -> None:
    receipt = submit(session, form=FORM, data={}, idempotency_key="k")
    found = find_for_tracking(session, f" {receipt.tracking_no} ", receipt.verification_code)
    assert found is not None and found.tracking_no == receipt.tracking_no
    wrong = "000000" if receipt.verification_code != "000000" else "111111"
    assert find_for_tracking(session, receipt.tracking_no, wrong) is None
    assert find_for_tracking(session, "2000010100000000", receipt.verification_code) is None


def test_a_draft_is_saved_updated_and_resumed_by_its_link(session: Session) -> None:
    token = save_draft(session, form=FORM, data={"name": "张"}, owner=Owner("citizen", 7))
    assert save_draft(session, form=FORM, data={"name": "张三"}, token=token) == token
    draft = load_draft(session, token)
    assert draft is not None and draft.data == {"name": "张三"} and draft.owner_id == 7
    assert load_draft(session, token + "x") is None
    assert token not in {d.token_hash for d in session.scalars(select(Draft))}


def test_an_expired_draft_does_not_open(session: Session) -> None:
    token = save_draft(session, form=FORM, data={})
    draft = load_draft(session, token)
    assert draft is not None
    draft.expires_at = draft.updated_at - timedelta(days=1)
    session.commit()
    assert load_draft(session, token) is None


def test_files_are_kept_by_content_type_under_random_keys(session: Session,
                                                         tmp_path: Path) -> None:
    files = LocalFileStore(tmp_path / "uploads")
    pdf = store_file(session, files, name="出生证明.pdf", data=io.BytesIO(PDF), owner=GUEST)
    png = store_file(session, files, name="../../照片.png", data=io.BytesIO(PNG),
                     owner=GUEST)
    session.commit()
    assert (pdf.content_type, pdf.original_name) == ("application/pdf", "出生证明.pdf")
    assert (png.content_type, png.original_name) == ("image/png", "照片.png")
    assert files.open(pdf.key).read() == PDF and pdf.key not in str(tmp_path / "uploads" / "出生")
    assert not list((tmp_path / "uploads").rglob("*.pdf"))  # stored under keys, not names


@pytest.mark.parametrize(("data", "code"), [
    (b"<html><script>alert(1)</script></html>", "file_type"),  # named .pdf, but it is not
    (b"", "file_empty"),
])
def test_files_are_refused_by_what_they_contain(session: Session, tmp_path: Path, data: bytes,
                                                code: str) -> None:
    with pytest.raises(FileRefused) as caught:
        store_file(session, LocalFileStore(tmp_path), name="材料.pdf", data=io.BytesIO(data),
                   owner=GUEST)
    assert caught.value.code == code


def test_a_file_larger_than_the_cap_is_refused(session: Session, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("runtime.store.files.MAX_FILE_BYTES", 10)
    with pytest.raises(FileRefused) as caught:
        store_file(session, LocalFileStore(tmp_path), name="a.pdf", data=io.BytesIO(PDF),
                   owner=GUEST)
    assert caught.value.code == "file_too_large"


def test_uploads_no_submission_claimed_go_after_their_time(session: Session,
                                                           tmp_path: Path) -> None:
    files = LocalFileStore(tmp_path / "uploads")
    kept, old, new = (store_file(session, files, name=f"{n}.pdf", data=io.BytesIO(PDF),
                                 owner=GUEST) for n in range(3))
    session.commit()
    receipt = submit(session, form=FORM, data={}, idempotency_key="k", attachments=[kept.key])
    assert receipt.created
    now = utcnow()
    for row in (kept, old):
        row.created_at = now - timedelta(hours=30)
    session.commit()
    assert remove_unclaimed(session, files, before=now - timedelta(hours=24)) == 1
    assert set(session.scalars(select(Attachment.key))) == {kept.key, new.key}
    assert {p.name for p in (tmp_path / "uploads").rglob("*") if p.is_file()} == {
        kept.key, new.key}


def test_a_rate_limit_counts_amounts(session: Session) -> None:
    now, period = utcnow(), timedelta(days=1)
    assert ratelimit.hit(session, "mb", period=period, now=now, amount=19) == 19
    assert ratelimit.hit(session, "mb", period=period, now=now, amount=19) == 38


def test_a_file_key_cannot_walk_out_of_the_folder(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        LocalFileStore(tmp_path).open("../../etc/passwd")


def test_a_tracking_number_already_taken_is_drawn_again(
        session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    first = submit(session, form=FORM, data={}, idempotency_key="first")
    drawn = iter([first.tracking_no, "2026120100000001"])
    monkeypatch.setattr(submissions, "_tracking_no", lambda: next(drawn))
    second = submit(session, form=FORM, data={}, idempotency_key="second")
    assert second.created and second.tracking_no == "2026120100000001"
    assert count(session) == 2


def test_when_every_drawn_number_is_taken_the_submission_says_so(
        session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    taken = submit(session, form=FORM, data={}, idempotency_key="first").tracking_no
    monkeypatch.setattr(submissions, "_tracking_no", lambda: taken)
    with pytest.raises(RuntimeError, match="could not find a free tracking number"):
        submit(session, form=FORM, data={}, idempotency_key="second")
    assert count(session) == 1


def test_another_integrity_fault_is_raised_as_it_is_and_stores_nothing(
        session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_session: Session, _row: Submission, _now: object = None) -> None:
        raise IntegrityError("INSERT INTO cases ...", {}, Exception("NOT NULL constraint"))

    monkeypatch.setattr(casework.incidents, "start_or_record", broken)
    with pytest.raises(IntegrityError, match="NOT NULL"):
        submit(session, form=FORM, data={}, idempotency_key="k")
    assert count(session) == 0
