"""The shipped birth pack's own items (scenario_packs/birth_one_thing): a case carried to the
end tells the applicant it is closed in words of its own, not the acceptance's again; the
guardians' relations are the Civil Code's full list; titles quote “一件事” with Chinese
quotation marks."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from store.casework import BIRTH, claim_and_complete, publish, staff, start, tasks

from runtime.definitions.loader import load_text
from runtime.packs import check_path
from runtime.store.cases import CaseEvent, CaseRow
from runtime.store.queries import latest_definition

WHO = {"GOVSVC": staff(1, "GOVSVC"), "HEALTH": staff(2, "HEALTH"), "POLICE": staff(3, "POLICE"),
       "MEDINS": staff(4, "MEDINS"), "HRSS": staff(5, "HRSS")}


def test_a_finished_case_tells_the_applicant_it_is_closed(session: Session) -> None:
    publish(session, BIRTH)
    case = start(session)
    for _ in range(20):  # every open task in turn, by its department
        live = [t for t in tasks(session, case.id) if t.status == "open"]
        if not live:
            break
        claim_and_complete(session, case.id, WHO[str(live[0].department)], live[0].no)
    session.refresh(case)
    assert case.status == "done"
    told = [e.detail["zh"] for e in session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action == "feedback")
        .order_by(CaseEvent.id))]
    assert told[0] == "您的申请已受理"
    assert told[-1].startswith("新生儿出生“一件事”已全部办结")
    assert told.count("您的申请已受理") == 1  # the close no longer repeats the acceptance
    assert session.scalars(select(CaseRow.process_version)).one() == 3


def test_the_guardians_relations_are_the_civil_codes_full_list(session: Session) -> None:
    publish(session, BIRTH)
    row = latest_definition(session, "Catalog", "guardian_relations")
    assert row is not None
    labels = [item["label"]["zh"] for item in row.data["items"]]
    assert labels[:8] == ["父亲", "母亲", "祖父", "祖母", "外祖父", "外祖母", "兄", "姐"]
    assert labels[8:] == ["其他监护人（经居民委员会、村民委员会或民政部门同意的个人）",
                          "其他监护组织（经居民委员会、村民委员会或民政部门同意）"]


def test_titles_quote_one_thing_with_chinese_quotation_marks() -> None:
    assert check_path(BIRTH).ok
    for path in sorted(BIRTH.rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert '"一件事' not in text and '一件事"' not in text, path
    pack = load_text("pack.yaml", (BIRTH / "pack.yaml").read_text(encoding="utf-8"))
    assert pack.data["title"]["zh"] == "新生儿出生“一件事”联办"
