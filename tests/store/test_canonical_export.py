"""`lowcode pack export` writes the canonical form of `lowcode fmt`, and `pack diff` compares
versions as canonical YAML."""

from __future__ import annotations

from pathlib import Path

from runtime.packs import check_path
from store.casework import BIRTH
from store.test_compat_dry_run import changed_birth
from store.test_pack_lifecycle import Run


def test_an_export_is_canonical_and_a_diff_shows_canonical_lines(
        run: Run, db_url: str, tmp_path: Path) -> None:
    run("db", "upgrade")
    assert run("pack", "import", str(BIRTH)).exit_code == 0
    out = tmp_path / "out"
    assert run("pack", "export", "birth_one_thing", str(out)).exit_code == 0
    checked = run("fmt", "--check", str(out), "--lang", "en")
    assert checked.exit_code == 0, checked.output
    count = len(check_path(BIRTH).definitions)  # the pack's own definitions, manifest included
    assert f"checked {count} definition file(s): 0 not canonical" in checked.output
    form = (out / "forms" / "birth_apply.yaml").read_text("utf-8")
    assert form.startswith("kind: Form\nid: birth_apply\nversion: ")
    diff = run("pack", "diff", str(changed_birth(tmp_path)), "--lang", "en")
    assert diff.exit_code == 0, diff.output
    lines = diff.output.splitlines()
    start = next(i for i, line in enumerate(lines)
                 if line.startswith("  ~ changed Form birth_apply"))
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("  ~ ")),
               len(lines))
    changed = [line for line in lines[start + 1:end]
               if line.startswith(("      -", "      +")) and "version" not in line
               and "birth_apply v" not in line]
    # the unchanged fields keep their layout: only what changed shows
    assert changed == [
        "      -          - {value: F, label: {zh: 女, en: Female}}",
        "      -        type: address", "      +        type: text",
        "      -      - id: birth_certificate_scan", "      +      - id: certificate_scan",
        "      +        renamed_from: birth_certificate_scan",
    ]
