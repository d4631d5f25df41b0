"""`lowcode pack test` and `lowcode pack check` as an implementer runs them: the shipped
packs' tests pass; a scenario whose expectation the engine does not meet fails with the file,
the place and both values, in Chinese or English; a malformed scenario is named; a pack's
tests/ folder is accepted by the checker, other stray files are not."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner, Result

from runtime.cli import main
from runtime.packs import check_path

PACKS = Path(__file__).parents[2] / "scenario_packs"
BIRTH = PACKS / "birth_one_thing"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def copy_of(tmp_path: Path, pack: Path = BIRTH) -> Path:
    target = tmp_path / pack.name
    shutil.copytree(pack, target)
    return target


def test_the_birth_packs_tests_pass() -> None:
    result = run("pack", "test", str(BIRTH))
    assert result.exit_code == 0, result.output
    assert "✓ tests/eligibility_refused.yaml: 出生超过一个月的申请不予联办受理" in result.output
    assert "通过 3 个，未通过 0 个场景；0 个问题。" in result.output


def test_a_failing_expectation_names_the_file_the_place_and_both_values(
        tmp_path: Path) -> None:
    pack = copy_of(tmp_path)
    scenario = pack / "tests" / "main_path.yaml"
    text = scenario.read_text(encoding="utf-8")
    scenario.write_text(text.replace("due: 5 working days", "due: 4 working days")
                        .replace("department: MEDINS", "department: HRSS"), encoding="utf-8")
    result = run("pack", "test", str(pack))
    assert result.exit_code == 1
    assert "✗ tests/main_path.yaml" in result.output
    assert "tests/main_path.yaml steps[7].expect.tasks.hukou.due: 期限应为" in result.output
    assert "（4 个工作日），实际为" in result.output
    assert ("tests/main_path.yaml steps[9].expect.tasks.insurance.department: "
            "任务的 department 应为 'HRSS'，实际为 'MEDINS'") in result.output
    assert "通过 2 个，未通过 1 个场景" in result.output
    english = run("pack", "test", str(pack), "--lang", "en")
    assert ("steps[9].expect.tasks.insurance.department: the task's department should be "
            "'HRSS'; it is 'MEDINS'") in english.output
    assert "2 scenario(s) passed, 1 failed" in english.output


def test_an_expected_refusal_that_does_not_come_fails(tmp_path: Path) -> None:
    pack = copy_of(tmp_path)
    (pack / "tests" / "eligibility_refused.yaml").write_text(
        (pack / "tests" / "eligibility_refused.yaml").read_text(encoding="utf-8")
        .replace("{$today: -40}", "{$today: -20}"), encoding="utf-8")
    result = run("pack", "test", str(pack))
    assert result.exit_code == 1
    assert "tests/eligibility_refused.yaml expect.refused: 申请应被拒绝，却被受理" in result.output


def test_a_step_refused_by_the_engine_stops_its_scenario_with_the_reason(
        tmp_path: Path) -> None:
    pack = copy_of(tmp_path)
    (pack / "tests" / "extra.yaml").write_text("""\
description: 未受理就核验 / a check before acceptance
start:
  form: birth_apply
  data: {child_name: 王小明, child_gender: M, birth_date: {$today: -1}, hospital: 市妇幼保健院,
         mother_name: 李丽, mother_id: 11010519491231002X, contact_mobile: "13912345678",
         residence: "110105", enrol_insurance: false, need_ss_card: false}
steps:
  - {as: clerk@HEALTH, task: joint_check, action: approve}
  - expect: {status: done}
""", encoding="utf-8")
    result = run("pack", "test", str(pack), "--lang", "en")
    assert result.exit_code == 1
    assert ("tests/extra.yaml steps[0].task: clerk@HEALTH has no task to do at step "
            "'joint_check'; its live tasks: —") in result.output
    assert "steps[1]" not in result.output  # nothing after a step that could not be done


def test_a_malformed_scenario_is_named_with_its_place(tmp_path: Path) -> None:
    pack = copy_of(tmp_path)
    (pack / "tests" / "bad.yaml").write_text(
        "start: {form: birth_apply}\nsteps:\n  - {as: clerk@GOVSVC, task: accept, "
        "action: aprove}\n", encoding="utf-8")
    result = run("pack", "test", str(pack))
    assert result.exit_code == 1
    assert "tests/bad.yaml steps[0].action: 未知的动作 'aprove'" in result.output
    assert "通过 3 个，未通过 0 个场景；1 个问题。" in result.output


def test_the_checker_accepts_a_tests_folder_and_refuses_other_files_in_it(
        tmp_path: Path) -> None:
    pack = copy_of(tmp_path)
    assert check_path(pack).ok
    assert len(check_path(pack).definitions) == len(check_path(BIRTH).definitions)
    (pack / "tests" / "notes.txt").write_text("x", encoding="utf-8")
    (pack / "tests" / "deeper").mkdir()
    (pack / "tests" / "deeper" / "case.yaml").write_text("x: 1\n", encoding="utf-8")
    refused = {p.file for p in check_path(pack).problems if p.code == "pack_bad_file"}
    assert refused == {"tests/notes.txt", "tests/deeper/case.yaml"}


def test_pack_check_is_the_check_command() -> None:
    result = run("pack", "check", str(BIRTH))
    assert result.exit_code == 0
    assert "共 0 个问题；检查了" in result.output


def test_a_step_may_be_done_by_an_account_of_the_demo_organisation(tmp_path: Path) -> None:
    pack = copy_of(tmp_path, PACKS / "hotline_12345")
    for name in ("main_path.yaml", "late_return_refused.yaml"):
        scenario = pack / "tests" / name
        scenario.write_text(scenario.read_text(encoding="utf-8").replace(
            "as: dispatcher@HOTLINE", "as: dispatcher" if name == "main_path.yaml"
            else "as: nobody"), encoding="utf-8")
    result = run("pack", "test", str(pack), "--lang", "en")
    assert "✓ tests/main_path.yaml" in result.output  # the demo dispatcher, by username
    assert "tests/late_return_refused.yaml steps[0].as: no user nobody" in result.output
    assert result.exit_code == 1


def test_the_pack_group_lists_its_commands() -> None:
    result = run("pack", "--help")
    assert result.exit_code == 0
    for command in ("check", "test", "import", "export", "diff", "list"):
        assert f"  {command} " in result.output
    assert "--dry-run" in run("pack", "import", "--help").output
    assert "--dry-run" in run("import", "--help").output  # the old command has it too
