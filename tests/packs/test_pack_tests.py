"""Every shipped pack's own tests (scenario_packs/*/tests/*.yaml), one test id per scenario,
each run by the pack test runner on a fresh in-memory database, as `lowcode pack test` runs
them; a failure shows every expectation that did not hold, in Chinese and English."""

from __future__ import annotations

from pathlib import Path

import pytest

from runtime.packs import check_path
from runtime.packtests.runner import read_tests, required_packs, run_scenario, scenario_files
from runtime.packtests.scenario import ACTIONS, EXPECTATIONS, TASK_EXPECTATIONS, read_scenario

PACKS = Path(__file__).parents[2] / "scenario_packs"
CASES = list(scenario_files(PACKS))


@pytest.mark.parametrize(("folder", "name"), CASES,
                         ids=[f"{f.name}/{Path(n).stem}" for f, n in CASES])
def test_pack_scenario(folder: Path, name: str) -> None:
    pack = check_path(folder)
    assert pack.ok, [p.render() for p in pack.problems]
    scenarios, errors = read_tests(pack)
    assert not [e for e in errors if e.file == name], [e.message("en") for e in errors]
    [scenario] = [s for s in scenarios if s.file == name]
    outcome = run_scenario(scenario, [*required_packs(pack, PACKS), pack])
    assert outcome.passed, "\n".join(f.render("zh") + "\n" + f.render("en")
                                     for f in outcome.failures)


def test_every_shipped_pack_ships_its_tests() -> None:
    with_tests = {folder.name for folder, _ in CASES}
    assert {"birth_one_thing", "hotline_12345"} <= with_tests


DOCS = Path(__file__).parents[2] / "docs" / "definitions.md"


def docs_section() -> str:
    text = DOCS.read_text(encoding="utf-8")
    return text[text.index("## Pack tests"):]


def test_the_documented_example_runs_and_passes() -> None:
    section = docs_section()
    example = section[section.index("```yaml\n") + 8:section.index("```\n", section.index(
        "```yaml\n"))]
    pack = check_path(PACKS / "hotline_12345")
    packs = [*required_packs(pack, PACKS), pack]
    outcome = run_scenario(read_scenario("tests/example.yaml", example), packs)
    assert outcome.passed, [f.render("en") for f in outcome.failures]


def test_every_action_and_expectation_is_documented() -> None:
    section = docs_section()
    missing = [name for name in (*ACTIONS, *EXPECTATIONS, *TASK_EXPECTATIONS)
               if f"`{name}`" not in section]
    assert not missing
