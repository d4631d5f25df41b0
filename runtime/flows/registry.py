"""The one table of task actions: for each action name, its command, how the engine performs
it, whether it is open now for a person, how a posted form parses into it, its words (its
name on the command; the history lines of the events it adds here) and its audit record.
Adding an action is one command in `commands`, its engine function (with its `check_*`
guard) in `actions`, one entry here, and their tests.

Whether an action is open asks the very guard its engine function begins with, on the case
as it is: nothing is copied or changed, and the button shown and the action done cannot
disagree. Parsing is pure: the posted fields and the page's own choices in, a command out,
or `Invalid` with the errors by input name. Part of the pure core (no flask, no sqlalchemy).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType
from typing import Any

from runtime.definitions.spec import CatalogSpec, FormSpec, Party
from runtime.flows import actions, handler
from runtime.flows.actions import Staff
from runtime.flows.case import REJECT, Actor, Case, TaskState
from runtime.flows.commands import (
    POSITIONS,
    AddSigner,
    AskCorrection,
    Claim,
    Command,
    Complete,
    Copy,
    DecideExtension,
    Delegate,
    Extend,
    Remind,
    Resume,
    Return,
    Supervise,
    Suspend,
    Transfer,
    Withdraw,
)
from runtime.flows.engine import Flow
from runtime.flows.errors import FlowError
from runtime.flows.plan import Plan
from runtime.forms.fieldtypes import FieldTypes
from runtime.forms.references import Resolver
from runtime.forms.sizes import size_errors
from runtime.forms.validation import validate
from runtime.i18n import Catalogue

# What a page's own lists or formats refuse, by input name.
INPUT_MESSAGES = Catalogue({
    "bad_choice": ("请从列表中选择", "Choose one from the list"),
    "bad_number": ("请填写整数", "Enter a whole number"),
    "copy_whom": ("请选择抄送的部门或人员", "Choose a department or a person to copy to"),
    "outcome_required": ("请选择办理结果", "Choose an outcome"),
    "opinion_required": ("不同意时须填写意见", "Write an opinion when you do not approve"),
    "notice_required": ("请填写告知申请人的理由", "Write the reason the applicant is told"),
    "fix_which": ("请选择需要补正的项目", "Choose the fields to be corrected"),
})


class Invalid(Exception):
    """Input the page's own lists or formats do not allow; errors by input name."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(", ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Choices:
    """What the task page offers, which a posted form must choose from."""

    role: str | None  # the task's role: a transfer goes to the new department's pool in it
    targets: list[tuple[str, str]]  # steps it can return to: (id, title)
    departments: list[tuple[str, str]]  # (code, name)
    colleagues: list[tuple[int, str]]  # staff of the task's department but me: (id, name)
    handler: FormSpec | None  # the task's handler form (办理单), whole
    types: FieldTypes  # the app's field types, which the handler form's values are parsed by
    resolver: Resolver | None = None  # answers the handler form's pickers, as on any form
    # The application's fields a correction may name: (id, label). A posted `fix.<id>`
    # names one.
    application: tuple[tuple[str, str], ...] = ()
    catalogs: Mapping[str, CatalogSpec] = field(default_factory=dict)  # its options_from
    # The handler form's values as posted, by field (rows of sub-tables, several values and
    # values in parts read as on any form's page); empty when nothing was posted.
    handler_posted: Mapping[str, Any] = field(default_factory=dict)


Perform = Callable[[Flow, Staff, int, Any], Any]
Check = Callable[[Flow, Staff, int], TaskState]
Parse = Callable[[Mapping[str, str], Choices, str], Command]
Audit = Callable[[Command, list[str]], dict[str, Any]]


def acted(command: Command, done: list[str]) -> dict[str, Any]:
    """The audit record's `after`: what the person's action did, as history actions."""
    return {"actions": done[:10]}


@dataclass(frozen=True)
class Action:
    """Everything about one action. `perform` and `check` are the engine's; `check` raises
    the FlowError `perform` would raise for anything but the inputs."""

    command: type[Command]
    perform: Perform
    check: Check
    parse: Parse
    audit: Audit = acted
    audit_action: str = "task.action"  # each built-in one has its own: task.<name>
    # The history events the action adds, in words: {step}, {target}, {department}, {user},
    # {position}, {outcome}, {days} (and {working_days}: "1 working day", "2 个工作日"),
    # {decision} and {whom} are filled in from the event.
    events: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.command.name

    def label(self, lang: str) -> str:
        zh, en = self.command.label
        return en if lang == "en" else zh


# --- parsing a posted form --------------------------------------------------------------

def _text(posted: Mapping[str, str], name: str) -> str | None:
    value = (posted.get(name) or "").strip()
    return value or None


def _pick(posted: Mapping[str, str], name: str, allowed: Iterable[Any], lang: str) -> Any:
    value = (posted.get(name) or "").strip()
    for option in allowed:
        if str(option) == value:
            return option
    raise Invalid({name: INPUT_MESSAGES.format("bad_choice", lang)})


def _colleague(posted: Mapping[str, str], choices: Choices, lang: str) -> int:
    return int(_pick(posted, "user", [u for u, _ in choices.colleagues], lang))


def _department(posted: Mapping[str, str], choices: Choices, lang: str) -> str:
    return str(_pick(posted, "department", [c for c, _ in choices.departments], lang))


def parse_complete(posted: Mapping[str, str], choices: Choices, lang: str) -> Complete:
    """The outcome (chosen, never assumed: one click on 办理 completes nothing), the opinion
    (required to reject) and the handler form, validated whole (fields, their rules and the
    form's own rules), as any form is. Every problem at once."""
    outcome, opinion = (posted.get("outcome") or "").strip(), _text(posted, "opinion")
    problems: dict[str, str] = {}
    if outcome not in handler.OUTCOMES:
        problems["outcome"] = INPUT_MESSAGES.format("outcome_required", lang)
    elif outcome == REJECT and opinion is None:
        problems["opinion"] = INPUT_MESSAGES.format("opinion_required", lang)
    data: dict[str, Any] = {}
    form = choices.handler
    if form is not None:
        raw = {**choices.handler_posted, **handler.engine_values(form, outcome, opinion)}
        result = validate(form, raw, choices.types, catalogs=choices.catalogs,
                          resolver=choices.resolver)
        if result.ok:
            result.errors.update(size_errors(form, result.data))
        for path, found in handler.shown_errors(result.as_dict(lang)).items():
            problems.setdefault(path, "；".join(found))
        data = handler.task_data(result.data)
    notice = _text(posted, "notice")
    if outcome == REJECT and notice is None:  # the applicant is told why, never the opinion
        problems["notice"] = INPUT_MESSAGES.format("notice_required", lang)
    if problems:
        raise Invalid(problems)
    return Complete(outcome=outcome, opinion=opinion, data=data, notice=notice)


def parse_correction(posted: Mapping[str, str], choices: Choices, lang: str) -> AskCorrection:
    fields = tuple(f for f, _ in choices.application if posted.get(f"fix.{f}"))
    if not fields:
        raise Invalid({"fields": INPUT_MESSAGES.format("fix_which", lang)})
    notice = _text(posted, "notice")
    if notice is None:
        raise Invalid({"notice": INPUT_MESSAGES.format("notice_required", lang)})
    return AskCorrection(fields, notice)


def parse_transfer(posted: Mapping[str, str], choices: Choices, lang: str) -> Transfer:
    code = _department(posted, choices, lang)
    return Transfer(Party(department=code, role=choices.role), _text(posted, "reason"))


def parse_add_signer(posted: Mapping[str, str], choices: Choices, lang: str) -> AddSigner:
    user = _colleague(posted, choices, lang)
    position = str(_pick(posted, "position", POSITIONS, lang))
    return AddSigner(user, position, _text(posted, "note"))


def parse_extend(posted: Mapping[str, str], choices: Choices, lang: str) -> Extend:
    days = (posted.get("days") or "").strip()
    if not days.isdigit() or len(days) > 4:
        raise Invalid({"days": INPUT_MESSAGES.format("bad_number", lang)})
    return Extend(int(days), _text(posted, "reason"))


def parse_decide(posted: Mapping[str, str], choices: Choices, lang: str) -> DecideExtension:
    approve = _pick(posted, "decision", ["approve", "refuse"], lang) == "approve"
    return DecideExtension(approve, _text(posted, "note"))


def parse_copy(posted: Mapping[str, str], choices: Choices, lang: str) -> Copy:
    if _text(posted, "user"):
        return Copy(user_id=_colleague(posted, choices, lang))
    if _text(posted, "department"):
        return Copy(to=Party(department=_department(posted, choices, lang)))
    raise Invalid({"department": INPUT_MESSAGES.format("copy_whom", lang)})


# --- the table --------------------------------------------------------------------------

def build(entries: Iterable[Action]) -> Mapping[str, Action]:
    """A read-only table of `entries` by name, in their order; a name twice is an error."""
    table: dict[str, Action] = {}
    for entry in entries:
        if entry.name in table:
            raise ValueError(f"the action {entry.name!r} is registered twice")
        table[entry.name] = entry
    return MappingProxyType(table)


BUILT_IN = tuple(replace(action, audit_action=f"task.{action.name}") for action in (
    Action(Claim, lambda f, s, n, c: actions.claim(f, s, n), actions.check_claim,
           lambda p, ch, lang: Claim(),
           events={"claim": ("签收「{step}」", "Claimed “{step}”")}),
    Action(Complete, lambda f, s, n, c: actions.complete(
        f, s, n, outcome=c.outcome, opinion=c.opinion, data=dict(c.data), notice=c.notice),
        actions.check_complete, parse_complete,
        events={"delegate.done": ("受委派办理「{step}」完毕：{outcome}",
                                  "Did the delegated “{step}”: {outcome}"),
                "notice": ("告知申请人（「{step}」）", "Told the applicant (“{step}”)")}),
    Action(Return, lambda f, s, n, c: actions.return_to(f, s, n, c.target, c.reason),
           actions.check_return,
           lambda p, ch, lang: Return((p.get("target") or "").strip(), _text(p, "reason")),
           events={"return": ("将「{step}」退回到「{target}」",
                              "Returned “{step}” to “{target}”")}),
    Action(AskCorrection, lambda f, s, n, c: actions.ask_correction(f, s, n, c.fields, c.notice),
           actions.check_correction, parse_correction,
           events={"correction.request": ("要求申请人补正（「{step}」）：{fields}",
                                          "Asked the applicant to correct (“{step}”): {fields}")}),
    Action(Transfer, lambda f, s, n, c: actions.transfer(f, s, n, c.to, c.reason, c.user_id),
           actions.check_transfer, parse_transfer,
           events={"transfer": ("将「{step}」转办给{department}",
                                "Transferred “{step}” to {department}")}),
    Action(Delegate, lambda f, s, n, c: actions.delegate(f, s, n, c.user_id, c.note),
           actions.check_delegate,
           lambda p, ch, lang: Delegate(_colleague(p, ch, lang), _text(p, "note")),
           events={"delegate": ("将「{step}」委派给{user}", "Delegated “{step}” to {user}")}),
    Action(AddSigner, lambda f, s, n, c: actions.add_signer(f, s, n, c.user_id, c.position,
                                                            c.note),
           actions.check_add_signer, parse_add_signer,
           events={"add_signer": ("为「{step}」加签{user}（{position}）",
                                  "Added {user} as a signer of “{step}” ({position})")}),
    Action(Withdraw, lambda f, s, n, c: actions.withdraw(f, s, n, c.reason),
           actions.check_withdraw, lambda p, ch, lang: Withdraw(_text(p, "reason")),
           events={"withdraw": ("撤回「{step}」", "Withdrew “{step}”")}),
    Action(Extend, lambda f, s, n, c: actions.request_extension(f, s, n, c.days, c.reason),
           actions.check_extend, parse_extend,
           events={"extension.request": ("申请「{step}」延期 {days} 个工作日",
                                         "Asked for {working_days} more on “{step}”")}),
    Action(DecideExtension, lambda f, s, n, c: actions.decide_extension(f, s, n, c.approve,
                                                                         c.note),
           actions.check_decide_extension, parse_decide,
           events={"extension.decide": ("「{step}」延期申请：{decision}",
                                        "Extension of “{step}”: {decision}")}),
    Action(Suspend, lambda f, s, n, c: actions.suspend(f, s, n, c.reason),
           actions.check_suspend, lambda p, ch, lang: Suspend(_text(p, "reason")),
           events={"suspend": ("挂起「{step}」", "Suspended “{step}”")}),
    Action(Resume, lambda f, s, n, c: actions.resume(f, s, n, c.note),
           actions.check_resume, lambda p, ch, lang: Resume(_text(p, "note")),
           events={"resume": ("恢复「{step}」", "Resumed “{step}”")}),
    Action(Remind, lambda f, s, n, c: actions.remind(f, s, n, c.note), actions.check_remind,
           lambda p, ch, lang: Remind(_text(p, "note")),
           events={"remind": ("催办「{step}」", "Reminded “{step}”")}),
    Action(Supervise, lambda f, s, n, c: actions.supervise(f, s, n, c.note),
           actions.check_supervise, lambda p, ch, lang: Supervise(_text(p, "note")),
           events={"supervise": ("督办「{step}」", "Put “{step}” under supervision")}),
    Action(Copy, lambda f, s, n, c: actions.copy_to(f, s, n, to=c.to, user_id=c.user_id),
           actions.check_copy, parse_copy,
           events={"copy": ("将「{step}」抄送{whom}", "Copied “{step}” to {whom}")}),
))
ACTIONS = build(BUILT_IN)


def registry(extra: Iterable[Action] = ()) -> Mapping[str, Action]:
    """A table for one app (the workbench reads it from `app.extensions["actions"]`): the
    built-in actions and `extra` ones, registered alike."""
    return build([*BUILT_IN, *extra])


def entry_for(command: Command, table: Mapping[str, Action] = ACTIONS) -> Action:
    return table[command.name]


def perform(flow: Flow, staff: Staff, no: int, command: Command,
            table: Mapping[str, Action] = ACTIONS) -> Any:
    """Do `command` on task `no` as `staff`, through the flow."""
    return table[command.name].perform(flow, staff, no, command)


def open_actions(plan: Plan, case: Case, staff: Staff, no: int, now: datetime,
                 table: Mapping[str, Action] = ACTIONS) -> list[str]:
    """The actions `staff` may take on task `no` now, in the table's order: each entry's
    guard asked of the case as it is (the guards only read it)."""
    flow = Flow(plan, case, now, Actor(staff.user_id, staff.name))
    return [name for name, entry in table.items() if _passes(entry.check, flow, staff, no)]


def _passes(check: Check, flow: Flow, staff: Staff, no: int) -> bool:
    try:
        check(flow, staff, no)
    except FlowError:
        return False
    return True
