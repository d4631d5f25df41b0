"""The pack test format read strictly: each malformed scenario is refused with its place and
what to write instead, before anything runs; and the runner's own refusals (a pack that does
not import beside another, a correction the form refuses, a zip's tests)."""

from __future__ import annotations

import io
import shutil
import zipfile
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from runtime.packs import check_path
from runtime.packtests.runner import required_packs, run_pack, run_scenario
from runtime.packtests.scenario import ScenarioError, read_scenario, resolve_dates

PACKS = Path(__file__).parents[2] / "scenario_packs"
BIRTH = PACKS / "birth_one_thing"
START = "start: {form: birth_apply, data: {}}\n"

INVALID = [
    ("start: &a {form: x}\n", "line 1", "YAML 锚点"),
    ("description: x\n", "start", "缺少 start"),
    (START + "stepz: []\n", "stepz", "未知的键 'stepz'"),
    (START + "steps:\n  - {as: clerk@GOVSVC, task: accept, action: complete, to: x}\n",
     "steps[0].to", "未知的键 'to'"),
    (START + "steps:\n  - {as: clerk@GOVSVC, action: claim}\n", "steps[0].task", "缺少 task"),
    (START + "steps:\n  - {as: Clerk at GOVSVC, task: accept, action: claim}\n",
     "steps[0].as", "无法识别的办理人"),
    (START + "steps:\n  - {after: two days}\n", "steps[0].after", "无法识别的时长 'two days'"),
    (START + "steps:\n  - {task: accept}\n", "steps[0]", "一步须有 action、after 或 expect"),
    (START + "expect: {tasks: {accept: {due: 3 hours}}}\n", "expect.tasks.accept.due",
     "期限须以工作日表示"),
    (START + "expect: {tasks: {accept: {owner: x}}}\n", "expect.tasks.accept.owner",
     "未知的键 'owner'"),
    (START + "expect: {stauts: done}\n", "expect.stauts", "未知的键 'stauts'"),
    (START + "steps:\n  - {after: 1 day, error: {kode: x}}\n", "steps[0].error.kode",
     "未知的键 'kode'"),
]


@pytest.mark.parametrize(("text", "path", "words"), INVALID, ids=[c[1] for c in INVALID])
def test_a_malformed_scenario_is_refused_with_its_place(text: str, path: str,
                                                        words: str) -> None:
    with pytest.raises(ScenarioError) as refused:
        read_scenario("tests/x.yaml", text)
    assert refused.value.path == path
    assert words in refused.value.message("zh")
    assert refused.value.message("en").startswith(f"tests/x.yaml {path}: ")


def test_durations_in_chinese_and_today_relative_dates() -> None:
    scenario = read_scenario("tests/x.yaml", START + "steps:\n  - {after: 2 个工作日}\n"
                             "  - {after: 3 小时}\n")
    assert [(s.after.amount, s.after.unit) for s in scenario.steps if s.after] == [
        (2, "working_days"), (3, "hours")]
    assert resolve_dates({"a": [{"$today": -3}], "b": {"$today": 1, "c": 2}},
                         date(2026, 3, 2)) == {"a": ["2026-02-27"],
                                               "b": {"$today": 1, "c": 2}}


def test_a_pack_that_cannot_import_beside_another_fails_at_import(tmp_path: Path) -> None:
    other = tmp_path / "other"
    shutil.copytree(BIRTH, other)
    form = other / "forms" / "birth_apply.yaml"
    form.write_text(form.read_text(encoding="utf-8").replace("联办申请, en", "联办申请表, en"),
                    encoding="utf-8")  # other content under the same version
    birth, changed = check_path(BIRTH), check_path(other)
    scenario = read_scenario("tests/x.yaml", START)
    outcome = run_scenario(scenario, [birth, changed])
    assert [f.where for f in outcome.failures] == ["import"]
    assert "已发布的定义不可修改" in outcome.failures[0].zh


def test_a_correction_the_form_refuses_fails_the_scenario() -> None:
    text = (BIRTH / "tests" / "return_and_correction.yaml").read_text(encoding="utf-8")
    scenario = read_scenario("tests/x.yaml", text.replace(
        'data: {father_id: "110105198001010032"}', 'data: {father_id: "123"}'))
    outcome = run_scenario(scenario, [check_path(BIRTH)])
    [failure] = outcome.failures
    assert "补正未通过校验" in failure.zh and "father_id" in failure.zh


def test_a_zipped_pack_runs_its_tests(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for file in BIRTH.rglob("*"):
            if file.is_file():
                archive.write(file, f"birth_one_thing/{file.relative_to(BIRTH).as_posix()}")
    (tmp_path / "birth.zip").write_bytes(buffer.getvalue())
    outcomes, problems = run_pack(tmp_path / "birth.zip")
    assert not problems
    assert [(o.scenario.file, o.passed) for o in outcomes] == [
        ("tests/eligibility_refused.yaml", True), ("tests/main_path.yaml", True),
        ("tests/return_and_correction.yaml", True)]


def test_a_pack_that_does_not_check_clean_runs_nothing(tmp_path: Path) -> None:
    (tmp_path / "pack.yaml").write_text("kind: Pack\nid: x\n", encoding="utf-8")
    outcomes, problems = run_pack(tmp_path)
    assert outcomes == [] and problems


def test_required_packs_are_found_beside_the_pack_and_in_the_library_first() -> None:
    # A pack that requires the birth pack (beside it, by folder name) and the library of
    # task templates (templates_lib/, by pack id); the requirement is read as the manifest
    # states it, a pack id or a mapping naming one.
    needing = SimpleNamespace(pack=SimpleNamespace(
        id="needs", requires=("birth_one_thing", {"pack": "task_templates"}, "absent")))
    found = required_packs(needing, PACKS)  # type: ignore[arg-type]
    assert [p.pack.id for p in found if p.pack] == ["birth_one_thing", "task_templates"]
    assert all(p.ok for p in found)
    assert required_packs(check_path(BIRTH), PACKS) == []  # it requires nothing
