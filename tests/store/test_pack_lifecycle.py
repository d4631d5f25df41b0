"""`lowcode pack import --dry-run | export | diff | list` on the test database: a dry run
tells what an import would do (new versions, the running cases and drafts that stay on
theirs) and writes nothing; an export checks clean and imports on another installation as
the same definitions; a diff shows what changed, per definition."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner, Result
from sqlalchemy import func, select

from runtime import cli
from runtime.definitions.spec import FormSpec
from runtime.packs import check_path
from runtime.store.db import make_engine, session_factory
from runtime.store.models import Definition, Pack
from runtime.store.queries import latest_definition
from runtime.store.submissions import save_draft
from store.casework import BIRTH, start

Run = Callable[..., Result]


def counts(db_url: str) -> tuple[int, int]:
    engine = make_engine(db_url)
    try:
        with session_factory(engine)() as session:
            return (session.scalar(select(func.count()).select_from(Definition)) or 0,
                    session.scalar(select(func.count()).select_from(Pack)) or 0)
    finally:
        engine.dispose()


def hashes(db_url: str) -> dict[tuple[str, str, int], str]:
    engine = make_engine(db_url)
    try:
        with session_factory(engine)() as session:
            return {(d.kind, d.def_id, d.version): d.sha256
                    for d in session.scalars(select(Definition))}
    finally:
        engine.dispose()


def version_of(pack: Path, name: str) -> int:
    """The version a definition file of `pack` declares."""
    line = next(x for x in (pack / name).read_text(encoding="utf-8").splitlines()
                if x.startswith("version: "))
    return int(line.split(": ")[1])


PACK_V, PROCESS_V, FORM_V = (version_of(BIRTH, name) for name in (
    "pack.yaml", "processes/birth_joint.yaml", "forms/birth_apply.yaml"))
DEFINITIONS = len(check_path(BIRTH).definitions)


def next_birth(tmp_path: Path) -> Path:
    """The birth pack's next version: the process and the form raised a version, the form's
    child-name label reworded, one view added."""
    pack = tmp_path / "birth_v2"
    shutil.copytree(BIRTH, pack)
    for name, old, new in (
            ("pack.yaml", f"version: {PACK_V}", f"version: {PACK_V + 1}"),
            ("processes/birth_joint.yaml", f"version: {PROCESS_V}", f"version: {PROCESS_V + 1}"),
            ("forms/birth_apply.yaml", f"version: {FORM_V}", f"version: {FORM_V + 1}"),
            ("forms/birth_apply.yaml", "zh: 新生儿姓名", "zh: 新生儿姓名（与出生医学证明一致）")):
        path = pack / name
        path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    view = (pack / "views" / "applications.yaml").read_text(encoding="utf-8")
    (pack / "views" / "recent.yaml").write_text(
        view.replace("id: birth_applications", "id: birth_recent"), encoding="utf-8")
    return pack


def a_running_case_and_a_draft(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with session_factory(engine, audit_key="test-audit-key")() as session:
            start(session)
            form = latest_definition(session, "Form", "birth_apply")
            assert form is not None and isinstance(form.spec, FormSpec)
            save_draft(session, form=form.spec, data={"child_name": "王小"})
    finally:
        engine.dispose()


def test_a_dry_run_shows_new_versions_and_what_stays_on_the_old_ones_and_writes_nothing(
        run: Run, db_url: str, tmp_path: Path) -> None:
    run("db", "upgrade")
    first = run("pack", "import", "--dry-run", str(BIRTH))
    assert first.exit_code == 0, first.output
    assert f"试运行：场景包 birth_one_thing 第 {PACK_V} 版（未写入任何内容）" in first.output
    assert f"  新增 Form birth_apply 第 {FORM_V} 版" in first.output
    assert "  将新建部门：" in first.output and "HEALTH" in first.output
    assert counts(db_url) == (0, 0)
    assert run("pack", "import", str(BIRTH)).exit_code == 0
    a_running_case_and_a_draft(db_url)
    before = counts(db_url)
    result = run("pack", "import", "--dry-run", str(next_birth(tmp_path)))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    process = lines.index(f"  新版本 Process birth_joint 第 {PROCESS_V} 版 → 第 {PROCESS_V + 1} 版")
    assert lines[process + 1] == f"    1 个在办办件继续按第 {PROCESS_V} 版办理"
    form = lines.index(f"  新版本 Form birth_apply 第 {FORM_V} 版 → 第 {FORM_V + 1} 版")
    assert lines[form + 1] == f"    1 份草稿仍按第 {FORM_V} 版填写"
    assert "  新增 View birth_recent 第 1 版" in lines
    assert "  不变 TaskTemplate accept 第 2 版" in lines
    assert f"将新增 4 个定义版本，{DEFINITIONS - 3} 个不变。" in lines  # the pack, process, form, view
    assert counts(db_url) == before  # nothing written
    english = run("pack", "import", "--dry-run", str(next_birth(tmp_path / "en")), "--lang",
                  "en")
    assert f"  new version Process birth_joint v{PROCESS_V} -> v{PROCESS_V + 1}" in english.output
    assert f"    1 running case(s) stay on version {PROCESS_V}" in english.output


def test_a_dry_run_of_a_conflicting_pack_lists_the_problems(
        run: Run, db_url: str, tmp_path: Path) -> None:
    run("db", "upgrade")
    run("pack", "import", str(BIRTH))
    changed = next_birth(tmp_path)
    form = changed / "forms" / "birth_apply.yaml"
    form.write_text(form.read_text(encoding="utf-8").replace(f"version: {FORM_V + 1}", f"version: {FORM_V}", 1),
                    encoding="utf-8")  # other content under a published version
    result = run("pack", "import", "--dry-run", str(changed))
    assert result.exit_code == 1
    assert "已发布的定义不可修改" in result.output
    assert "无法导入，共 1 个问题（试运行，未写入）" in result.output


def test_an_export_checks_clean_and_imports_elsewhere_as_the_same_definitions(
        run: Run, db_url: str, tmp_path: Path) -> None:
    run("db", "upgrade")
    run("pack", "import", str(BIRTH))
    folder, archive = tmp_path / "out", tmp_path / "out.zip"
    result = run("pack", "export", "birth_one_thing", str(folder))
    assert result.exit_code == 0, result.output
    assert f"已导出场景包 birth_one_thing 的 {DEFINITIONS} 个定义" in result.output
    assert (folder / "pack.yaml").is_file() and (folder / "forms" / "birth_apply.yaml").is_file()
    assert check_path(folder).ok, [p.render() for p in check_path(folder).problems]
    assert run("pack", "export", "birth_one_thing", str(folder)).exit_code == 1  # exists
    assert run("pack", "export", "birth_one_thing", str(archive)).exit_code == 0
    other = f"sqlite:///{tmp_path / 'other.db'}"
    env = {"LOWCODE_DATABASE_URL": other, "LOWCODE_INSTANCE_PATH": str(tmp_path / "inst2"),
           "LOWCODE_SECRET_KEY": "test"}
    elsewhere = CliRunner(env=env)
    assert elsewhere.invoke(cli.main, ["db", "upgrade"]).exit_code == 0
    imported = elsewhere.invoke(cli.main, ["pack", "import", str(archive)])
    assert imported.exit_code == 0, imported.output
    assert f"新增 {DEFINITIONS} 个定义，未变 0 个。" in imported.output
    assert hashes(other) == hashes(db_url)  # the same content, definition by definition
    assert run("pack", "diff", str(folder)).output.endswith("没有差异。\n")
    assert run("pack", "export", "no_such_pack", str(tmp_path / "x")).exit_code == 1


def test_diff_shows_what_changed_per_definition(run: Run, tmp_path: Path) -> None:
    run("db", "upgrade")
    run("pack", "import", str(BIRTH))
    changed = next_birth(tmp_path)
    result = run("pack", "diff", str(changed))
    assert result.exit_code == 0, result.output
    assert "  + 新增 View birth_recent v1" in result.output
    assert f"  ~ 修改 Form birth_apply 第 {FORM_V} 版 → 第 {FORM_V + 1} 版" in result.output
    assert "-        label: {zh: 新生儿姓名, en: \"Child's name\"}" in result.output
    assert "+        label: {zh: 新生儿姓名（与出生医学证明一致）, en: \"Child's name\"}" in result.output
    assert "TaskTemplate accept" not in result.output  # unchanged: not listed
    run("pack", "import", str(changed))
    old, new = str(PACK_V), str(PACK_V + 1)
    between = run("pack", "diff", "birth_one_thing", old, new, "--lang", "en")
    assert f"comparing v{old} with v{new}" in between.output
    assert f"  ~ changed Process birth_joint v{PROCESS_V} -> v{PROCESS_V + 1}" in between.output
    assert "  + added View birth_recent v1" in between.output
    assert run("pack", "diff", "birth_one_thing").output == run(
        "pack", "diff", "birth_one_thing", old, new).output  # the last two by default
    assert run("pack", "diff", "birth_one_thing", old, "7").exit_code == 1


def test_list_shows_the_imported_packs(run: Run) -> None:
    run("db", "upgrade")
    assert "尚未导入任何场景包。" in run("pack", "list").output
    run("pack", "import", str(BIRTH))
    listed = run("pack", "list").output.splitlines()
    assert listed[0] == "编号\t版本\t名称\t发布单位\t定义数\t导入时间"
    pack_id, version, title, publisher, count, _ = listed[1].split("\t")
    assert (pack_id, version, title, publisher, count) == (
        "birth_one_thing", str(PACK_V), '新生儿出生“一件事”联办', "示例实施团队",
        str(DEFINITIONS))
    english = run("pack", "list", "--lang", "en").output.splitlines()
    assert english[1].split("\t")[2] == 'Newborn “one thing” joint handling'


def test_the_old_import_command_still_imports(run: Run, db_url: str) -> None:
    run("db", "upgrade")
    assert run("import", str(BIRTH)).exit_code == 0
    assert counts(db_url) == (DEFINITIONS, 1)
