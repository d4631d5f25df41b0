"""`lowcode check` and `lowcode expr` as a person runs them."""

import json
from pathlib import Path

from click.testing import CliRunner

from runtime.cli import main

EXAMPLE = Path(__file__).parents[2] / "scenario_packs" / "birth_one_thing"
BROKEN_FORM = """kind: Form
id: apply
version: 1
title: 申请
fields:
  - id: amount
    type: mony
    lable: 金额
  - id: age
    type: integer
    label: 年龄
    visible_when: "agee > 18"
"""


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_help_lists_every_command() -> None:
    result = run("--help")
    assert result.exit_code == 0
    for command in ("check", "expr", "db", "import", "serve"):
        assert command in result.output
    for command in ("check", "expr", "import", "serve"):
        assert run(command, "--help").exit_code == 0


def test_check_the_example_pack_is_clean() -> None:
    result = run("check", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    assert "共 0 个问题" in result.output


def test_check_reports_every_problem_with_place(tmp_path: Path) -> None:
    target = tmp_path / "apply.yaml"
    target.write_text(BROKEN_FORM, encoding="utf-8")
    result = run("check", str(target))
    assert result.exit_code == 1
    # A schema problem does not hide the others: the checker goes on without the bad value.
    assert result.output.splitlines() == [
        "apply.yaml:7 fields[0].type: 未知的字段类型 'mony'；是否想写 'money'？",
        "apply.yaml:8 fields[0].lable: 未知的属性 'lable'；是否想写 'label'？",
        "apply.yaml:12 fields[1].visible_when: 表达式 `agee > 18`：第 1 列：未知的名称 'agee'；"
        "是不是 'age'？",
        "共 3 个问题；检查了 1 个定义。"]


def test_check_in_english_and_as_json(tmp_path: Path) -> None:
    target = tmp_path / "apply.yaml"
    target.write_text(BROKEN_FORM.replace("lable", "label"), encoding="utf-8")
    english = run("check", str(target), "--lang", "en")
    assert english.exit_code == 1
    assert "unknown field type 'mony'; did you mean 'money'?" in english.output
    assert "unknown name 'agee'; did you mean 'age'?" in english.output
    problems = json.loads(run("check", str(target), "--json").output)
    assert [(p["line"], p["path"]) for p in problems] == [
        (7, "fields[0].type"), (12, "fields[1].visible_when")]


def test_expr_prints_the_value() -> None:
    result = run("expr", "age >= 18 and name.strip() == '张三'", "--data",
                 '{"age": 20, "name": " 张三 "}')
    assert result.exit_code == 0
    assert result.output.strip() == "true"


def test_expr_explains_a_decision() -> None:
    result = run("expr", "age >= 18 and income < 5000", "--data",
                 '{"age": 20, "income": 6000}', "--explain")
    assert result.output.splitlines()[:3] == [
        "age >= 18 and income < 5000 = False", "  age >= 18 = True", "    age = 20"]


def test_expr_error_names_position_and_reason() -> None:
    result = run("expr", "1 + ().__class__")
    assert result.exit_code == 1
    assert result.output.splitlines()[1:] == ["       ^", "第 8 列：不允许访问属性 '__class__'"]


def test_expr_refuses_data_that_is_not_an_object() -> None:
    result = run("expr", "1", "--data", "[1]")
    assert result.exit_code == 2
    assert "JSON" in result.output
