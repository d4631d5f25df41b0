"""`lowcode cases start FORM LIST --as USER`: cases started in a batch from a CSV or XLSX list
(免申即享: the enterprises a data match found eligible), each row checked by the start form;
one bad row starts none, and the same list run twice starts nothing twice."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from runtime.casework.submissions import submit_validated
from runtime.definitions.spec import FormSpec
from runtime.store.accounts import Citizen
from runtime.store.audit import AuditEntry
from runtime.store.cases import CaseRow
from runtime.store.queries import latest_definition
from runtime.store.submissions import Submission

PACK = {
    "pack.yaml": """\
kind: Pack
id: batch_test
version: 1
format: 1
title: 免申即享测试
departments: [{code: FINANCE, name: 财政局}]
roles: [{code: clerk, name: 办事员}]
""",
    "forms/eligible.yaml": """\
kind: Form
id: eligible
version: 1
title: 免申即享名单
department: FINANCE
audience: staff
fields:
  - {id: company, type: text, label: 企业名称, required: true}
  - {id: amount, type: integer, label: 兑付金额, required: true, min: 1}
""",
    "tasks/confirm.yaml": """\
kind: TaskTemplate
id: confirm
version: 1
title: 企业确认
content: {instructions: 请企业确认}
coordination: {assignee: {department: FINANCE, role: clerk}}
""",
    "processes/redeem.yaml": """\
kind: Process
id: redeem
version: 1
title: 免申即享兑付
start_form: eligible
steps: [{id: confirm, task: confirm}]
""",
}


@pytest.fixture
def ready(run: Callable[..., Result], tmp_path: Path) -> Callable[..., Result]:
    pack = tmp_path / "pack"
    for name, text in PACK.items():
        (pack / name).parent.mkdir(parents=True, exist_ok=True)
        (pack / name).write_text(text, encoding="utf-8")
    assert run("db", "upgrade").exit_code == 0
    imported = run("import", str(pack))
    assert imported.exit_code == 0, imported.output
    added = run("users", "add", "li", "--name", "李会计", "--department", "FINANCE",
                "--role", "clerk", "--password", "a-long-Passw0rd!")
    assert added.exit_code == 0, added.output
    return run


def _counts(session: Session) -> tuple[int, int]:
    return (session.scalar(select(func.count()).select_from(Submission)) or 0,
            session.scalar(select(func.count()).select_from(CaseRow)) or 0)


def test_each_row_starts_a_case_and_a_rerun_starts_none(
        ready: Callable[..., Result], tmp_path: Path, session: Session) -> None:
    listed = tmp_path / "eligible.csv"
    listed.write_text("company,amount\n华兴科技有限公司,550000\n东方制造有限公司,120000\n",
                      encoding="utf-8")
    first = ready("cases", "start", "eligible", str(listed), "--as", "li")
    assert first.exit_code == 0, first.output
    assert "已发起 2 件（名单共 2 行）" in first.output
    assert _counts(session) == (2, 2)
    again = ready("cases", "start", "eligible", str(listed), "--as", "li")
    assert "已发起 0 件（名单共 2 行）" in again.output
    assert _counts(session) == (2, 2)


def test_an_xlsx_list_works_the_same(ready: Callable[..., Result], tmp_path: Path,
                                     session: Session) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (["company", "amount"], ["华兴科技有限公司", 550000]):
        sheet.append(row)
    book.save(tmp_path / "eligible.xlsx")
    result = ready("cases", "start", "eligible", str(tmp_path / "eligible.xlsx"), "--as", "li")
    assert result.exit_code == 0, result.output
    assert _counts(session) == (1, 1)


def test_one_bad_row_starts_none_and_each_error_names_its_row_and_field(
        ready: Callable[..., Result], tmp_path: Path, session: Session) -> None:
    listed = tmp_path / "eligible.csv"
    listed.write_text("company,amount,extra\n华兴科技有限公司,550000,\n,一百,x\n",
                      encoding="utf-8")
    result = ready("cases", "start", "eligible", str(listed), "--as", "li")
    assert result.exit_code == 1
    assert "eligible.csv 第 3 行 company：" in result.output
    assert "eligible.csv 第 3 行 amount：" in result.output
    assert "eligible.csv 第 1 行 extra：表单中没有此字段" in result.output
    assert "第 2 行" not in result.output
    assert "未发起任何案件：2 行不合格" in result.output
    assert _counts(session) == (0, 0)


POLICY = Path(__file__).parents[2] / "scenario_packs" / "policy_redemption"
LIST = POLICY / "assets" / "pr_auto_list.csv"


def test_the_policy_list_decides_its_rules_per_row_and_gives_each_enterprise_its_case(
        run: Callable[..., Result], tmp_path: Path, session: Session) -> None:
    """免申即享 with the shipped pack: a row whose rules fail refuses the list, naming the
    row and every failing clause; a good list gives the registered enterprise its own case,
    waiting for its confirmation, with the amount the rules computed."""
    assert run("db", "upgrade").exit_code == 0
    assert run("import", str(POLICY)).exit_code == 0
    assert run("users", "add", "huang", "--name", "黄审核", "--department", "INDUSTRY",
               "--role", "clerk", "--password", "a-long-Passw0rd!").exit_code == 0
    session.add(Citizen(kind="enterprise", mobile="13912345679", display_name="星河智能",
                        uscc="91110000600037341L", password_hash=""))
    session.commit()
    bad = tmp_path / "bad.csv"
    bad.write_text(LIST.read_text(encoding="utf-8").replace("true,false,3200000",
                                                            "false,false,900000"),
                   encoding="utf-8")
    refused = run("cases", "start", "pr_auto_list", str(bad), "--as", "huang")
    assert refused.exit_code == 1
    assert "bad.csv 第 2 行 规则：上年度研发费用不足 100 万元" in refused.output
    assert "企业须在本市登记注册（依据：" in refused.output
    assert _counts(session) == (0, 0)
    started = run("cases", "start", "pr_auto_list", str(LIST), "--as", "huang")
    assert started.exit_code == 0, started.output
    rows = {r.data["uscc"]: r for r in session.scalars(select(Submission))}
    mine = rows["91110000600037341L"]
    assert (mine.owner_kind, mine.status) == ("citizen", "confirm")
    assert rows["91110108MA01ABCDEN"].owner_kind == "staff"  # no account yet: the bureau's
    assert mine.rules is not None and mine.rules["names"]["pr_auto_rules"]["amount"] == 320000
    created = session.scalars(select(AuditEntry).where(
        AuditEntry.action == "submission.create")).all()
    assert {e.actor_name for e in created} == {"staff:1"}  # the bureau started them
# --- from a query over records (免申即享 from the data the government holds) -------------

REGISTER = {
    "forms/enterprise.yaml": """\
kind: Form
id: enterprise
version: 1
title: 企业台账
department: FINANCE
audience: staff
fields:
  - {id: company, type: text, label: 企业名称, required: true}
  - {id: amount, type: integer, label: 核定金额}
  - {id: high_tech, type: yes_no, label: 高新技术企业}
""",
    "forms/offer.yaml": """\
kind: Form
id: offer
version: 1
title: 免申即享兑付
department: FINANCE
audience: staff
fields:
  - {id: enterprise, type: related_record, label: 企业, related_form: enterprise, required: true}
  - {id: company, type: text, label: 企业名称, required: true}
  - {id: amount, type: integer, label: 兑付金额, required: true, min: 1}
""",
    "processes/offer_flow.yaml": """\
kind: Process
id: offer_flow
version: 1
title: 免申即享兑付流程
start_form: offer
steps: [{id: confirm, task: confirm}]
""",
}


@pytest.fixture
def registered(run: Callable[..., Result], tmp_path: Path, session: Session
               ) -> Callable[..., Result]:
    pack = tmp_path / "pack"
    for name, text in {**PACK, **REGISTER}.items():
        (pack / name).parent.mkdir(parents=True, exist_ok=True)
        (pack / name).write_text(text, encoding="utf-8")
    assert run("db", "upgrade").exit_code == 0
    assert run("import", str(pack)).exit_code == 0
    assert run("users", "add", "li", "--name", "李会计", "--department", "FINANCE", "--role",
               "clerk", "--password", "a-long-Passw0rd!").exit_code == 0
    form = latest_definition(session, "Form", "enterprise")
    assert form is not None and isinstance(form.spec, FormSpec)
    for n, (company, amount, high_tech) in enumerate([("华兴科技", 550000, True),
                                                       ("东方制造", 120000, False),
                                                       ("启明软件", None, True)]):
        submit_validated(session, form=form.spec, idempotency_key=f"e{n}",
                         data={"company": company, "amount": amount, "high_tech": high_tech})
    return run


def _offers(session: Session) -> list[dict]:
    return [row.data for row in session.scalars(
        select(Submission).where(Submission.form_id == "offer").order_by(Submission.id))]


def test_one_case_per_matching_record_and_a_rerun_starts_none(
        registered: Callable[..., Result], session: Session) -> None:
    where = "high_tech and amount is not None"
    result = registered("cases", "start", "offer", "--from-records", "enterprise",
                        "--where", where, "--as", "li")
    assert result.exit_code == 0, result.output
    assert "已发起 1 件（名单共 1 行）" in result.output
    [offer] = _offers(session)
    assert (offer["company"], offer["amount"]) == ("华兴科技", 550000)
    record = session.scalars(select(Submission).where(
        Submission.tracking_no == offer["enterprise"])).one()
    assert record.form_id == "enterprise"  # the case names the record it is about
    again = registered("cases", "start", "offer", "--from-records", "enterprise",
                       "--where", where, "--as", "li")
    assert "已发起 0 件" in again.output and len(_offers(session)) == 1
    assert session.scalar(select(func.count()).select_from(CaseRow)) == 1


def test_a_record_the_start_form_refuses_starts_none_naming_the_record(
        registered: Callable[..., Result], session: Session) -> None:
    result = registered("cases", "start", "offer", "--from-records", "enterprise",
                        "--where", "high_tech", "--as", "li")
    assert result.exit_code == 1
    assert "记录 " in result.output and " amount：" in result.output  # 启明软件: no amount
    assert "未发起任何案件：1 行不合格" in result.output
    assert _offers(session) == []


def test_a_filter_naming_no_field_of_the_register_is_refused_with_did_you_mean(
        registered: Callable[..., Result]) -> None:
    result = registered("cases", "start", "offer", "--from-records", "enterprise",
                        "--where", "hightech", "--as", "li")
    assert result.exit_code == 1
    assert "筛选条件 `hightech`" in result.output and "high_tech" in result.output
    both = registered("cases", "start", "offer", "x.csv", "--from-records", "enterprise",
                      "--as", "li")
    assert both.exit_code != 0
