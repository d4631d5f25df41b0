"""The task-template library (templates_lib/task_templates) is a pack that checks clean, holds
the common templates with all five elements, documents each in its README and ships with
the package."""

import fnmatch
import re
import tomllib
from pathlib import Path

import pytest

from runtime.definitions.spec import TaskTemplateSpec
from runtime.i18n import Label
from runtime.packs import check_path
from templates_lib import TASK_TEMPLATES

COMMON = ("accept", "review", "joint_review", "publicity", "payment", "dispatch", "handle",
          "reply", "revisit", "rectify")
PYPROJECT = Path(__file__).parents[2] / "pyproject.toml"


@pytest.fixture(scope="module")
def templates() -> dict[str, TaskTemplateSpec]:
    result = check_path(TASK_TEMPLATES)
    return {d.spec.id: d.spec for d in result.definitions if isinstance(d.spec, TaskTemplateSpec)}


def test_the_library_checks_clean() -> None:
    result = check_path(TASK_TEMPLATES)
    assert [p.render() for p in result.problems] == []
    assert result.pack is not None and result.pack.id == "task_templates"


def test_every_common_template_is_there(templates: dict[str, TaskTemplateSpec]) -> None:
    assert sorted(templates) == sorted(COMMON)


def both_languages(label: Label | None) -> bool:
    return label is not None and bool(label.zh) and bool(label.en)


@pytest.mark.parametrize("template_id", COMMON)
def test_each_template_has_its_five_elements(templates: dict[str, TaskTemplateSpec],
                                             template_id: str) -> None:
    task = templates[template_id]
    assert task.basis, "依据"
    assert task.goal is not None and both_languages(task.goal.outcome) and task.goal.indicators
    assert both_languages(task.content.instructions) and task.content.materials
    assert task.content.form is not None
    co = task.coordination
    assert co.assignee.role is not None
    assert co.deadline is not None and co.deadline.working_days >= 1
    assert co.escalation is not None and co.escalation.role == "lead"
    assert co.on_overdue
    assert both_languages(task.title) and both_languages(task.description)


def test_overdue_actions_fit_the_task(templates: dict[str, TaskTemplateSpec]) -> None:
    actions = {t.id: [a.action for a in t.coordination.on_overdue] for t in templates.values()}
    assert actions["publicity"] == ["auto_pass"]  # no objection by the end: it stands
    assert actions["dispatch"][0] == "escalate"
    assert all("auto_pass" not in a for i, a in actions.items() if i != "publicity")


def test_the_readme_has_a_section_for_each_template() -> None:
    text = (TASK_TEMPLATES / "README.md").read_text(encoding="utf-8")
    sections = re.findall(r"^## `([a-z_]+)` ", text, flags=re.MULTILINE)
    assert sections == list(COMMON)


def test_the_library_travels_with_the_package() -> None:
    globs = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"]["*"]
    package = TASK_TEMPLATES.parent
    files = [p.relative_to(package).as_posix() for p in TASK_TEMPLATES.rglob("*") if p.is_file()]
    assert files
    assert [f for f in files if not any(fnmatch.fnmatch(f, g) for g in globs)] == []
