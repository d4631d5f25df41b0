"""What the workbench pages show of a case, built in Python so that templates only lay it out:
list rows with their colour, the five elements of a task's template, the history in words,
the process diagram, the joint-handling overview and the citizen's plain progress."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from runtime.access import BUILTIN_ROLES
from runtime.definitions.spec import CatalogSpec, FormSpec, LimitSpec, Party, TaskTemplateSpec
from runtime.flows import deadlines
from runtime.flows.applicant import pending_confirmation
from runtime.flows.case import ACTIVE, LIVE, Case, StepState, TaskState
from runtime.flows.engine import case_scope
from runtime.flows.errors import FlowError, limit_words
from runtime.flows.layout import columns
from runtime.flows.plan import Plan
from runtime.i18n import Label
from runtime.store import accounts, cases
from runtime.store.cases import CaseEvent, CaseRow, CopyRow, Task
from runtime.store.models import aware
from runtime.store.queries import definition, list_definitions
from runtime.web import clock
from runtime.web.lang import current_lang, mark, text
from runtime.web.workwords import has, work_text

CHINA = deadlines.CHINA


def china(moment: datetime | None, fmt: str = clock.MINUTE) -> str:
    """A moment in the site's zone (China time); '' for none."""
    return clock.shown(moment, fmt)


def working_days(days: Any) -> str:
    """A number of working days in words, in the page's language: '1 working day'."""
    if not isinstance(days, int):
        return str(days or "")
    zh, en = limit_words("working_days", days)
    return en if current_lang() == "en" else zh


def due_text(due: datetime | None) -> str:
    """A due moment (the end of its last working day) as that day's last minute."""
    return china(aware(due) - timedelta(minutes=1)) if due else ""


def colour_of(now: datetime, yellow_at: datetime | None, due_at: datetime | None) -> str | None:
    """Green, yellow or red; None when the task has no deadline."""
    if due_at is None:
        return None
    return deadlines.colour(now, aware(yellow_at) if yellow_at else None, aware(due_at))


# --- names ------------------------------------------------------------------------------

@dataclass
class Names:
    """Department and user names for one page, read once."""

    departments: dict[str, accounts.Department | accounts.DepartmentName]
    users: dict[int, str] = field(default_factory=dict)

    @classmethod
    def read(cls, session: Session, user_ids: Iterable[int | None] = ()) -> Names:
        found = {d.code: d for d in accounts.departments(session)}
        return cls(found, accounts.names_of(session, [u for u in user_ids if u is not None]))

    def department(self, code: str | None) -> str:
        if code is None:
            return work_text("none")
        found = self.departments.get(code)
        return text(found.name()) if found else code

    def user(self, user_id: int | None) -> str:
        return self.users.get(user_id, str(user_id)) if user_id is not None else work_text("system")

    @staticmethod
    def role(code: str) -> str:
        zh, en = BUILTIN_ROLES.get(code, (code, code))
        return en if current_lang() == "en" else zh

    def path(self, code: str) -> tuple[str, ...]:
        found = self.departments.get(code)
        return found.codes() if found else (code,)

    def party(self, party: Party) -> str:
        role = f"{mark('（')}{self.role(party.role)}{mark('）')}" if party.role else ""
        who = self.department(party.department) if party.department else work_text("everyone")
        return who + role


# --- list rows --------------------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    task: Task
    title: str
    department: str
    due: str
    colour: str | None


def rows(tasks: Sequence[Task], names: Names, now: datetime) -> list[Row]:
    """Each task with its words; a finished task keeps the colour it finished in."""
    return [Row(t, text(Label(t.title_zh, t.title_en)), names.department(t.department),
                due_text(t.due_at),
                colour_of(aware(t.completed_at) if t.completed_at else now, t.yellow_at,
                          t.due_at))
            for t in tasks]


# --- the five elements ------------------------------------------------------------------

@dataclass(frozen=True)
class Elements:
    basis: list[tuple[str, list[tuple[str, str]]]]  # (policy, [(clause, text)])
    outcome: str | None
    indicators: list[tuple[str, str]]  # (indicator, target)
    instructions: str
    materials: list[tuple[str, bool]]
    form_title: str | None
    dependencies: list[tuple[str, str]]  # (step title, status)
    coordination: list[tuple[str, str]]  # (what, words)


def catalogs_of(session: Session, plan: Plan, row: CaseRow) -> dict[str, CatalogSpec]:
    found = definition(session, "Process", row.process_id, row.process_version,
                       row.process_pack)
    if found is None:
        return {}
    # The process's pack's catalogs, then those of the packs whose templates it uses (their
    # basis and goal name their own catalogs).
    packs = dict.fromkeys([found.pack_id, *plan.packs.values()])
    specs = [d.spec for pack in reversed(packs)
             for d in list_definitions(session, "Catalog", pack_id=pack)]
    return {s.id: s for s in specs if isinstance(s, CatalogSpec)}


def elements(plan: Plan, case: Case, task: TaskState, catalogs: dict[str, CatalogSpec],
             names: Names, copies: Sequence[CopyRow], now: datetime,
             form: FormSpec | None) -> Elements:
    template = plan.template(task.step)
    goal = template.goal
    return Elements(
        basis=[_basis(catalogs, b.catalog, b.item, b.clauses) for b in template.basis],
        outcome=text(goal.outcome) if goal else None,
        indicators=[_indicator(catalogs, i.catalog, i.item, i.target)
                    for i in (goal.indicators if goal else ())],
        instructions=text(template.content.instructions),
        materials=[(text(m.name), m.required) for m in template.content.materials],
        form_title=text(form.title) if form else template.content.form,
        dependencies=[(step_title(plan, s), work_text(f"step_{case.steps[s].status}"))
                      for s in plan.steps[task.step].after],
        coordination=_coordination(template, task, names, copies, now))


def _basis(catalogs: dict[str, CatalogSpec], catalog: str, item: str,
           clauses: Sequence[str]) -> tuple[str, list[tuple[str, str]]]:
    found = _item(catalogs, catalog, item)
    if found is None:
        return item, [(c, "") for c in clauses]
    texts = {c.code: text(c.text) for c in found.clauses}
    return text(found.label), [(c, texts.get(c, "")) for c in clauses]


def _indicator(catalogs: dict[str, CatalogSpec], catalog: str, item: str,
               target: float | None) -> tuple[str, str]:
    found = _item(catalogs, catalog, item)
    label = text(found.label) if found else item
    number = "" if target is None else f"{target:g}"
    return label, work_text("target", target=number, unit=found.unit or "" if found else "")


def _item(catalogs: dict[str, CatalogSpec], catalog: str, item: str) -> Any:
    spec = catalogs.get(catalog)
    return next((i for i in spec.items if i.code == item), None) if spec else None


def _coordination(template: TaskTemplateSpec, task: TaskState, names: Names,
                  copies: Sequence[CopyRow], now: datetime) -> list[tuple[str, str]]:
    coordination = template.coordination
    lines = [(work_text("assignee"), names.department(task.department))]
    if coordination.deadline:
        deadline = coordination.deadline
        start = work_text("from_date" if deadline.from_date else f"from_{deadline.from_}")
        lines.append((work_text("due"), work_text("deadline", start=start,
                                                  limit=_limit(deadline))))
        share = round(coordination.warning.yellow_at * 100)
        lines.append((work_text("colour"), work_text("warning_at", share=share)))
    if task.due_at:
        colour = colour_of(now, task.yellow_at, task.due_at) or "green"
        shown = f"{due_text(task.due_at)} · {work_text('colour_' + colour)}"
        lines.append((work_text("due_at"), shown))
    if coordination.escalation:
        state = f" · {work_text('escalated')}" if task.escalated else ""
        lines.append((work_text("escalation"), names.party(coordination.escalation) + state))
    shown = [names.party(p) for p in coordination.copy]
    shown += [names.user(c.user_id) if c.user_id else names.department(c.department)
              for c in copies if c.task_no == task.no and c.by is not None]
    if shown:
        lines.append((work_text("copies"), mark("、").join(shown)))
    if coordination.feedback and coordination.feedback.message:
        lines.append((work_text("feedback"), text(coordination.feedback.message)))
    if coordination.on_overdue:
        lines.append((work_text("on_overdue"), mark("、").join(
            work_text(f"od_{a.action}", to=names.party(a.to) if a.to else "")
            for a in coordination.on_overdue)))
    if task.extension:
        ext = task.extension
        lines.append((work_text("extension"), work_text("extension_line",
                                          working_days=working_days(ext.get("days")),
                                          reason=ext.get("reason"),
                                          status=work_text(f"ext_{ext.get('status')}"))))
    for key in ("claim_within", "return_within"):
        if (limit := getattr(coordination, key)) is not None:
            lines.append((work_text(key), _limit(limit)))
    if task.suspended_at:
        lines.append((work_text("act_suspend"),
                      work_text("suspended_since", at=china(task.suspended_at))))
    if task.supervised:
        lines.append((work_text("act_supervise"), work_text("supervised")))
    return lines


def _limit(limit: LimitSpec) -> str:
    zh, en = limit_words(limit.unit, limit.amount)
    return en if current_lang() == "en" else zh


def step_title(plan: Plan, step_id: str) -> str:
    step = plan.steps.get(step_id)
    if step is None:
        return step_id
    return text(step.title or plan.template(step_id).title)


# --- history ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Line:
    at: str
    who: str
    what: str
    opinion: str | None
    action: str


# A field of the application by id, and a value of it, as staff read them: (label, value).
FieldWords = Callable[[str, Any], tuple[str, str]]


def timeline(events: Sequence[CaseEvent], plan: Plan, case: Case, names: Names,
             lang: str, fields: FieldWords | None = None) -> list[Line]:
    held = {t.no: t.department for t in case.tasks}
    return [Line(china(e.at), _who(e, names), event_words(e, plan, names, lang, held, fields),
                 e.opinion, e.action)
            for e in events]


# What the process does on its own as a person acts (a step started, a task made, the
# applicant told): the system's doing, not the clerk's whose action set it going.
ENGINE_EVENTS = frozenset({"step.start", "step.skip", "step.done", "task.create", "task.cancel",
                           "feedback", "case.done", "case.rejected", "write_back", "loop",
                           "warning.yellow", "warning.red", "warning.claim", "escalate",
                           "reassign"})


def _who(event: CaseEvent, names: Names) -> str:
    if event.action in ENGINE_EVENTS:
        return work_text("system")
    if event.actor_id:
        return names.user(event.actor_id)
    by_applicant = event.action == "correction.done" or event.actor_name == "applicant"
    return work_text("applicant" if by_applicant else "system")


@dataclass(frozen=True)
class Returned:
    """Who sent a task back to this step, from which step, when and why."""

    who: str
    department: str
    at: str
    step: str
    why: str


def returned(events: Sequence[CaseEvent], plan: Plan, case: Case, task_no: int,
             names: Names) -> Returned | None:
    """The return that made task `task_no` (in the same moment, to its step), if one did."""
    made = next((e for e in events if e.action == "task.create" and e.task_no == task_no), None)
    if made is None:
        return None
    back = [e for e in events if e.action == "return" and e.at == made.at
            and (e.detail or {}).get("target") == made.step]
    if not back:
        return None
    event = back[-1]
    source = case.task(event.task_no) if event.task_no is not None else None
    return Returned(names.user(event.actor_id) if event.actor_id else work_text("system"),
                    names.department(source.department if source else None), china(event.at),
                    step_title(plan, event.step) if event.step else "", event.opinion or "")


def _fields_named(detail: dict[str, Any], fields: FieldWords | None) -> str:
    named = [str(f) for f in detail.get("fields", [])]
    return mark("、").join(fields(f, None)[0] if fields else f for f in named)


def _changes(detail: dict[str, Any], fields: FieldWords | None) -> str:
    """A correction's changes: each field's label, its value before and after."""
    lines = []
    for field_id, (before, after) in dict(detail.get("changes", {})).items():
        label, old = fields(field_id, before) if fields else (field_id, str(before))
        new = fields(field_id, after)[1] if fields else str(after)
        lines.append(work_text("change", field=label, before=old or "—", after=new or "—"))
    return mark("；").join(lines)


def event_words(event: CaseEvent, plan: Plan, names: Names, lang: str,
                held: dict[int, str | None], fields: FieldWords | None = None) -> str:
    """What happened, in words. An event that names no department (a task made) reads the
    task's department as it is now: history keeps no department for it. `fields` names the
    application's fields (a correction's) and shows their values."""
    detail = dict(event.detail or {})
    if "department" not in detail and event.task_no is not None:
        detail["department"] = held.get(event.task_no)
    key = f"ev_{event.action}"
    if not has(key):
        return work_text("ev_other", action=event.action)
    params = {
        "step": step_title(plan, event.step) if event.step else "",
        "target": step_title(plan, str(detail.get("target", ""))),
        "department": names.department(detail.get("department")),
        "user": names.user(detail.get("user")),
        "position": work_text(f"pos_{detail.get('position', 'alongside')}").split("（")[0],
        "outcome": work_text(f"outcome_{detail.get('outcome') or 'approve'}"),
        "days": detail.get("days", ""),
        "working_days": working_days(detail.get("days")),
        "decision": work_text("ext_approve") if detail.get("approved") else work_text("ext_refuse"),
        "message": detail.get(lang) or detail.get("zh") or "",
        "whom": (names.user(detail["user"]) if detail.get("user")
                 else names.department(detail.get("department"))),
        "fields": _fields_named(detail, fields),
        "changes": _changes(detail, fields),
    }
    return work_text(key, **params)


# --- the diagram ------------------------------------------------------------------------

@dataclass(frozen=True)
class Box:
    id: str
    title: str
    status: str
    departments: str
    current: bool


def diagram(plan: Plan, case: Case, names: Names, current: str | None = None) -> list[list[Box]]:
    """The steps in columns, each with its status and the departments of its tasks."""
    laid = columns({s.id: s.after for s in plan.process.steps})
    return [[Box(s, step_title(plan, s), case.steps[s].status,
                 mark("、").join(departments(plan, case, s, names)), s == current)
             for s in column] for column in laid]


def departments(plan: Plan, case: Case, step_id: str, names: Names) -> list[str]:
    """The departments handling a step: its current round's tasks, or whom it will go to."""
    step = case.steps[step_id]
    codes = [t.department for t in case.round_tasks(step)] if step.round else []
    if not codes:
        try:
            codes = [p.department for p in plan.parties(step_id, case_scope(case),
                                                         step.items)]
        except FlowError:  # a dispatch rule that cannot be decided names no one yet
            codes = []
    unique = list(dict.fromkeys(c for c in codes if c))
    return [names.department(c) for c in unique]


# --- the joint-handling overview --------------------------------------------------------

@dataclass(frozen=True)
class StepLine:
    id: str
    title: str
    status: str
    departments: str
    holders: str
    due: str
    colour: str | None
    finished_at: str
    late: bool


def overview(plan: Plan, case: Case, names: Names, now: datetime) -> list[StepLine]:
    lines = []
    for column in columns({s.id: s.after for s in plan.process.steps}):
        for step_id in column:
            step = case.steps[step_id]
            tasks = [t for t in case.round_tasks(step) if t.status != "cancelled"]
            live = [t for t in tasks if t.status in LIVE]
            due = min((t.due_at for t in live if t.due_at), default=None)
            colour = _worst([colour_of(now, t.yellow_at, t.due_at) for t in live])
            lines.append(StepLine(
                step_id, step_title(plan, step_id), step.status,
                mark("、").join(departments(plan, case, step_id, names)),
                _children_words(step) or mark("、").join(
                    names.user(t.user_id) if t.user_id else work_text("in_pool")
                    for t in live),
                due_text(due), colour if step.status == ACTIVE else None,
                china(step.finished_at), any(_late(t, now) for t in tasks)))
    return lines


def _children_words(step: StepState) -> str:
    """A step's child cases (子案件) as the overview lists them: each 受理编号 and status."""
    return "、".join(f"{c['case']}（{work_text('case_' + c['status'])}）"
                    for c in step.children if c.get("case"))


def _worst(colours: list[str | None]) -> str | None:
    for colour in ("red", "yellow", "green"):
        if colour in colours:
            return colour
    return None


def _late(task: TaskState, now: datetime) -> bool:
    if task.due_at is None:
        return False
    finished = task.completed_at or (now if task.status in LIVE else None)
    return finished is not None and finished >= task.due_at


def holding_up(tasks: Sequence[Task], names: Names, now: datetime) -> list[Row]:
    """The live tasks that are red or yellow, the longest waiting first."""
    live = [t for t in tasks if t.status in LIVE]
    found = [r for r in rows(live, names, now) if r.colour in ("red", "yellow")]
    return sorted(found, key=lambda r: (aware(r.task.clock_from or r.task.created_at
                                              or now), r.task.no))


# --- the citizen's progress -------------------------------------------------------------

@dataclass(frozen=True)
class Progress:
    status: str
    steps: list[tuple[str, str]]  # (title, p_ status key)
    feedback: list[tuple[str, str]]  # (when, message)
    confirm_by: str | None = None  # the end of the applicant's time to confirm, if any


# History lines written for the applicant: a step's feedback, and the reminder and the end
# of their time to confirm (confirm_within).
TOLD = frozenset({"feedback", "confirm.remind", "confirm.expired"})


def progress(plan: Plan, case: Case, events: Sequence[CaseEvent], lang: str) -> Progress:
    """The case in plain words, with no staff names: each step's state and the messages of
    finished steps. Internal returns are staff business and not shown: what the applicant
    is asked for is the submission's status and notice (runtime.flows.applicant)."""
    steps = [(step_title(plan, s), f"p_{case.steps[s].status}")
             for column in columns({s.id: s.after for s in plan.process.steps})
             for s in column]
    feedback = [(china(e.at), str((e.detail or {}).get(lang) or (e.detail or {}).get("zh")))
                for e in events if e.action in TOLD]
    waiting = pending_confirmation(case)
    return Progress(case.status, steps, feedback,
                    china(waiting.due_at) if waiting and waiting.due_at else None)


def progress_of(session: Session, tracking_no: str, lang: str) -> Progress | None:
    """The progress of the case a submission started; None when it started none."""
    row = cases.case_by_tracking_no(session, tracking_no)
    if row is None:
        return None
    _, plan, case, _rows = cases.load(session, row.id)
    return progress(plan, case, cases.history(session, row.id), lang)
