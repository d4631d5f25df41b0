"""Packs own their ids (issue 13 item 6): two packs that each define the form `task_opinion`
and the template `accept` check clean, import together, and each one's process runs with its
own; a pack uses a library pack's template by its qualified name `pack:id`."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from runtime.demo import seed_demo
from runtime.packs import check_path
from runtime.store.cases import CaseRow
from runtime.store.publish import publish_pack
from runtime.web.database import store
from web.test_workbench import Person

PACK = """\
kind: Pack
id: {pack}
version: 1
format: 1
title: {pack}
publisher: {pack} 团队
departments:
  - {{code: GOVSVC, name: 政务服务中心}}
roles:
  - {{code: clerk, name: 办事员}}
{requires}"""
APPLY = """\
kind: Form
id: {pack}_apply
version: 1
title: {pack} 申请
department: GOVSVC
fields:
  - {{id: applicant, type: text, label: 申请人}}
"""
OPINION = """\
kind: Form
id: task_opinion
version: 1
title: {pack} 的办理意见
fields:
  - {{id: {pack}_note, type: text, label: {pack} 备注}}
"""
ACCEPT = """\
kind: TaskTemplate
id: accept
version: 1
title: {pack} 受理
content: {{instructions: 按 {pack} 的规定办理, form: {form}}}
coordination:
  assignee: {{department: GOVSVC, role: clerk}}
"""
FLOW = """\
kind: Process
id: {pack}_flow
version: 1
title: {pack} 流程
start_form: {pack}_apply
steps:
  - {{id: first, task: {task}}}
"""


def write_pack(root: Path, pack: str, *, task: str = "accept", requires: str = "",
               own: bool = True, form: str = "task_opinion") -> Path:
    files = {"pack.yaml": PACK, "forms/apply.yaml": APPLY, "processes/flow.yaml": FLOW}
    if own:
        files |= {"forms/opinion.yaml": OPINION, "tasks/accept.yaml": ACCEPT}
    if form != "task_opinion":
        del files["forms/opinion.yaml"]
    folder = root / pack
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text.format(pack=pack, task=task, requires=requires,
                                               form=form), encoding="utf-8")
    return folder


@pytest.fixture
def two_packs(app: Flask, tmp_path: Path) -> Flask:
    with store(app).sessions() as session:
        seed_demo(session, env="testing")
        for pack in ("alpha", "beta"):
            result = check_path(write_pack(tmp_path, pack))
            assert result.ok, [p.render() for p in result.problems]
            publish_pack(session, result)
    return app


def apply(app: Flask, form: str) -> str:
    response = app.test_client().post(f"/api/forms/{form}/submissions",
                                      json={"data": {"applicant": "张三"}})
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["tracking_no"])


def test_two_packs_with_the_same_ids_each_run_with_their_own(two_packs: Flask) -> None:
    alpha, beta = apply(two_packs, "alpha_apply"), apply(two_packs, "beta_apply")
    clerk = Person(two_packs, "clerk_govsvc")
    page = clerk.done(alpha, 1, "claim")
    assert "alpha 受理" in page and "按 alpha 的规定办理" in page
    assert 'name="alpha_note"' in page and 'name="beta_note"' not in page
    page = clerk.done(beta, 1, "claim")
    assert "beta 受理" in page and "按 beta 的规定办理" in page
    assert 'name="beta_note"' in page and 'name="alpha_note"' not in page
    with store(two_packs).sessions() as session:
        packs = {row.tracking_no: row.process_pack for row in session.query(CaseRow)}
    assert packs == {alpha: "alpha", beta: "beta"}


def test_a_bare_id_outside_a_pack_is_its_first_owners_and_pack_id_names_either(
        two_packs: Flask) -> None:
    client = two_packs.test_client()
    first = client.get("/forms/task_opinion")
    qualified = client.get("/forms/beta:task_opinion")
    # Handler forms are for handlers only; what matters is which form each name found.
    assert first.status_code == qualified.status_code
    with store(two_packs).sessions() as session:
        heads = store(two_packs).heads
        assert heads.get(lambda: session, "Form", "task_opinion").pack_id == "alpha"
        assert heads.get(lambda: session, "Form", "beta:task_opinion").pack_id == "beta"
        assert heads.get(lambda: session, "Form", "task_opinion", None, "beta").pack_id == "beta"
        assert heads.get(lambda: session, "Form", "gamma:task_opinion") is None


def test_a_pack_uses_a_required_packs_template_by_its_qualified_name(
        two_packs: Flask, tmp_path: Path) -> None:
    folder = write_pack(tmp_path, "gamma", task="beta:accept", requires="requires: [beta]\n",
                        own=False)
    result = check_path(folder)
    assert result.ok, [p.render() for p in result.problems]
    with store(two_packs).sessions() as session:
        publish_pack(session, result)
    number = apply(two_packs, "gamma_apply")
    page = Person(two_packs, "clerk_govsvc").done(number, 1, "claim")
    assert "beta 受理" in page and 'name="beta_note"' in page


def test_a_packs_own_template_uses_a_required_packs_form_by_its_qualified_name(
        two_packs: Flask, tmp_path: Path) -> None:
    folder = write_pack(tmp_path, "zeta", form="beta:task_opinion",
                        requires="requires: [beta@1]\n")
    result = check_path(folder)
    assert result.ok, [p.render() for p in result.problems]
    with store(two_packs).sessions() as session:
        publish_pack(session, result)
    number = apply(two_packs, "zeta_apply")
    page = Person(two_packs, "clerk_govsvc").done(number, 1, "claim")
    assert "zeta 受理" in page and 'name="beta_note"' in page


def test_the_checker_refuses_a_qualified_name_of_an_undeclared_or_unknown_pack(
        tmp_path: Path) -> None:
    write_pack(tmp_path, "beta")
    undeclared = check_path(write_pack(tmp_path, "gamma", task="beta:accept", own=False))
    assert [(p.code, p.path) for p in undeclared.problems] == [
        ("undeclared_pack", "steps[0].task")]
    assert "requires: [beta]" in undeclared.problems[0].zh
    misspelt = check_path(write_pack(tmp_path, "delta", task="beta:acept",
                                     requires="requires: [beta]\n", own=False))
    assert [p.code for p in misspelt.problems] == ["unknown_ref"]
    assert "beta:accept" in misspelt.problems[0].zh  # did you mean
    missing = check_path(write_pack(tmp_path, "omega", task="nowhere:accept",
                                    requires="requires: [nowhere]\n", own=False))
    assert [(p.code, p.path) for p in missing.problems] == [("missing_pack", "requires[0]")]
    old = check_path(write_pack(tmp_path, "psi", task="beta:accept",
                                requires="requires: [beta@2]\n", own=False))
    assert [p.code for p in old.problems] == ["missing_pack"]
    assert "第 2 版或更高" in old.problems[0].zh


def test_a_pack_cannot_require_itself_nor_a_pack_that_does_not_check_clean(
        tmp_path: Path) -> None:
    itself = check_path(write_pack(tmp_path, "alpha", requires="requires: [alpha]\n"))
    assert [(p.code, p.path) for p in itself.problems] == [("pack_requires_self", "requires[0]")]
    broken = write_pack(tmp_path, "beta")
    (broken / "forms" / "opinion.yaml").write_text("kind: Form\nid: task_opinion\nversion: 1\n",
                                                   encoding="utf-8")
    user = check_path(write_pack(tmp_path, "gamma", task="beta:accept",
                                 requires="requires: [beta]\n", own=False))
    assert [p.code for p in user.problems] == ["required_unclean"]
    assert "'beta'" in user.problems[0].zh and "does not check clean" in user.problems[0].en
