"""Benchmark of the designer: the form designer, the process, decision-table, expression and
items editors, each action beside a bare Flask app answering the same bytes as the citizen's
form page (the baseline: the same job without the product), measured in the same run.

Run `python bench/designer.py`. A pack is generated in a temp folder: a form of 200
fields, a process of 30 steps (a chain with parallel branches and joins), a decision table
of 30 rows over 3 inputs, a rule set of 30 rules; it is published into a fresh SQLite
database and the editors are driven through the Flask test client as a signed-in designer.
Each action is timed over ROUNDS requests after one warm-up; the median and the p95 are
printed in ms with the ratio to the baseline. Goal: every action under 100 ms.

Actions: the form designer's (open it with a field selected; add a field, delete it; move a
field; change a field's property in the panel; check an expression of the form as the user
types); open the process editor with a step selected (check the copy among its pack, lay out
and draw the diagram, generate the step's panel); save a step's panel (write the copy, check,
redraw); add a step; check an expression at its place as the user types; open the decision
table editor (grid, overlap and gap analysis); save the grid; test the table with an input;
open the rule-set editor with a rule selected (its schema-generated panel, the problems at
their inputs); save a rule's panel; try the rule set on data; add a rule (last: the rules
added, each without its expression yet, leave the set with schema errors, which no test runs
on).
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("LOWCODE_AUDIT_KEY", "bench-audit-key")

from flask import Flask  # noqa: E402
from werkzeug.test import TestResponse  # noqa: E402

from runtime import passwords  # noqa: E402
from runtime.demo import DEMO_PASSWORD, seed_demo  # noqa: E402
from runtime.packs import check_path  # noqa: E402
from runtime.store.migrate import upgrade  # noqa: E402
from runtime.store.publish import publish_pack  # noqa: E402
from runtime.web import create_app  # noqa: E402
from runtime.web.database import store  # noqa: E402

ROUNDS = 30
FIELDS = 200
STEPS = 30
ROWS = 30
RULES = 30
GOAL_MS = 100.0
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
REVISION = re.compile(r'name="revision" value="(\d+)"')
ADDED = re.compile(r'data-selected="(zheng_shu[\w]*)"')


def write_pack(root: Path) -> None:
    files = {
        "pack.yaml": "kind: Pack\nid: bench_pack\nversion: 1\nformat: 1\n"
                     "title: {zh: 基准, en: Bench}\n"
                     "departments:\n  - {code: GOVSVC, name: {zh: 政务服务中心, en: Centre}}\n"
                     "roles:\n  - {code: clerk, name: {zh: 办事员, en: Clerk}}\n",
        "catalogs/services.yaml": "kind: Catalog\nid: bench_services\nversion: 1\n"
                                  "title: 事项\ntype: services\nitems:\n"
                                  "  - {code: B-1, label: 基准事项, department: GOVSVC, "
                                  "form: bench_form}\n",
        "forms/form.yaml": _form(),
        "tasks/task.yaml": "kind: TaskTemplate\nid: bench_task\nversion: 1\n"
                           "title: {zh: 办理, en: Handle}\ncontent: {instructions: 办理}\n"
                           "coordination:\n  assignee: {department: GOVSVC, role: clerk}\n"
                           "  deadline: {working_days: 5}\n",
        "processes/process.yaml": _process(),
        "rules/table.yaml": _table(),
        "rules/rules.yaml": _rules(),
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


def _form() -> str:
    lines = ["kind: Form", "id: bench_form", "version: 1", "title: {zh: 基准表单, en: Bench}",
             "department: GOVSVC", "service: {catalog: bench_services, item: B-1}",
             "fields:", "  - {id: kind, type: select, label: 类别, options: "
             "[{value: a, label: A}, {value: b, label: B}, {value: c, label: C}]}",
             "  - {id: urgent, type: yes_no, label: 加急}"]
    for i in range(1, FIELDS - 1):
        compute = f", compute: 'f{i - 1} + 1'" if i % 10 == 0 else ""
        lines.append(f"  - {{id: f{i}, type: integer, label: 字段{i}{compute}}}")
    return "\n".join(lines) + "\n"


def _process() -> str:
    lines = ["kind: Process", "id: bench_process", "version: 1",
             "title: {zh: 基准流程, en: Bench}", "start_form: bench_form", "steps:",
             "  - {id: s0, task: bench_task}"]
    for i in range(1, STEPS):
        after = f"[s{i - 1}]" if i % 3 else f"[s{i - 1}, s{max(i - 2, 0)}]"
        when = ", when: 'f1 > 0'" if i % 5 == 0 else ""
        lines.append(f"  - {{id: s{i}, task: bench_task, after: {after}{when}}}")
    return "\n".join(lines) + "\n"


def _table() -> str:
    lines = ["kind: DecisionTable", "id: bench_table", "version: 1",
             "title: {zh: 基准决策表, en: Bench}", "form: bench_form", "hit_policy: first",
             "outputs:", "  - {id: level}", "rows:"]
    for i in range(ROWS):
        kind = "abc"[i % 3]
        lines.append(f"  - when: \"f1 >= {i * 10} and f1 < {i * 10 + 10} and kind == '{kind}'"
                     f" and urgent\"\n    then: {{level: {i}}}")
    lines.append("default: {level: -1}")
    return "\n".join(lines) + "\n"


def _rules() -> str:
    lines = ["kind: RuleSet", "id: bench_rules", "version: 1",
             "title: {zh: 基准规则集, en: Bench}", "form: bench_form", "rules:"]
    for i in range(RULES):
        lines.append(f"  - {{id: r{i}, purpose: eligibility, expression: 'f{i + 1} > {i}', "
                     f"message: 第{i}条不符合}}")
    return "\n".join(lines) + "\n"


def timed(action: Callable[[], TestResponse]) -> list[float]:
    answer = action()
    assert answer.status_code == 200, (answer.status_code, answer.get_data(as_text=True)[:500])
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        answer = action()
        times.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
    return times


def main() -> None:
    passwords.METHOD = "scrypt:1024:8:1"
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_pack(root / "pack")
        url = f"sqlite:///{root / 'bench.db'}"
        upgrade(url)
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True,
                          "LOWCODE_ENV": "development", "INSTANCE_PATH": root / "instance"})
        with store(app).sessions() as session:
            seed_demo(session, env="testing")
            report = publish_pack(session, check_path(root / "pack"))
            assert report is not None
        client = app.test_client()
        token = CSRF.search(client.get("/auth/login").get_data(as_text=True))
        assert token is not None
        client.post("/auth/login", data={"username": "designer", "password": DEMO_PASSWORD,
                                         "csrf_token": token.group(1)})
        page = client.get("/designer/processes/bench_process?step=10").get_data(as_text=True)
        csrf = CSRF.search(page).group(1)  # type: ignore[union-attr]
        hx = {"HX-Request": "true", "X-CSRFToken": csrf}

        # The revision each form carries, taken from the answer to the last change (as the
        # page the designer sees holds it), so that no extra request is timed.
        revisions = {"Process": "1", "DecisionTable": "1", "RuleSet": "1", "Form": "1"}

        def posted(kind: str, path: str, data: dict[str, object]) -> TestResponse:
            answer = client.post(path, headers=hx, data={**data, "revision": revisions[kind]})
            found = REVISION.search(answer.get_data(as_text=True))
            if found:
                revisions[kind] = found.group(1)
            return answer

        counter = iter(range(10_000))
        step_form = {"s10.id": "s10", "s10.task": "bench_task", "s10.after": "s9",
                     "s10.join": "all"}

        def save_step() -> TestResponse:
            return posted("Process", "/designer/processes/bench_process/steps/10",
                          {**step_form, "s10.when": f"f1 > {next(counter)}"})

        revisions["Process"] = REVISION.search(page).group(1)  # type: ignore[union-attr]
        form_page = client.get("/designer/forms/bench_form").get_data(as_text=True)
        revisions["Form"] = REVISION.search(form_page).group(1)  # type: ignore[union-attr]
        added: list[str] = []

        def form_edit(data: dict[str, object]) -> TestResponse:
            return posted("Form", "/designer/forms/bench_form/edit",
                          {"selected": "f20", **data})

        def add_field() -> TestResponse:
            answer = form_edit({"op": "add", "type": "integer", "parent": "", "index": "5"})
            added.extend(ADDED.findall(answer.get_data(as_text=True))[:1])
            return answer

        def delete_field() -> TestResponse:  # the one added: the form stays at 200 fields
            return form_edit({"op": "delete", "field": added.pop()})
        table_page = client.get("/designer/tables/bench_table", headers=hx).get_data(
            as_text=True)
        grid = dict(re.findall(r'<input name="([cond]\d+\.[\w.]+|d\.\w+)" value="([^"]*)"',
                               table_page))
        grid = {k: v.replace("&#39;", "'") for k, v in grid.items()}
        revisions["DecisionTable"] = REVISION.search(table_page).group(1)  # type: ignore[union-attr]
        rules_page = client.get("/designer/items/rules/bench_rules?item=10", headers=hx)
        revisions["RuleSet"] = REVISION.search(rules_page.get_data(as_text=True)).group(1)  # type: ignore[union-attr]

        # The baseline does the same job without the product: a bare Flask app answering the
        # same bytes through the same test client (the form page is timed as one row more).
        bare = Flask("bare")
        form_html = client.get("/forms/bench_form").get_data()
        bare.add_url_rule("/", "page", lambda: form_html)
        bare_client = bare.test_client()
        actions: list[tuple[str, Callable[[], TestResponse], bool]] = [
            ("baseline: bare Flask, same bytes", lambda: bare_client.get("/"), False),
            ("the form page (200 fields)", lambda: client.get("/forms/bench_form"), False),
            ("form designer, a field selected", lambda: client.get(
                "/designer/forms/bench_form?selected=f20", headers=hx), True),
            ("form: add a field", add_field, True),
            ("form: delete a field", delete_field, True),
            ("form: move a field", lambda: form_edit({
                "op": "move", "field": "f30", "parent": "",
                "index": str(10 + next(counter) % 2 * 150)}), True),
            ("form: change a property", lambda: form_edit({
                "op": "props", "field": "f20", "prop-label.zh": f"字段{next(counter)}",
                "prop-label.en": "Field"}), True),
            ("form: check an expression", lambda: client.post(
                "/designer/expressions/check", headers=hx, data={
                    "kind": "Form", "def_id": "bench_form", "path": "fields[20].visible_when",
                    "field": "e", "wid": "w", "e": "f1 > 3 and urgen"}), True),
            ("process editor, step selected", lambda: client.get(
                "/designer/processes/bench_process?step=10", headers=hx), True),
            ("save a step (write, check, redraw)", save_step, True),
            ("add a step", lambda: posted(
                "Process", "/designer/processes/bench_process/steps", {
                    "task": "bench_task", "id": f"n{next(counter)}", "after": "s29"}), True),
            ("check an expression at its place", lambda: client.post(
                "/designer/expressions/check", headers=hx, data={
                    "kind": "Process", "def_id": "bench_process", "path": "steps[10].when",
                    "field": "e", "wid": "w", "e": "f1 > 3 and is_em"}), True),
            ("decision-table editor (analysis)", lambda: client.get(
                "/designer/tables/bench_table", headers=hx), True),
            ("save the grid", lambda: posted(
                "DecisionTable", "/designer/tables/bench_table", {
                    **grid, "o0.level": str(next(counter)), "row_count": str(ROWS),
                    "inputs": ["f1", "kind", "urgent"], "hit_policy": "first", "op": "save"}),
             True),
            ("test the table with an input", lambda: client.post(
                "/designer/tables/bench_table/test", headers=hx, data={
                    "t.f1": "125", "t.kind": "a", "t.urgent": "true"}), True),
            ("rule-set editor, rule selected", lambda: client.get(
                "/designer/items/rules/bench_rules?item=10", headers=hx), True),
            ("save a rule (write, check)", lambda: posted(
                "RuleSet", "/designer/items/rules/bench_rules/edit", {
                    "item": "10", "op": "save", "i10.id": "r10",
                    "i10.expression": f"f11 > {next(counter)}"}), True),
            ("try the rule set on data", lambda: client.post(
                "/designer/items/rules/bench_rules/test", headers=hx,
                data={f"t.f{i}": str(i) for i in range(1, RULES + 1)}), True),
            ("add a rule", lambda: posted(
                "RuleSet", "/designer/items/rules/bench_rules/edit", {"op": "add"}), True),
        ]
        baseline = None
        print(f"{'action':44} {'median ms':>10} {'p95 ms':>8} {'x bare':>7}  goal <{GOAL_MS:g}")
        for name, action, goal in actions:
            times = sorted(timed(action))
            median = statistics.median(times)
            p95 = times[int(len(times) * 0.95) - 1]
            baseline = baseline or median
            verdict = ("ok" if median < GOAL_MS else "SLOW") if goal else ""
            print(f"{name:44} {median:10.1f} {p95:8.1f} {median / baseline:7.2f}  {verdict}")


if __name__ == "__main__":
    main()
