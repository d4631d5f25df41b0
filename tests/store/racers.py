"""What the race tests run in their child processes (forked from a clean 'forkserver' process
that imported this module, so everything a child needs comes in its arguments): clerks claiming one task together, two departments
finishing the two branches before a join together, and workers running due timers together.

Each child opens its own engine on the test database and puts one result on `results`: its
name and a list of outcomes, or ("crash", traceback) when anything but a refusal went wrong.
Where two children must act "at the same moment", they meet at `barrier` inside the action,
after reading the case and before writing it, on their first try only: every one of them
has read the same version of the case, so all but one must find it changed, and retry.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from datetime import datetime
from typing import Any

from runtime import worker
from runtime.casework import cases as use_cases
from runtime.flows import actions
from runtime.flows.case import Actor
from runtime.flows.engine import Flow
from runtime.flows.errors import FlowError
from runtime.store.db import make_engine, session_factory

from .casework import staff

BARRIER_TIMEOUT = 30  # seconds: a child whose partner died stops waiting


def _run(name: str, url: str, results: Any, body: Callable[[Any], list[Any]]) -> None:
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            results.put((name, body(session)))
    except BaseException:
        results.put((name, [("crash", traceback.format_exc())]))
    finally:
        engine.dispose()


def _together(barrier: Any, action: Callable[[Flow], Any], tries: list[int]
              ) -> Callable[[Flow], Any]:
    """`action`, first waiting at `barrier` on the first try; `tries` counts the tries."""

    def run(flow: Flow) -> Any:
        tries.append(1)
        if len(tries) == 1:
            barrier.wait(BARRIER_TIMEOUT)
        return action(flow)

    return run


def claim_and_complete(url: str, user_id: int, case_ids: list[int], barrier: Any,
                       results: Any) -> None:
    """A GOVSVC clerk claims task 1 of each case, with the other clerks, and completes it
    if the claim was theirs: per case ("won" or "refused", error code, message, tries)."""
    clerk = staff(user_id, "GOVSVC")
    actor = Actor(clerk.user_id, clerk.name)

    def body(session: Any) -> list[Any]:
        outcomes = []
        for case_id in case_ids:
            tries: list[int] = []
            claim = _together(barrier, lambda f: actions.claim(f, clerk, 1), tries)
            try:
                use_cases.act(session, case_id, claim, actor=actor)
                use_cases.act(session, case_id, lambda f: actions.complete(f, clerk, 1), actor=actor)
                outcomes.append(("won", None, None, len(tries)))
            except FlowError as refused:
                outcomes.append(("refused", refused.code, refused.message(), len(tries)))
        return outcomes

    _run(f"clerk-{user_id}", url, results, body)


def complete_branch(url: str, user_id: int, department: str, work: list[tuple[int, int]],
                    barrier: Any, results: Any) -> None:
    """A clerk of `department` completes, for each (case, task), the task they hold, at the
    moment the other branch's clerk completes theirs: per case the tries it took."""
    clerk = staff(user_id, department)
    actor = Actor(clerk.user_id, clerk.name)

    def body(session: Any) -> list[Any]:
        outcomes = []
        for case_id, no in work:
            tries: list[int] = []
            complete = _together(barrier, lambda f, no=no: actions.complete(f, clerk, no), tries)
            use_cases.act(session, case_id, complete, actor=actor)
            outcomes.append(len(tries))
        return outcomes

    _run(f"{department}-{user_id}", url, results, body)


def run_worker(url: str, name: str, now: str, barrier: Any, results: Any) -> None:
    """A worker that starts with the others and runs what is due at `now` until nothing is
    left to claim: the number of jobs it claimed in each round."""

    def body(session: Any) -> list[Any]:
        barrier.wait(BARRIER_TIMEOUT)
        rounds = []
        while count := worker.run_once(session, name, now=datetime.fromisoformat(now)):
            rounds.append(count)
        return rounds

    _run(name, url, results, body)
