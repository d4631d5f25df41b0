"""`lowcode pack import --dry-run` prints the compatibility report of each new version, with
the submissions, drafts and running cases that stand on the published one."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from runtime import lifecycle
from runtime.store.db import make_engine, session_factory
from store.casework import BIRTH
from store.test_pack_lifecycle import Run, a_running_case_and_a_draft


def _bump(text: str) -> str:
    return re.sub(r"^version: (\d+)$", lambda m: f"version: {int(m[1]) + 1}", text, count=1,
                  flags=re.M)


def changed_birth(tmp_path: Path) -> Path:
    """The next birth pack: the form renames a field (declared), retypes one and drops an
    option; the process only raises its version."""
    pack = tmp_path / "birth_next"
    shutil.copytree(BIRTH, pack)
    for name in ("pack.yaml", "processes/birth_joint.yaml"):
        path = pack / name
        path.write_text(_bump(path.read_text("utf-8")), "utf-8")
    form = pack / "forms" / "birth_apply.yaml"
    text = _bump(form.read_text("utf-8"))
    for old, new in (
            ("{id: birth_certificate_scan, type: file,",
             "{id: certificate_scan, renamed_from: birth_certificate_scan, type: file,"),
            ("{id: delivery_address, type: address,", "{id: delivery_address, type: text,"),
            ("          - {value: F, label: {zh: 女, en: Female}}\n", "")):
        assert old in text
        text = text.replace(old, new, 1)
    form.write_text(text, "utf-8")
    return pack


def test_the_dry_run_reports_what_the_new_form_means_for_what_stands_on_the_old(
        run: Run, db_url: str, tmp_path: Path) -> None:
    run("db", "upgrade")
    assert run("pack", "import", str(BIRTH)).exit_code == 0
    a_running_case_and_a_draft(db_url)
    result = run("pack", "import", "--dry-run", str(changed_birth(tmp_path)))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    form = next(i for i, line in enumerate(lines) if line.startswith("  新版本 Form birth_apply"))
    assert lines[form + 1].startswith("    1 份草稿仍按第 ")
    report = lines[form + 2:form + 6]
    assert report[:3] == [
        "    [不兼容] 字段 'delivery_address' 的类型由 address 改为 text：已有的值可能不再有效",
        "    [注意] 字段 'child_gender' 删除了选项 F：已选这些选项的数据不再是可选值",
        "    [说明] 字段 'birth_certificate_scan' 改名为 'certificate_scan'（renamed_from）："
        "已有数据随之带入",
    ]
    # the running case was started by the submission, on the old form's fields
    assert report[3].startswith("    [说明] 1 份申请、1 份草稿、1 个在办办件仍按旧版本")
    assert not lines[form + 6].startswith("    [")  # the next definition: the report ended
    english = run("pack", "import", "--dry-run", str(changed_birth(tmp_path / "en")),
                  "--lang", "en")
    assert ("    [breaking] field 'delivery_address' changed type from address to text: "
            "existing values may no longer be valid") in english.output.splitlines()


def test_running_cases_are_counted_at_the_step_they_stand_at(run: Run, db_url: str) -> None:
    run("db", "upgrade")
    assert run("pack", "import", str(BIRTH)).exit_code == 0
    a_running_case_and_a_draft(db_url)
    engine = make_engine(db_url)
    try:
        with session_factory(engine)() as session:
            usage = lifecycle.usage_of(session, "Process", "birth_joint")
            assert sum(usage.running.values()) == 1
            assert usage.running_at == {"accept": 1}
            published = max(usage.running)
            data = lifecycle.packlife.definition_data(session, "Process", "birth_joint",
                                                      published)
            steps = [s for s in data["steps"] if s["id"] != "accept"]
            for step in steps:
                step["after"] = [a for a in step.get("after", []) if a != "accept"]
            report = lifecycle.compatibility_of(session, "Process", "birth_joint", published,
                                                {**data, "version": published + 1,
                                                 "steps": steps})
    finally:
        engine.dispose()
    assert report.findings[0].message("en") == (
        "step 'accept' removed: 1 running case(s) stand at it and finish on the old version")
