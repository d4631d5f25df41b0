""""Checks clean means runs", by fuzzing: the shipped packs mutated (references, field names in
expressions, types, keys removed, values of the wrong YAML type; tests/packs/mutants.py) and
each mutant either refused by the checker, every problem naming its file and a place, or,
accepted, run on its main path (the application submitted as the portal submits it, the first
steps done as staff do them) with no uncaught exception (an HTTP 500 on the portal or the
workbench) and no lost application: the submission is stored with its case or an incident an
administrator sees, or it is refused with errors the applicant is shown.

Seeded and bounded: MUTANTS per pack by default; `LOWCODE_FUZZ=N` runs N per pack (and
`LOWCODE_FUZZ_SEED` another seed) for a longer hunt.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from packs.mutants import Mutant, pick
from runtime.casework import cases as use_cases
from runtime.definitions.checker import Checked, Library, check_documents
from runtime.definitions.loader import Document, load_text
from runtime.definitions.spec import DecisionTableSpec, FormSpec
from runtime.flows.case import LIVE
from runtime.flows.errors import FlowError
from runtime.forms.state import form_state
from runtime.packs import PackResult, PackSource, find_libraries, read_folder
from runtime.packtests.runner import Invalid, Outcome, Run, Stop, read_tests, required_packs
from runtime.packtests.scenario import Scenario, read_scenario
from runtime.providers import default_extensions
from runtime.store import audit
from runtime.store.accounts import Department
from runtime.store.cases import CaseRow, Task
from runtime.store.db import make_engine, session_factory
from runtime.store.incidents import Incident
from runtime.store.migrate import upgrade
from runtime.store.submissions import Submission

ROOT = Path(__file__).parents[2] / "scenario_packs"
MUTANTS = 80
STEPS = 4  # the first steps of the main path are done on each accepted mutant
SEED = int(os.environ.get("LOWCODE_FUZZ_SEED", "13"))
COUNT = int(os.environ.get("LOWCODE_FUZZ") or MUTANTS)
# The policy pack ships no pack tests: its main path's start, as its own tests submit it.
POLICY_MAIN = """
description: 研发费用补助主流程的开头 / the start of the R&D subsidy's main path
start:
  form: pr_rd_apply
  data: {company_name: 示例市星河智能装备有限公司, uscc: 91110000600037341L,
         registered_here: true, bad_credit: false, rd_spend: "3200000",
         materials: [licence, audit_report, project_docs, tax_proof],
         bank_name: 示例银行示例市分行, bank_account: "6222020200012345678",
         contact_name: 周敏, contact_mobile: "13800138000"}
steps:
  - {as: clerk@GOVSVC, task: accept, action: approve, data: {tolerated: false}}
  - {as: clerk@INDUSTRY, task: review, action: approve, data: {approved_amount: 320000}}
"""


@dataclass
class Subject:
    """One shipped pack, loaded once: its documents, what it requires, its main path and a
    database with the required packs imported, copied for each mutant."""

    name: str
    source: PackSource
    docs: list[Document]
    libraries: dict[str, Library]
    required: list[PackResult]
    scenario: Scenario
    template: sqlite3.Connection


def load_subject(name: str) -> Subject:
    folder = ROOT / name
    source = read_folder(folder)
    docs = [load_text(n, source.files[n]) for n in sorted(source.files)
            if n.endswith((".yaml", ".json")) and not n.startswith(("tests/", "assets/"))]
    libraries = find_libraries(source, near=ROOT)
    result = check_documents(docs, extensions=default_extensions(), libraries=libraries)
    assert result.ok, [p.render() for p in result.problems]
    pack = PackResult(source, [], result.definitions)
    scenarios, _ = read_tests(pack)
    main = [s for s in scenarios if s.file == "tests/main_path.yaml"] or \
        [read_scenario("tests/main_path.yaml", POLICY_MAIN)]
    required = required_packs(pack, ROOT)
    template = sqlite3.connect(":memory:", check_same_thread=False)
    with _session(template, keep=True) as session:
        upgrade(session.get_bind())  # type: ignore[arg-type]
        runner = Run(session, main[0], Outcome(main[0]))
        for library in required:
            runner.publish(library)
    return Subject(name, source, docs, libraries, required, main[0], template)


class _Session:
    def __init__(self, connection: sqlite3.Connection, keep: bool = False):
        self.keep = keep
        self.engine = make_engine("sqlite://", poolclass=StaticPool,
                                  creator=lambda: connection)
        self.session = session_factory(self.engine, **{audit.KEY_INFO: "fuzz"})()

    def __enter__(self) -> Session:
        return self.session

    def __exit__(self, *_: object) -> None:
        self.session.close()
        if not self.keep:  # disposing closes the connection: the template's is kept
            self.engine.dispose()


def _session(connection: sqlite3.Connection, keep: bool = False) -> _Session:
    return _Session(connection, keep)


class Quiet(Run):
    """The main path without its expectations: a mutant may change what happens, not
    whether the platform copes."""

    def check(self, where: str, expect: dict[str, object]) -> None:
        pass


def verdict(subject: Subject, mutant: Mutant) -> str | None:
    """What breaks the promise for `mutant`, or None when it is kept."""
    result = check_documents(mutant.apply(subject.docs), extensions=default_extensions(),
                             libraries=subject.libraries)
    if result.problems:
        unplaced = [p.render("en") for p in result.problems
                    if not p.file or not (p.path or p.line)]
        return f"refused without naming the place: {unplaced}" if unplaced else None
    shown = forms_shown(subject, result.definitions)
    if shown:
        return shown
    database = sqlite3.connect(":memory:", check_same_thread=False)
    subject.template.backup(database)
    with _session(database) as session:
        return run_main_path(session, subject, PackResult(subject.source, [],
                                                          result.definitions))


def forms_shown(subject: Subject, definitions: list[Checked]) -> str | None:
    """Every form's page as it first shows (empty), the start form's also with the start
    data, as the portal and the workbench compute them: a crash there is a 500."""
    specs = [d.spec for d in definitions]
    start = subject.scenario.start
    for form in (s for s in specs if isinstance(s, FormSpec)):
        tables = {t.id: t for t in specs if isinstance(t, DecisionTableSpec)
                  and t.form == form.id}
        for data in ({}, start.data) if form.id == start.form else ({},):
            try:
                form_state(form, data, tables)
            except Exception as error:  # noqa: BLE001 - what the page would answer with a 500
                return f"form {form.id} on {data}: uncaught {type(error).__name__}: {error}"
    return None


def run_main_path(session: Session, subject: Subject, pack: PackResult) -> str | None:
    runner = Quiet(session, subject.scenario, Outcome(subject.scenario))
    try:
        runner.publish(pack)
    except Stop:
        return f"checks clean but is not imported: {runner.outcome.failures}"
    try:
        runner.start()
        for step in subject.scenario.steps[:STEPS]:
            runner.step(step)
    except (Stop, FlowError, Invalid):
        pass  # refused as a person would be told: not a crash
    except Exception as error:  # noqa: BLE001 - what a page would answer with a 500
        session.rollback()
        return f"uncaught {type(error).__name__}: {error}"
    return lost(session, runner)


def lost(session: Session, runner: Run) -> str | None:
    submissions = list(session.scalars(select(Submission)))
    if not submissions:
        if runner.refused:
            return None  # refused with the errors the applicant is shown
        return "the application was neither stored nor refused with errors"
    tracking = submissions[0].tracking_no
    has_case = session.scalars(select(CaseRow).where(CaseRow.tracking_no == tracking)).first()
    incident = session.scalars(select(Incident).where(Incident.tracking_no == tracking)).first()
    if has_case is None and incident is None:
        return "stored, but with no case and no incident: nobody will see it"
    known = set(session.scalars(select(Department.code)))
    orphans = {t.department for t in session.scalars(select(Task).where(
        Task.status.in_(LIVE))) if t.department not in known}
    return f"a task in the pool of {orphans}, a department nobody belongs to" \
        if orphans else None


SUBJECTS = ("birth_one_thing", "hotline_12345", "policy_redemption")


@pytest.fixture(scope="module")
def subjects() -> Iterator[dict[str, Subject]]:
    loaded = {name: load_subject(name) for name in SUBJECTS}
    yield loaded
    for subject in loaded.values():
        subject.template.close()


@pytest.mark.parametrize("name", SUBJECTS)
def test_the_unmutated_main_path_runs(subjects: dict[str, Subject], name: str) -> None:
    subject = subjects[name]
    result = check_documents(subject.docs, extensions=default_extensions(),
                             libraries=subject.libraries)
    database = sqlite3.connect(":memory:", check_same_thread=False)
    subject.template.backup(database)
    with _session(database) as session:
        runner = Run(session, subject.scenario, Outcome(subject.scenario))
        runner.publish(PackResult(subject.source, [], result.definitions))
        runner.start()
        for step in subject.scenario.steps[:STEPS]:
            runner.step(step)
        assert runner.case is not None and runner.outcome.passed, runner.outcome.failures
        assert lost(session, runner) is None


@pytest.mark.parametrize("name", SUBJECTS)
def test_every_mutant_is_refused_or_runs(subjects: dict[str, Subject], name: str) -> None:
    subject = subjects[name]
    broken = []
    chosen = pick(subject.docs, SEED, COUNT)
    assert len(chosen) == COUNT
    for mutant in chosen:
        found = verdict(subject, mutant)
        if found:
            broken.append(f"{mutant.describe()}: {found}")
    assert not broken, "\n".join(broken)


def test_the_promise_is_watched_where_a_mutant_once_broke_it(
        subjects: dict[str, Subject], monkeypatch: pytest.MonkeyPatch) -> None:
    """The hotline's dispatch rule reading the address instead of the department: kept as a
    regression case; without the run-time check it opens a task nobody can claim, and the
    fuzz test says so."""
    address = Mutant("expression_other", "tasks/hl_handle.yaml",
                     ("coordination", "assignee", "rule"),
                     "coalesce(steps['dispatch']['data']['assign_to'], address)")
    subject = subjects["hotline_12345"]
    assert verdict(subject, address) is None
    monkeypatch.setattr(use_cases, "pools_known", lambda *_: None)
    found = verdict(subject, address)
    assert found is not None and "a department nobody belongs to" in found
