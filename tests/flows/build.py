"""Processes built from YAML text through the real loader and checker, as a pack would give
them, and a driver that acts on one case the way the store will: a fresh `Flow` per action
at a given moment, every effect kept."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import pytest

from runtime import access
from runtime.definitions.checker import check_documents
from runtime.definitions.loader import load_text
from runtime.definitions.spec import DecisionTableSpec, ProcessSpec, TaskTemplateSpec
from runtime.flows import actions
from runtime.flows.actions import Staff
from runtime.flows.case import Actor, Case, Effects, Event, Job, TaskState
from runtime.flows.deadlines import CHINA
from runtime.flows.engine import Flow, start_case
from runtime.flows.errors import FlowError
from runtime.flows.plan import Plan
from runtime.providers import default_extensions

T = TypeVar("T")

PACK = """\
kind: Pack
id: flows_test
version: 1
format: 1
title: 流程测试
departments:
  - {code: GOVSVC, name: 政务服务中心}
  - {code: HEALTH, name: 卫生健康委员会}
  - {code: POLICE, name: 公安局}
  - {code: MEDINS, name: 医疗保障局}
  - {code: HRSS, name: 人力资源和社会保障局}
  - {code: HOTLINE, name: 12345热线}
  - {code: SAMR, name: 市场监管局}
roles:
  - {code: clerk, name: 办事员}
  - {code: lead, name: 科室负责人}
  - {code: dispatcher, name: 派单员}
"""
FORM = """\
kind: Form
id: apply
version: 1
title: 申请
fields:
  - {id: applicant, type: text, label: 申请人}
  - {id: insure, type: yes_no, label: 参保}
  - {id: card, type: yes_no, label: 申领社保卡}
  - {id: district, type: text, label: 区}
"""
PROCESS_HEAD = "kind: Process\nid: flow\nversion: 1\ntitle: 测试流程\nstart_form: apply\nsteps:\n"
TEMPLATE_HEAD = ("kind: TaskTemplate\nid: {id}\nversion: 1\ntitle: {id}\n"
                 "content: {{instructions: 按规定办理}}\ncoordination:\n")
FORM_HEAD = "kind: Form\nid: {id}\nversion: 1\ntitle: {id}\nfields:\n"
TABLE_HEAD = "kind: DecisionTable\nid: {id}\nversion: 1\ntitle: {id}\nform: apply\n"
DEFAULT_COORDINATION = "assignee: {department: GOVSVC, role: clerk}"

# Tuesday 29 September 2026, 10:00 in China: two working days before the National Day
# holiday (1-7 October), which is followed by an adjusted working Saturday (10 October).
START = datetime(2026, 9, 29, 10, tzinfo=CHINA)


def china(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A moment in China time."""
    return datetime(year, month, day, hour, minute, tzinfo=CHINA)


def build_plan(steps: str, tasks: Mapping[str, str] | None = None,
               tables: Mapping[str, str] | None = None,
               forms: Mapping[str, str] | None = None, head: str = "",
               extra: Mapping[str, str] | None = None) -> Plan:
    """A checked process with the given steps (YAML list items) and its task templates: each
    template id a step names gets the coordination block in `tasks`, else a GOVSVC clerk.
    `tables` are decision tables on the start form, by id: the YAML after their head.
    `forms` are handler forms by template id: the fields (YAML list items) of a form of
    that id, which the template's content names. `head`: more of the process (YAML at its
    top level, such as its `variables`), written before its steps. `extra`: more documents
    of the pack by file name (another process a step starts child cases of, its forms and
    templates)."""
    text = PROCESS_HEAD.replace("steps:\n", textwrap.dedent(head).strip("\n") + "\nsteps:\n"
                                if head else "steps:\n")
    process = load_text("processes/flow.yaml", text + _indent(steps))
    used = dict.fromkeys(step["task"] for step in process.data["steps"])
    documents = [load_text("pack.yaml", PACK), load_text("forms/apply.yaml", FORM), process]
    for form_id, fields in (forms or {}).items():
        documents.append(load_text(f"forms/{form_id}.yaml", FORM_HEAD.format(id=form_id)
                                   + _indent(fields)))
    for template_id in used:
        coordination = (tasks or {}).get(template_id, DEFAULT_COORDINATION)
        head = TEMPLATE_HEAD.format(id=template_id)
        if template_id in (forms or {}):
            head = head.replace("按规定办理}", f"按规定办理, form: {template_id}}}")
        documents.append(load_text(f"tasks/{template_id}.yaml", head + _indent(coordination)))
    documents += [load_text(name, text) for name, text in (extra or {}).items()]
    for table_id, body in (tables or {}).items():
        head = TABLE_HEAD.format(id=table_id)
        documents.append(load_text(f"rules/{table_id}.yaml", head + textwrap.dedent(body)))
    result = check_documents(documents, extensions=default_extensions())
    assert result.problems == [], [p.render() for p in result.problems]
    specs = [d.spec for d in result.definitions]
    [spec] = [s for s in specs if isinstance(s, ProcessSpec) and s.id == "flow"]
    return Plan(spec, {s.id: s for s in specs if isinstance(s, TaskTemplateSpec)},
                {s.id: s for s in specs if isinstance(s, DecisionTableSpec)})


def _indent(text: str) -> str:
    return textwrap.indent(textwrap.dedent(text).strip("\n"), "  ") + "\n"


def person(user_id: int, department: str, role: str = "clerk", *, scope: str | None = None,
           region: str | None = None) -> Staff:
    """A staff user with one membership; the scope defaults to the role's own."""
    membership = access.Membership(department, (department,), region, role,
                                   scope or access.DEFAULT_SCOPES[role])
    return Staff(access.Principal(user_id, (membership,)), f"{department}-{role}-{user_id}")


@dataclass
class Run:
    """One case driven action by action; `effects` gathers what every action produced."""

    plan: Plan
    case: Case
    now: datetime
    effects: Effects = field(default_factory=Effects)

    @classmethod
    def start(cls, plan: Plan, data: dict[str, Any] | None = None, *,
              now: datetime = START, region_code: str | None = None) -> Run:
        case, effects = start_case(plan, data or {}, now, region_code=region_code)
        return cls(plan, case, now, effects)

    def act(self, action: Callable[..., T], staff: Staff, *args: Any, **kwargs: Any) -> T:
        """Do an action as `staff`, in a Flow of its own, as one request would."""
        flow = Flow(self.plan, self.case, self.now, Actor(staff.user_id, staff.name))
        result = action(flow, staff, *args, **kwargs)
        self._keep(flow.effects)
        return result

    def fire(self, job: Job) -> Effects:
        """The timer `job` comes due: the clock moves to its moment and the system acts."""
        self.now = max(self.now, job.at)
        flow = Flow(self.plan, self.case, self.now)
        flow.fire(job)
        self._keep(flow.effects)
        return flow.effects

    def _keep(self, effects: Effects) -> None:
        self.effects.events += effects.events
        self.effects.jobs += effects.jobs
        self.effects.messages += effects.messages
        self.effects.copies += effects.copies
        self.effects.children += effects.children

    def children(self) -> list:
        """The child cases asked for by the steps' current rounds (the store starts them)."""
        return [c for c in self.effects.children
                if c.round == self.case.steps[c.step].round]

    # --- reading the case -------------------------------------------------------------

    def steps(self) -> dict[str, str]:
        return {s.id: s.status for s in self.case.steps.values()}

    def live(self, step: str | None = None) -> list[TaskState]:
        return [t for t in self.case.live_tasks() if step is None or t.step == step]

    def only(self, step: str) -> TaskState:
        """The one live task of `step`."""
        [task] = self.live(step)
        return task

    def task(self, no: int) -> TaskState:
        task = self.case.task(no)
        assert task is not None
        return task

    def events(self, action: str) -> list[Event]:
        return [e for e in self.effects.events if e.action == action]

    def jobs(self, no: int, kind: str | None = None) -> list[Job]:
        return [j for j in self.effects.jobs if j.task_no == no and kind in (None, j.kind)]

    def handle(self, staff: Staff, step: str, **kwargs: Any) -> TaskState:
        """Claim the step's one live task from the pool if need be, and complete it."""
        task = self.only(step)
        if task.user_id is None:
            self.act(actions.claim, staff, task.no)
        return self.act(actions.complete, staff, task.no, **kwargs)


@contextmanager
def refused(code: str, zh: str | None = None, en: str | None = None) -> Iterator[None]:
    """The block must raise a FlowError with `code`, and with these messages when given."""
    with pytest.raises(FlowError) as caught:
        yield
    assert caught.value.code == code, caught.value.message()
    if zh is not None:
        assert caught.value.message("zh") == zh
    if en is not None:
        assert caught.value.message("en") == en
