"""`lowcode fmt` as a person runs it over a copy of a shipped pack."""

import shutil
from pathlib import Path

from click.testing import CliRunner

from runtime.cli import main
from runtime.packs import check_path

PACK = Path(__file__).parents[2] / "scenario_packs" / "birth_one_thing"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_fmt_check_lists_then_fmt_writes_then_check_passes(tmp_path: Path) -> None:
    folder = tmp_path / "pack"
    shutil.copytree(PACK, folder)
    form = folder / "forms" / "birth_apply.yaml"
    form.write_text("# 我的注释\n" + form.read_text("utf-8").replace(
        "kind: Form\nid: birth_apply\n", "id: birth_apply\nkind: Form\n"), "utf-8")
    tests_before = {p: p.read_bytes() for p in (folder / "tests").iterdir()}

    checked = run("fmt", "--check", str(folder))
    assert checked.exit_code == 1
    assert f"不是规范格式：{form}" in checked.output

    written = run("fmt", str(folder), "--lang", "en")
    assert written.exit_code == 0, written.output
    assert f"formatted: {form}" in written.output
    assert form.read_text("utf-8").startswith("# 我的注释\nkind: Form\nid: birth_apply\n")
    # pack tests are not definitions: fmt leaves them as they were written
    assert {p: p.read_bytes() for p in (folder / "tests").iterdir()} == tests_before

    again = run("fmt", "--check", str(folder), "--lang", "en")
    assert again.exit_code == 0
    assert "0 not canonical" in again.output
    assert check_path(folder).ok


def test_fmt_names_the_line_of_a_file_it_cannot_read(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("kind: Form\nid: a\nid: b\n", "utf-8")
    result = run("fmt", "--check", str(broken))
    assert result.exit_code == 1
    assert "broken.yaml:3" in result.output
    assert "1 个无法读取" in result.output
