"""The action registry: one entry per action. Whether an action is open is its engine guard
asked of the case as it is, which must agree with actually trying the action (on a copy)
whatever state random actions leave the case in, and must not change the case; a posted form
parses into the action's command or into errors by input name; a new action is one entry."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runtime.definitions.checker import check_documents
from runtime.definitions.loader import load_text
from runtime.definitions.spec import FormSpec, Party
from runtime.flows import actions, registry
from runtime.flows.case import Actor, TaskState
from runtime.flows.commands import (
    COMMANDS,
    AddSigner,
    AskCorrection,
    Claim,
    Command,
    Complete,
    Copy,
    DecideExtension,
    Extend,
    Return,
    Transfer,
)
from runtime.flows.engine import Flow
from runtime.flows.errors import FlowError
from runtime.flows.registry import Action, Choices, Invalid
from runtime.forms.references import MISSING
from runtime.providers import default_extensions, default_field_types

from .build import Run, build_plan, person, refused
from .test_properties import LEAD, MOVES, PLAN, STAFF, attempt

NOBODY = -1  # a user id no account has
REASON = "-"


def trial(name: str, flow: Flow, staff: actions.Staff, no: int) -> Any:
    """The action itself with harmless stand-in inputs: what the task page once ran on a
    copy of the case, for each action, to know which to show."""
    task = flow.case.task(no)
    if name == "return":
        targets = flow.plan.steps[task.step].can_return_to if task else ()
        return actions.return_to(flow, staff, no, targets[0] if targets else "", REASON)
    if name == "transfer":
        party = Party(department=task.department if task else None,
                      role=task.role if task else None)
        return actions.transfer(flow, staff, no, party, REASON)
    return {
        "claim": lambda: actions.claim(flow, staff, no),
        "ask_correction": lambda: actions.ask_correction(flow, staff, no, ("x",), REASON),
        "complete": lambda: actions.complete(flow, staff, no, opinion=REASON),
        "delegate": lambda: actions.delegate(flow, staff, no, NOBODY),
        "add_signer": lambda: actions.add_signer(flow, staff, no, NOBODY, "after"),
        "withdraw": lambda: actions.withdraw(flow, staff, no),
        "extend": lambda: actions.request_extension(flow, staff, no, 1, REASON),
        "decide_extension": lambda: actions.decide_extension(flow, staff, no, True),
        "suspend": lambda: actions.suspend(flow, staff, no, REASON),
        "resume": lambda: actions.resume(flow, staff, no),
        "remind": lambda: actions.remind(flow, staff, no),
        "supervise": lambda: actions.supervise(flow, staff, no, REASON),
        "copy": lambda: actions.copy_to(flow, staff, no, user_id=NOBODY),
    }[name]()


def tried(run: Run, staff: actions.Staff, no: int) -> list[str]:
    opened = []
    for name in registry.ACTIONS:
        flow = Flow(run.plan, copy.deepcopy(run.case), run.now, Actor(staff.user_id, staff.name))
        try:
            trial(name, flow, staff, no)
        except FlowError:
            continue
        opened.append(name)
    return opened


# Every state of every history asks every person about every task and tries all twelve
# actions on copies, so a few histories are many thousand trials; a new sample each run.
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(insure=st.booleans(),
       moves=st.lists(st.tuples(st.sampled_from(MOVES), st.integers(0, 10_000)),
                      min_size=5, max_size=30))
def test_the_guards_open_exactly_the_actions_that_would_succeed(insure: bool,
                                                                moves: list) -> None:
    run = Run.start(PLAN, {"insure": insure})
    people = [s for group in STAFF.values() for s in group] + [LEAD]
    for move, seed in moves:
        attempt(run, move, seed)
        before = copy.deepcopy(run.case)
        for task in run.case.tasks:
            for staff in people:
                opened = registry.open_actions(run.plan, run.case, staff, task.no, run.now)
                assert opened == tried(run, staff, task.no), (task.no, staff.name)
        assert run.case == before, "asking what is open changed the case"


# --- parsing a posted form --------------------------------------------------------------

CHOICES = Choices(role="clerk", targets=[("accept", "受理")],
                  departments=[("HEALTH", "卫健委"), ("POLICE", "公安局")],
                  colleagues=[(8, "李四"), (9, "王五")], handler=None,
                  types=default_field_types(),
                  application=(("name", "姓名"), ("id_no", "身份证号")))


def parse(name: str, lang: str = "zh", **posted: str) -> Command:
    return registry.ACTIONS[name].parse(posted, CHOICES, lang)


def test_no_outcome_is_assumed_and_a_reject_needs_an_opinion() -> None:
    """One click on 办理 with nothing chosen completes nothing; every problem is named."""
    with pytest.raises(Invalid) as nothing:
        parse("complete")
    assert nothing.value.errors == {"outcome": "请选择办理结果"}
    with pytest.raises(Invalid) as bare:
        parse("complete", "en", outcome="reject")
    assert bare.value.errors == {"opinion": "Write an opinion when you do not approve",
                                 "notice": "Write the reason the applicant is told"}


def test_each_action_parses_its_form_into_its_command() -> None:
    assert parse("claim") == Claim()
    assert parse("complete", outcome=" reject ", opinion=" 材料不全 ",
                 notice=" 缺少出生证明 ") == Complete("reject", "材料不全", {}, "缺少出生证明")
    assert parse("ask_correction", **{"fix.id_no": "1", "fix.other": "1"},
                 notice=" 号码有误 ") == AskCorrection(("id_no",), "号码有误")
    assert parse("complete", outcome="approve") == Complete()
    assert parse("return", target="accept", reason="补正") == Return("accept", "补正")
    assert parse("return") == Return("", None)  # the engine names the targets it allows
    assert parse("transfer", department="POLICE", reason="属公安") == Transfer(
        Party(department="POLICE", role="clerk"), "属公安")
    assert parse("add_signer", user="9", position="before") == AddSigner(9, "before", None)
    assert parse("extend", days="3", reason="补件") == Extend(3, "补件")
    assert parse("decide_extension", decision="refuse") == DecideExtension(False, None)
    assert parse("copy", user="8") == Copy(user_id=8)
    assert parse("copy", department="HEALTH") == Copy(to=Party(department="HEALTH"))


@pytest.mark.parametrize(("name", "posted", "errors"), [
    ("transfer", {"department": "NOWHERE"}, {"department": "请从列表中选择"}),
    ("delegate", {"user": "7"}, {"user": "请从列表中选择"}),
    ("add_signer", {"user": "8", "position": "above"}, {"position": "请从列表中选择"}),
    ("extend", {"days": "two"}, {"days": "请填写整数"}),
    ("extend", {"days": "12345"}, {"days": "请填写整数"}),
    ("decide_extension", {"decision": "maybe"}, {"decision": "请从列表中选择"}),
    ("copy", {}, {"department": "请选择抄送的部门或人员"}),
    ("complete", {"outcome": "reject", "opinion": "内部意见"},
     {"notice": "请填写告知申请人的理由"}),
    ("ask_correction", {"notice": "请补正"}, {"fields": "请选择需要补正的项目"}),
    ("ask_correction", {"fix.name": "1"}, {"notice": "请填写告知申请人的理由"}),
])
def test_input_the_pages_lists_do_not_allow_is_refused_by_input_name(
        name: str, posted: dict[str, str], errors: dict[str, str]) -> None:
    with pytest.raises(Invalid) as invalid:
        registry.ACTIONS[name].parse(posted, CHOICES, "zh")
    assert invalid.value.errors == errors


def test_input_errors_speak_the_pages_language() -> None:
    with pytest.raises(Invalid) as invalid:
        parse("extend", "en", days="x")
    assert invalid.value.errors == {"days": "Enter a whole number"}


HANDLER = """\
kind: Form
id: h
version: 1
title: 办理单
fields:
  - {id: decision, type: radio, label: 结果, required: true, options: [{value: approve, label: 通过}, {value: return, label: 退回}]}
  - {id: opinion, type: textarea, label: 意见, required_when: "decision == 'approve'"}
  - {id: amount, type: money, label: 金额, required: true}
  - {id: reached, type: yes_no, label: 已联系}
validations:
  - {expression: "amount <= 1000 or reached", message: 超过一千元须先联系申请人}
"""


def handler_choices(posted: dict[str, Any]) -> Choices:
    form = load_text("forms/h.yaml", HANDLER)
    result = check_documents([form], extensions=default_extensions())
    assert result.problems == [], [p.render() for p in result.problems]
    [spec] = [d.spec for d in result.definitions]
    assert isinstance(spec, FormSpec)
    return Choices("clerk", [], [], [], spec, default_field_types(), handler_posted=posted)


def test_the_handler_form_is_validated_whole_into_the_commands_data() -> None:
    """Field types beyond text (money, yes/no), its rules and the form's own rules; the
    fields named for the engine's inputs take the action's outcome and opinion."""
    complete = registry.ACTIONS["complete"]
    command = complete.parse({"outcome": "approve", "opinion": "同意"},
                             handler_choices({"amount": "1200.50", "reached": "true"}), "zh")
    assert command == Complete(opinion="同意",
                               data={"amount": 1200.5, "reached": True})
    with pytest.raises(Invalid) as invalid:  # the form's own rule, and the opinion it needs
        complete.parse({"outcome": "approve"},
                       handler_choices({"amount": "1200", "reached": "false"}), "zh")
    assert invalid.value.errors == {"_form": "超过一千元须先联系申请人",
                                    "opinion": "请填写「意见」"}
    # A reject is not an option of `decision`: left empty, its `required` is the engine's.
    command = complete.parse({"outcome": "reject", "opinion": "不符合条件",
                              "notice": "经审核，不符合补贴条件"},
                             handler_choices({"amount": "10"}), "zh")
    assert (command.outcome, command.data) == ("reject", {"amount": 10,
                                                          "reached": None})


class NoSuchDepartment:
    """A resolver that knows no department at all."""

    def department(self, code: str, within: str | None) -> str:
        return MISSING

    def user(self, username: str, department: str | None) -> str:
        return MISSING

    def record(self, form_id: str, tracking_no: str) -> str:
        return MISSING


def test_the_handler_forms_pickers_are_asked_of_the_pages_resolver() -> None:
    form = load_text("forms/h.yaml", "kind: Form\nid: h\nversion: 1\ntitle: 办理单\nfields:\n"
                     "  - {id: to, type: department, label: 移交部门}\n")
    [spec] = [d.spec for d in check_documents([form], extensions=default_extensions()).definitions]
    assert isinstance(spec, FormSpec)
    posted = {"to": "NOPE"}
    unchecked = Choices("clerk", [], [], [], spec, default_field_types(), handler_posted=posted)
    assert registry.ACTIONS["complete"].parse({"outcome": "approve"}, unchecked,
                                              "zh") == Complete(data=posted)
    checked = Choices("clerk", [], [], [], spec, default_field_types(), NoSuchDepartment(),
                      handler_posted=posted)
    with pytest.raises(Invalid) as invalid:
        registry.ACTIONS["complete"].parse({"outcome": "approve"}, checked, "zh")
    assert list(invalid.value.errors) == ["to"]


# --- the table --------------------------------------------------------------------------

def test_the_table_holds_one_entry_per_command_with_its_words() -> None:
    assert [entry.command for entry in registry.ACTIONS.values()] == list(COMMANDS)
    assert registry.ACTIONS["add_signer"].label("zh") == "加签"
    assert registry.ACTIONS["add_signer"].label("en") == "Add a signer"
    with pytest.raises(TypeError):
        registry.ACTIONS["new"] = registry.ACTIONS["claim"]  # type: ignore[index]


def test_an_action_registered_twice_fails_at_start_up() -> None:
    with pytest.raises(ValueError, match="'claim' is registered twice"):
        registry.registry([registry.ACTIONS["claim"]])


@dataclass(frozen=True)
class Note(Command):
    """A made-up action: the holder writes a note in the history."""

    name = "note"
    label, verb = ("备注", "Note"), ("备注", "note")
    text: str


def _note(flow: Flow, staff: actions.Staff, no: int, command: Note) -> TaskState:
    task = actions.held(flow, staff, no, "note")
    flow.event("note", task=task, opinion=command.text)
    return task


def test_a_new_action_is_one_entry_with_its_engine_function() -> None:
    table = registry.registry([Action(
        Note, _note, lambda f, s, n: actions.held(f, s, n, "note"),
        lambda posted, choices, lang: Note(posted.get("text", "")))])
    run = Run.start(build_plan("- {id: accept, task: accept}"))
    clerk, other = person(7, "GOVSVC"), person(8, "GOVSVC")
    assert "note" not in registry.open_actions(run.plan, run.case, clerk, 1, run.now, table)
    run.act(actions.claim, clerk, 1)
    assert registry.open_actions(run.plan, run.case, clerk, 1, run.now, table)[-1] == "note"
    command = table["note"].parse({"text": "已电话联系"}, CHOICES, "zh")
    flow = Flow(run.plan, run.case, run.now, Actor(clerk.user_id, clerk.name))
    registry.perform(flow, clerk, 1, command, table)
    assert [(e.action, e.opinion) for e in flow.effects.events] == [("note", "已电话联系")]
    with refused("not_yours"):
        registry.perform(flow, other, 1, command, table)


def test_refusals_about_what_was_typed_say_so() -> None:
    assert FlowError("reason_required", action="return").about_input
    assert not FlowError("not_yours", action="return").about_input
