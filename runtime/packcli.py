"""What the `lowcode pack` commands print, in Chinese or English: each function prints one
command's result from runtime.lifecycle or runtime.packtests and returns its exit status."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from runtime import lifecycle
from runtime.definitions.compat import Report
from runtime.i18n import pick
from runtime.packs import check_path
from runtime.packtests.runner import run_pack


def _say(lang: str, zh: str, en: str) -> None:
    click.echo(en if lang == "en" else zh)


def run_tests(path: str, lang: str) -> int:
    outcomes, problems = run_pack(path)
    for found in problems:
        click.echo(found.render(lang))
    failed = 0
    for outcome in outcomes:
        mark = "✓" if outcome.passed else "✗"
        click.echo(f"{mark} {outcome.scenario.file}: {outcome.scenario.description}")
        for failure in outcome.failures:
            click.echo(f"    {failure.render(lang)}")
        failed += not outcome.passed
    passed = len(outcomes) - failed
    _say(lang, f"通过 {passed} 个，未通过 {failed} 个场景；{len(problems)} 个问题。",
         f"{passed} scenario(s) passed, {failed} failed; {len(problems)} problem(s).")
    if not outcomes and not problems:
        _say(lang, "没有测试场景：请在 tests/ 下放置 .yaml 文件",
             "no scenarios: put .yaml files under tests/")
    return 1 if failed or problems else 0


def dry_run(engine: Engine, sessions: sessionmaker[Session], path: str, lang: str) -> int:
    result = check_path(path)
    plan = lifecycle.plan_import(engine, sessions, result) if result.ok else None
    problems = result.problems if plan is None else plan.problems
    if problems:
        for found in problems:
            click.echo(found.render(lang))
        _say(lang, f"{path}：无法导入，共 {len(problems)} 个问题（试运行，未写入）。",
             f"{path}: would not import; {len(problems)} problem(s) (dry run, nothing written).")
        return 1
    assert plan is not None
    _say(lang, f"试运行：场景包 {plan.pack_id} 第 {plan.version} 版（未写入任何内容）",
         f"dry run: pack {plan.pack_id} version {plan.version} (nothing written)")
    for change in plan.changes:
        _print_change(change, lang)
    if plan.departments:
        _say(lang, f"  将新建部门：{', '.join(plan.departments)}",
             f"  would create departments: {', '.join(plan.departments)}")
    if plan.roles:
        _say(lang, f"  将新建角色：{', '.join(plan.roles)}",
             f"  would create roles: {', '.join(plan.roles)}")
    new = sum(c.status != "unchanged" for c in plan.changes)
    _say(lang, f"将新增 {new} 个定义版本，{len(plan.changes) - new} 个不变。",
         f"{new} new definition version(s), {len(plan.changes) - new} unchanged.")
    return 0


def _print_change(change: lifecycle.Change, lang: str) -> None:
    name = f"{change.kind} {change.def_id}"
    if change.status == "unchanged":
        _say(lang, f"  不变 {name} 第 {change.version} 版", f"  unchanged {name} v{change.version}")
        return
    if change.status == "new":
        _say(lang, f"  新增 {name} 第 {change.version} 版", f"  new {name} v{change.version}")
    else:
        _say(lang, f"  新版本 {name} 第 {change.previous} 版 → 第 {change.version} 版",
             f"  new version {name} v{change.previous} -> v{change.version}")
    for version, count in sorted(change.running.items()):
        _say(lang, f"    {count} 个在办办件继续按第 {version} 版办理",
             f"    {count} running case(s) stay on version {version}")
    for version, count in sorted(change.drafts.items()):
        _say(lang, f"    {count} 份草稿仍按第 {version} 版填写",
             f"    {count} draft(s) stay on version {version}")
    if change.report is not None:
        _print_report(change.report, lang)


SEVERITY_WORDS = {"breaking": ("不兼容", "breaking"), "warning": ("注意", "warning"),
                  "info": ("说明", "info")}


def _print_report(report: Report, lang: str) -> None:
    """The compatibility report of one new version, most severe first."""
    for finding in report.findings:
        zh, en = SEVERITY_WORDS[finding.severity]
        click.echo(f"    [{en if lang == 'en' else zh}] {finding.message(lang)}")


def export(session: Session, pack_id: str, out: Path, version: int | None, lang: str) -> int:
    if out.exists():
        _say(lang, f"{out} 已存在：请换一个新的路径", f"{out} exists: choose a new path")
        return 1
    files = lifecycle.export_files(session, pack_id, version)
    if not files:
        _say(lang, f"没有已导入的场景包 {pack_id}", f"no imported pack {pack_id}")
        return 1
    lifecycle.write_files(files, out)
    _say(lang, f"已导出场景包 {pack_id} 的 {len(files)} 个定义到 {out}",
         f"exported {len(files)} definition(s) of pack {pack_id} to {out}")
    return 0


def diff(session: Session, target: str, versions: tuple[int, ...], lang: str) -> int:
    if Path(target).exists() and not versions:
        result = check_path(target)
        if not result.ok or result.pack is None:
            for found in result.problems:
                click.echo(found.render(lang))
            return 1
        found_diff = lifecycle.diff_folder(session, result)
        left, right = ("已发布", "文件夹") if lang != "en" else ("published", "folder")
    else:
        known = lifecycle.versions_of(session, target)
        if not known:
            _say(lang, f"没有已导入的场景包 {target}", f"no imported pack {target}")
            return 1
        if len(versions) not in (0, 2) or any(v not in known for v in versions):
            shown = ", ".join(map(str, known))
            _say(lang, f"请给出两个已导入的版本；已导入：{shown}",
                 f"give two imported versions; imported: {shown}")
            return 1
        old, new = versions or (known[-2] if len(known) > 1 else known[0], known[-1])
        found_diff = lifecycle.diff_versions(session, target, old, new)
        left, right = (f"第 {old} 版", f"第 {new} 版") if lang != "en" else (f"v{old}", f"v{new}")
    _print_diff(found_diff, left, right, lang)
    return 0


def _print_diff(found: lifecycle.PackDiff, left: str, right: str, lang: str) -> None:
    _say(lang, f"比较 {left} 与 {right}", f"comparing {left} with {right}")
    for name in lifecycle.names(found.added):
        _say(lang, f"  + 新增 {name}", f"  + added {name}")
    for name in lifecycle.names(found.removed):
        _say(lang, f"  - 删除 {name}", f"  - removed {name}")
    for changed in found.changed:
        _say(lang, f"  ~ 修改 {changed.kind} {changed.def_id} 第 {changed.old} 版 → 第 "
             f"{changed.new} 版", f"  ~ changed {changed.kind} {changed.def_id} v{changed.old} "
             f"-> v{changed.new}")
        for line in changed.lines:
            click.echo(f"      {line}")
    if found.same:
        _say(lang, "没有差异。", "no differences.")


def list_packs(session: Session, lang: str) -> None:
    rows = lifecycle.imported_packs(session)
    _say(lang, "编号\t版本\t名称\t发布单位\t定义数\t导入时间",
         "id\tversion\ttitle\tpublisher\tdefinitions\timported at")
    for row in rows:
        click.echo(f"{row.pack_id}\t{row.version}\t{pick(row.title, lang)}\t"
                   f"{row.publisher or '—'}\t{row.definitions}\t"
                   f"{row.imported_at.isoformat(timespec='seconds')}")
    if not rows:
        _say(lang, "尚未导入任何场景包。", "no pack imported yet.")
