"""Run a pack's tests: for each scenario a fresh in-memory SQLite database migrated to the
latest schema, the packs it requires and the pack itself imported as `lowcode pack import`
does, the application submitted as the portal submits it, each step done as staff do it on
the workbench (the same use-cases), and time moved on a clock the actions and the worker
share, due timers run by the worker. Every expectation that does not hold is a `Failure`
naming the file, the scenario, the place in the file, what was expected and what was found.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from runtime import access, worker
from runtime.casework import cases as use_cases
from runtime.casework.submissions import Application, Correction, resubmit, submit
from runtime.definitions.loader import load_text
from runtime.definitions.problems import DefinitionError
from runtime.definitions.spec import CatalogSpec, FormSpec
from runtime.demo import seed_demo
from runtime.flows import actions, handler
from runtime.flows.case import LIVE, Actor
from runtime.flows.deadlines import due_after
from runtime.flows.errors import FlowError
from runtime.forms.validation import validate
from runtime.packs import MANIFEST, PackResult, check_path, is_pack_test
from runtime.packtests import expect as expectations
from runtime.packtests.scenario import Actor as Person
from runtime.packtests.scenario import Duration, Scenario, ScenarioError, Step, read_scenario
from runtime.providers import default_field_types
from runtime.store import audit
from runtime.store import cases as stored_cases
from runtime.store.accounts import map_pack_organisation, principal_of, user_by_name
from runtime.store.cases import CaseEvent, CaseRow, Task
from runtime.store.db import make_engine, session_factory
from runtime.store.migrate import upgrade
from runtime.store.models import utcnow
from runtime.store.publish import PublishError, publish_pack
from runtime.store.queries import latest_definition, list_definitions
from runtime.store.references import StoreResolver
from runtime.store.submissions import Submission

WORKER = "packtest"
FIRST_STAFF_ID = 900_001  # far from the demo accounts' ids, which a username step uses
MAX_WORKER_ROUNDS = 50
LIBRARIES = Path(__file__).resolve().parents[2] / "templates_lib"  # library packs


@dataclass(frozen=True)
class Failure:
    """One expectation that did not hold (or a step that could not be done)."""

    file: str
    scenario: str
    where: str
    zh: str
    en: str

    def render(self, lang: str = "zh") -> str:
        return f"{self.file} {self.where}: {self.en if lang == 'en' else self.zh}"


@dataclass
class Outcome:
    """One scenario run: its failures, none when it passed."""

    scenario: Scenario
    failures: list[Failure] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


class Invalid(FlowError):
    """What a handler recorded does not hold by the task's handler form (the workbench
    shows these errors beside the form and does nothing)."""

    def __init__(self, zh: str, en: str):
        super().__init__("invalid")
        self.zh, self.en = zh, en

    def message(self, lang: str = "zh") -> str:
        prefix = "办理单未通过校验：" if lang != "en" else "the handler form is refused: "
        return prefix + (self.en if lang == "en" else self.zh)


class Stop(Exception):
    """A step went wrong in a way that makes the rest of the scenario meaningless."""


def read_tests(pack: PackResult) -> tuple[list[Scenario], list[ScenarioError]]:
    """The scenarios of a checked pack's tests/ folder, in file order, and the files that
    cannot be read as scenarios."""
    scenarios, errors = [], []
    for name in sorted(n for n in pack.source.files if is_pack_test(n)):
        try:
            scenarios.append(read_scenario(name, pack.source.files[name]))
        except ScenarioError as error:
            errors.append(error)
    return scenarios, errors


def required_packs(pack: PackResult, root: Path | None) -> list[PackResult]:
    """The packs `pack` declares it requires (and those they require, first), found as
    folders beside it or among the library packs of templates_lib/, by pack id or folder
    name, each checked; one that is not there is left for the import to refuse."""
    folders = _pack_folders([r for r in (root, LIBRARIES) if r is not None])
    ordered: list[PackResult] = []
    seen = {pack.pack.id} if pack.pack else set()

    def visit(current: PackResult) -> None:
        for wanted in _requires(current):
            if wanted in seen or wanted not in folders:
                continue
            seen.add(wanted)
            found = check_path(folders[wanted])
            visit(found)
            ordered.append(found)

    visit(pack)
    return ordered


def _pack_folders(roots: list[Path]) -> dict[str, Path]:
    """Pack folders directly under `roots`, by pack id and by folder name."""
    found: dict[str, Path] = {}
    for root in roots:
        if not root.is_dir():
            continue
        for folder in sorted(p for p in root.iterdir() if (p / MANIFEST).is_file()):
            found.setdefault(folder.name, folder)
            try:
                manifest = load_text(MANIFEST, (folder / MANIFEST).read_bytes()).data
            except DefinitionError:
                continue  # the import of that pack says what is wrong with it
            if isinstance(manifest, dict) and manifest.get("id"):
                found.setdefault(str(manifest["id"]), folder)
    return found


def _requires(pack: PackResult) -> list[str]:
    return [_required_id(r) for r in getattr(pack.pack, "requires", ()) or ()]


def _required_id(item: Any) -> str:
    if isinstance(item, str):
        return item.split("@")[0]
    for key in ("pack", "id"):
        value = getattr(item, key, None) or (item.get(key) if isinstance(item, dict) else None)
        if value:
            return str(value)
    return str(item)


def run_scenario(scenario: Scenario, packs: list[PackResult]) -> Outcome:
    """Run one scenario on a database of its own holding `packs` (the last is the pack under
    test; those before it, what it requires)."""
    outcome = Outcome(scenario)
    engine = make_engine("sqlite://", poolclass=StaticPool,
                         connect_args={"check_same_thread": False})
    try:
        upgrade(engine)
        # The database lives as long as the run: its audit chain needs a key, not a kept one.
        with session_factory(engine, **{audit.KEY_INFO: "packtest"})() as session:
            try:
                Run(session, scenario, outcome).go(packs)
            except Stop:
                pass
    finally:
        engine.dispose()
    return outcome


class Run:
    """One scenario on one database: the case, the clock and the people met so far."""

    def __init__(self, session: Session, scenario: Scenario, outcome: Outcome):
        self.session, self.scenario, self.outcome = session, scenario, outcome
        self.clock = utcnow()
        self.case: CaseRow | None = None
        self.submission: Submission | None = None
        self.refused: dict[str, list[str]] = {}
        self.people: dict[str, actions.Staff] = {}
        self.ids = itertools.count(FIRST_STAFF_ID)
        self.demo_seeded = False

    def fail(self, where: str, zh: str, en: str) -> None:
        self.outcome.failures.append(Failure(self.scenario.file, self.scenario.description,
                                             where, zh, en))

    def go(self, packs: list[PackResult]) -> None:
        for pack in packs:
            self.publish(pack)
        self.start()
        for step in self.scenario.steps:
            self.step(step)
        self.check("expect", self.scenario.expect)

    def publish(self, pack: PackResult) -> None:
        try:
            publish_pack(self.session, pack)
        except PublishError as error:
            for found in error.problems:
                self.fail("import", f"场景包未能导入：{found.render('zh')}",
                          f"the pack was not imported: {found.render('en')}")
            raise Stop() from None
        if pack.pack is not None:
            map_pack_organisation(self.session, pack.pack)

    # --- the application ------------------------------------------------------------

    def start(self) -> None:
        start = self.scenario.start
        row = latest_definition(self.session, "Form", start.form)
        if row is None or not isinstance(row.spec, FormSpec):
            self.fail("start.form", f"没有已发布的表单 '{start.form}'",
                      f"no published form '{start.form}'")
            raise Stop()
        catalogs = self.catalogs(row.pack_id)
        done = submit(self.session, Application(row.spec, start.data, start.key,
                                                submitter=f"packtest:{start.actor.text}"
                                                if start.actor else ""),
                      default_field_types(), catalogs=catalogs, now=self.clock)
        if done.receipt is None:
            zh, en = done.validation.as_dict("zh"), done.validation.as_dict("en")
            self.refused = {path: [f"{a} / {b}" for a, b in zip(zh[path], en[path], strict=True)]
                            for path in zh}
            if "refused" not in self.scenario.expect:
                self.fail("start", f"申请被拒绝：{_refusals(self.refused)}",
                          f"the application was refused: {_refusals(self.refused)}")
            self.check("expect", self.scenario.expect)
            raise Stop()
        self.submission = self.session.scalars(select(Submission).where(
            Submission.tracking_no == done.receipt.tracking_no)).one()
        self.case = self.session.scalars(select(CaseRow).where(
            CaseRow.tracking_no == done.receipt.tracking_no)).one_or_none()

    # --- the steps ------------------------------------------------------------------

    def step(self, step: Step) -> None:
        where = f"steps[{step.index}]"
        if step.after is not None:
            self.pass_time(step.after)
        if step.action is not None:
            try:
                self.do(step)
            except FlowError as error:
                if not self.expected_error(where, step, error):
                    self.fail(where, f"{_words(step, 'zh')}被拒绝：{error.message('zh')}",
                              f"{_words(step, 'en')} was refused: {error.message('en')}")
                    raise Stop() from None
            else:
                if step.error is not None:
                    self.fail(f"{where}.error", f"应被拒绝（{step.error}），却办理成功",
                              f"expected a refusal ({step.error}); the action went through")
        if step.expect is not None:
            self.check(f"{where}.expect", step.expect)

    def expected_error(self, where: str, step: Step, error: FlowError) -> bool:
        if step.error is None:
            return False
        code, text = step.error.get("code"), step.error.get("message")
        if code is not None and code != error.code:
            self.fail(f"{where}.error.code", f"应为 {code}，实际为 {error.code}（"
                      f"{error.message('zh')}）", f"expected {code}, got {error.code} "
                      f"({error.message('en')})")
        messages = error.message("zh") + " / " + error.message("en")
        if text is not None and str(text) not in messages:
            self.fail(f"{where}.error.message", f"拒绝理由中没有“{text}”：{messages}",
                      f"the refusal does not say '{text}': {messages}")
        return True

    def moved(self, duration: Duration) -> datetime:
        """The clock after `duration`."""
        if duration.unit == "working_days":
            # Past the end of the n-th working day after today: what was due by then is late.
            return due_after(self.clock, duration.amount) + timedelta(seconds=1)
        return self.clock + timedelta(**{duration.unit: duration.amount})

    def pass_time(self, duration: Duration) -> None:
        """Move the clock on, then let the worker run every timer that fell due."""
        self.clock = self.moved(duration)
        for _ in range(MAX_WORKER_ROUNDS):
            if not worker.run_once(self.session, WORKER, now=self.clock):
                break

    def do(self, step: Step) -> None:
        case = self.require_case(f"steps[{step.index}]")
        if step.action == "resubmit":
            self.resubmit(step)
            return
        assert step.actor is not None and step.task is not None
        who = self.person(step.actor, f"steps[{step.index}].as")
        no = self.task_for(step, who)
        params = dict(step.params)
        act = self.acting(case.id, who)
        if step.action == "claim":
            act(actions.claim, no)
            return
        if step.action in ("complete", "approve", "reject", "return", "ask_correction",
                           "request_extension"):
            self.claim_if_pooled(case.id, who, no)
        if step.action in ("complete", "approve", "reject"):
            outcome = params.pop("outcome", "reject" if step.action == "reject" else "approve")
            opinion = params.pop("opinion", "同意" if outcome == "approve" else "不同意")
            act(actions.complete, no, outcome=outcome, opinion=opinion,
                data=self.handler_data(step, who, outcome, opinion), **params)
        elif step.action == "return":
            act(actions.return_to, no, params.get("to"), params.get("reason", "退回"))
        elif step.action == "ask_correction":
            act(actions.ask_correction, no, tuple(params.get("fields") or ()),
                params.get("notice"))
        else:
            self.other(step, act, no, params)

    def other(self, step: Step, act: Callable[..., Any], no: int, params: dict[str, Any]) -> None:
        if step.action == "request_extension":
            act(actions.request_extension, no, int(params.get("days", 1)),
                params.get("reason", "需延期"))
        elif step.action == "decide_extension":
            act(actions.decide_extension, no, bool(params.get("approve", True)),
                params.get("note"))
        elif step.action == "suspend":
            act(actions.suspend, no, params.get("reason", "中止"))
        elif step.action == "resume":
            act(actions.resume, no, params.get("note"))
        elif step.action == "remind":
            act(actions.remind, no, params.get("note"))
        elif step.action == "supervise":
            act(actions.supervise, no, params.get("note", "督办"))
        elif step.action == "withdraw":
            act(actions.withdraw, no, params.get("reason"))

    def acting(self, case_id: int, who: actions.Staff) -> Callable[..., Any]:
        def act(action: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
            return use_cases.act(self.session, case_id,
                                 lambda flow: action(flow, who, *args, **kwargs),
                                 actor=Actor(who.user_id, who.name), now=self.clock)
        return act

    def handler_data(self, step: Step, who: actions.Staff, outcome: str,
                     opinion: str | None) -> dict[str, Any] | None:
        """The step's `data` validated whole by the task's handler form, as the workbench
        validates what a handler posts: what the task keeps of it, or `Invalid`."""
        assert self.case is not None and step.task is not None
        plan = stored_cases.load(self.session, self.case.id)[1]
        form_id = plan.template(step.task).content.form
        row = latest_definition(self.session, "Form", form_id) if form_id else None
        if row is None or not isinstance(row.spec, FormSpec):
            return step.data
        raw = {**(step.data or {}), **handler.engine_values(row.spec, outcome, opinion)}
        result = validate(row.spec, raw, default_field_types(), catalogs=self.catalogs(row.pack_id),
                          resolver=StoreResolver(self.session, who.principal))
        errors = {lang: handler.shown_errors(result.as_dict(lang)) for lang in ("zh", "en")}
        if errors["zh"]:
            raise Invalid(*(_refusals(errors[lang]) for lang in ("zh", "en")))
        return handler.task_data(result.data)

    def catalogs(self, pack_id: str) -> dict[str, CatalogSpec]:
        return {r.spec.id: r.spec for r in list_definitions(self.session, "Catalog", pack_id)
                if isinstance(r.spec, CatalogSpec)}

    def claim_if_pooled(self, case_id: int, who: actions.Staff, no: int) -> None:
        task = self.session.scalars(select(Task).where(Task.case_id == case_id, Task.no == no)
                                    .execution_options(populate_existing=True)).one()
        if task.user_id is None:  # in the pool; a step run again goes straight to its holder
            self.acting(case_id, who)(actions.claim, no)

    def resubmit(self, step: Step) -> None:
        submission = self.submission
        assert submission is not None
        self.session.refresh(submission)
        form = latest_definition(self.session, "Form", submission.form_id)
        assert form is not None and isinstance(form.spec, FormSpec)
        result = resubmit(self.session, Correction(submission, form.spec, step.data or {}),
                          default_field_types())
        if not result.ok:
            self.fail(f"steps[{step.index}]", f"补正未通过校验：{result.as_dict('zh')}",
                      f"the correction was refused: {result.as_dict('en')}")
            raise Stop()

    def require_case(self, where: str) -> CaseRow:
        if self.case is None:
            self.fail(where, "申请没有启动办件", "the application started no case")
            raise Stop()
        return self.case

    def task_for(self, step: Step, who: actions.Staff) -> int:
        """The live task of the step this person holds, or else one in their pool, or else
        one of their department, or else the step's only live task (a lead deciding an
        extension, a supervisor reminding: the engine says whether they may)."""
        live = [t for t in self.tasks(step.task) if t.status in LIVE]
        departments = {m.department_code for m in who.principal.memberships}
        mine = [t for t in live if t.user_id == who.user_id]
        pooled = [t for t in live if t.user_id is None and t.department in departments]
        ours = [t for t in live if t.department in departments]
        found = mine or pooled or ours or (live if len(live) == 1 else [])
        if found:
            return found[0].no
        shown = ", ".join(f"{t.department}/{t.role} ({t.status})" for t in live) or "—"
        self.fail(f"steps[{step.index}].task",
                  f"{who.name} 在环节 '{step.task}' 没有可办的任务；该环节在办的任务：{shown}",
                  f"{who.name} has no task to do at step '{step.task}'; its live tasks: {shown}")
        raise Stop()

    def person(self, actor: Person, where: str) -> actions.Staff:
        found = self.people.get(actor.text)
        if found is not None:
            return found
        if actor.username is not None:
            found = self.account(actor.username, where)
        else:
            assert actor.role is not None and actor.department is not None
            membership = access.Membership(actor.department, (actor.department,), None,
                                           actor.role,
                                           access.DEFAULT_SCOPES.get(actor.role, access.DEPARTMENT))
            found = actions.Staff(access.Principal(next(self.ids), (membership,)), actor.text)
        self.people[actor.text] = found
        return found

    def account(self, username: str, where: str) -> actions.Staff:
        if not self.demo_seeded:
            seed_demo(self.session, env="testing")
            self.demo_seeded = True
        user = user_by_name(self.session, username)
        if user is None:
            self.fail(where, f"没有用户 {username}", f"no user {username}")
            raise Stop()
        return actions.Staff(principal_of(user), username)

    # --- what is there --------------------------------------------------------------

    def tasks(self, step: str | None = None) -> list[Task]:
        assert self.case is not None
        query = select(Task).where(Task.case_id == self.case.id).order_by(Task.no)
        if step is not None:
            query = query.where(Task.step == step)
        return list(self.session.scalars(query.execution_options(populate_existing=True)))

    def events(self, action: str) -> int:
        assert self.case is not None
        return self.session.scalar(select(func.count()).select_from(CaseEvent).where(
            CaseEvent.case_id == self.case.id, CaseEvent.action == action)) or 0

    def holder(self, text: str) -> int | None:
        actor = self.people.get(text)
        return None if actor is None else actor.user_id

    def case_data(self) -> dict[str, Any]:
        assert self.case is not None
        return stored_cases.load(self.session, self.case.id)[2].data  # with the rule results

    def check(self, where: str, expect: dict[str, Any]) -> None:
        for failure in expectations.check(self, where, expect):
            self.fail(*failure)


def _refusals(errors: dict[str, list[str]]) -> str:
    return "; ".join(f"{path}: {', '.join(texts)}" for path, texts in errors.items())


def _words(step: Step, lang: str) -> str:
    return (f"{step.actor.text if step.actor else ''} {step.action} {step.task or ''}".strip()
            if lang == "en" else
            f"{step.actor.text if step.actor else ''} 在 {step.task or ''} 的 {step.action} ")


def run_pack(path: str | Path) -> tuple[list[Outcome], list[Failure]]:
    """Every scenario of the pack at `path` (a folder or zip), each on its own database;
    and the problems that stopped any from running (the pack does not check clean, a test
    file cannot be read)."""
    pack = check_path(path)
    if not pack.ok:
        return [], [Failure(p.file, "", p.path, p.message("zh"), p.message("en"))
                    for p in pack.problems]
    scenarios, errors = read_tests(pack)
    problems = [Failure(e.file, "", e.path, e.zh, e.en) for e in errors]
    target = Path(path)
    packs = [*required_packs(pack, target.parent if target.is_dir() else None), pack]
    return [run_scenario(s, packs) for s in scenarios], problems


def scenario_files(root: Path) -> Iterator[tuple[Path, str]]:
    """(pack folder, test file name) of every pack test under `root` (for the test suite)."""
    for folder in sorted(p for p in root.iterdir() if (p / "pack.yaml").is_file()):
        tests = folder / "tests"
        if tests.is_dir():
            for file in sorted(tests.iterdir()):
                if is_pack_test(f"tests/{file.name}"):
                    yield folder, f"tests/{file.name}"
