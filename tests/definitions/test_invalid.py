"""Each case in invalid/ is a broken pack and the problems it must produce, no more, no less.

A case gives `files` (name -> text; a minimal pack.yaml is added unless given) and `expect`:
code, file, line and path of every problem, and optionally text the Chinese message must say.
"""

from pathlib import Path

import pytest

from runtime.definitions.loader import load_text
from runtime.packs import PackSource, check_pack

CASES = sorted(Path(__file__).parent.joinpath("invalid").glob("*.yaml"))
MINIMAL_PACK = "kind: Pack\nid: case\nversion: 1\nformat: 1\ntitle: 测试包\n"


@pytest.mark.parametrize("case_file", CASES, ids=[c.stem for c in CASES])
def test_invalid_definition(case_file: Path) -> None:
    case = load_text(case_file.name, case_file.read_bytes()).data
    files = {"pack.yaml": MINIMAL_PACK, **case["files"]}
    result = check_pack(PackSource("case", {n: t.encode() for n, t in files.items()}))
    found = [(p.code, p.file, p.line, p.path) for p in result.problems]
    expected = [(e["code"], e["file"], e["line"], e.get("path", "")) for e in case["expect"]]
    assert found == expected, "\n".join(p.render() for p in result.problems)
    for wanted, got in zip(case["expect"], result.problems, strict=True):
        assert wanted.get("says", "") in got.message("zh")
        assert got.message("en") and got.message("en") != got.message("zh")


def test_every_case_has_a_description() -> None:
    for case_file in CASES:
        assert load_text(case_file.name, case_file.read_bytes()).data["description"]
