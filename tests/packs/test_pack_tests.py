"""Every shipped pack's own tests (scenario_packs/*/tests/*.yaml), one test id per scenario,
each run by the pack test runner on a fresh in-memory database, as `lowcode pack test` runs
them; a failure shows every expectation that did not hold, in Chinese and English."""

from __future__ import annotations

from pathlib import Path

import pytest

from runtime.packs import check_path
from runtime.packtests.runner import read_tests, required_packs, run_scenario, scenario_files

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
