"""The `lowcode` command: check packs, try expressions, manage the database, serve.

The database and web imports sit inside the commands so that `lowcode check` stays fast.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from runtime.i18n import pick
from runtime.packs import MANIFEST, check_path, library_folders

if TYPE_CHECKING:
    from flask import Flask
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from runtime import worker as worker_module
    from runtime.definitions.problems import Problem
    from runtime.store.accounts import OrganisationReport
    from runtime.store.audit import Anchor
    from runtime.store.backup import BackupError
    from runtime.store.publish import PublishReport
    from runtime.web.database import Store


@click.group(help="数字化履职协同低代码平台 / low-code platform for cross-department work.")
def main() -> None:
    pass


@main.command(help="检查场景包文件夹、zip 或单个定义文件，一次列出全部问题。\n\n"
                   "Check a pack folder, a pack zip or one definition file; list every problem.")
@click.argument("path", type=click.Path(exists=True))
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of the messages.")
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
def check(path: str, lang: str, as_json: bool) -> None:
    result = check_path(path)
    if as_json:
        click.echo(json.dumps([p.as_dict(lang) for p in result.problems], ensure_ascii=False,
                              indent=2))
    else:
        for found in result.problems:
            click.echo(found.render(lang))
        for found in result.warnings:
            click.echo(("warning: " if lang == "en" else "警告：") + found.render(lang))
        click.echo(_summary(len(result.problems), len(result.definitions), lang))
    sys.exit(1 if result.problems else 0)


def _summary(problems: int, definitions: int, lang: str) -> str:
    if lang == "en":
        return f"{problems} problem(s); {definitions} definition(s) checked."
    return f"共 {problems} 个问题；检查了 {definitions} 个定义。"


@main.command(help="把定义文件写成规范格式（键序、省略默认值、保留注释）；"
              "--check 只列出不规范的文件。\n\n"
              "Write definition files in their canonical form; --check only lists those that "
              "are not (exit 1).")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--check", "check_only", is_flag=True,
              help="只检查，不写入 / List the files that are not canonical, write nothing.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="输出语言 / Language of the messages.")
def fmt(paths: tuple[str, ...], check_only: bool, lang: str) -> None:
    from runtime import fmtcli
    from runtime.definitions.kinds import builtin_kinds

    sys.exit(fmtcli.run(paths, check_only, lang, builtin_kinds()))


@main.command(help="像规则运行时那样计算一个表达式，显示结果，或指出出错的位置和原因。\n\n"
                   "Evaluate an expression the way a rule runs it: its value, or where and why "
                   "it fails.")
@click.argument("expression")
@click.option("--data", default="{}", show_default=True,
              help="数据（JSON 对象）/ The data, a JSON object.")
@click.option("--explain", is_flag=True, help="显示每个子表达式的值 / Show each sub-result.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="输出语言 / Language of the messages.")
def expr(expression: str, data: str, explain: bool, lang: str) -> None:
    from runtime.expressions import ExpressionError, compile_expression

    try:
        values = json.loads(data)
    except json.JSONDecodeError as error:
        raise click.BadParameter(str(error), param_hint="--data") from None
    if not isinstance(values, dict):
        raise click.BadParameter("must be a JSON object / 必须是 JSON 对象", param_hint="--data")
    try:
        compiled = compile_expression(expression)
        if explain:
            click.echo("\n".join(compiled.explain(values).lines()))
        else:
            click.echo(json.dumps(compiled.evaluate(values), ensure_ascii=False, default=str))
    except ExpressionError as error:
        click.echo(expression, err=True)
        if error.position:
            click.echo(" " * _display_width(expression[: error.position - 1]) + "^", err=True)
        click.echo(error.message(lang), err=True)
        sys.exit(1)


def _display_width(text: str) -> int:
    """Terminal columns of `text`: Chinese characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


# --- database, import, serve ------------------------------------------------------------

PACKS_ENV = "LOWCODE_PACKS_DIR"
ENV_VAR = "LOWCODE_ENV"
LANG_OPTION = click.option("--lang", type=click.Choice(["zh", "en"]), default="zh",
                           show_default=True, help="输出语言 / Language of the messages.")
STATUS_WORDS = {"added": ("新导入", "imported"), "unchanged": ("未变", "unchanged"),
                "updated": ("已更新", "updated")}


@main.group(help="管理数据库。\n\nManage the database.")
def db() -> None:
    pass


@db.command(help="把配置的数据库（LOWCODE_DATABASE_URL，默认 instance/lowcode.db）升级到最新结构。"
                 "\n\nUpgrade the configured database to the latest schema.")
def upgrade() -> None:
    from runtime.store.migrate import head_revision
    from runtime.store.migrate import upgrade as run_upgrade

    run_upgrade(_store().engine)
    head = head_revision()
    click.echo(f"数据库已是最新结构（{head}）/ the database is at revision {head}.")


@main.command("import", help="检查并发布一个场景包（文件夹或 zip）；有任何问题时全部列出，"
                             "不写入任何内容。\n\nCheck and publish a pack folder or zip; on any "
                             "problem list them all and write nothing.")
@click.argument("path", type=click.Path(exists=True))
@click.option("--dry-run", is_flag=True, help="只显示将发生的变化，不写入 / Show what would "
                                              "change; write nothing.")
@LANG_OPTION
def import_pack(path: str, dry_run: bool, lang: str) -> None:
    store = _store()
    _require_upgraded(store.engine, lang)
    if dry_run:
        from runtime import packcli

        sys.exit(packcli.dry_run(store.engine, store.sessions, path, lang))
    sys.exit(0 if _import_one(store.sessions, path, lang) else 1)


@main.command(help="升级数据库，导入 templates_lib/ 下的库包和 scenario_packs/ 下的每个场景包，"
                   "然后用 Flask 开发服务器提供服务（仅供开发和演示）。\n\nUpgrade the database, "
                   "import the library packs of templates_lib/ and every pack under "
                   "scenario_packs/, then serve with Flask's development server.")
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址 / Host.")
@click.option("--port", default=5000, show_default=True, type=int, help="端口 / Port.")
@click.option("--worker/--no-worker", "with_worker", default=True, show_default=True,
              help="同时在后台线程运行到期任务（预警、超时、推送） / Also run due jobs "
                   "(warnings, overdue, deliveries) in a background thread.")
@LANG_OPTION
def serve(host: str, port: int, with_worker: bool, lang: str) -> None:
    from runtime.store.migrate import upgrade as run_upgrade
    from runtime.web.database import store

    # The development server speaks plain HTTP: cookies without Secure, demo users allowed,
    # keys kept in the instance folder; unless LOWCODE_ENV says otherwise.
    env = os.environ.get(ENV_VAR) or "development"
    app = _app({"LOWCODE_ENV": env})
    run_upgrade(store(app).engine)
    # Library packs first: scenario packs use their definitions by qualified name.
    for folder in [*library_folders(), *pack_folders(packs_dir(), lang)]:
        _import_one(store(app).sessions, str(folder), lang)
    if _seed_demo(store(app).sessions, lang, env):
        _first_demo_cases(store(app).sessions, lang, env)
    url = f"http://{host}:{port}/"
    click.echo(f"Serving on {url} (Flask development server)" if lang == "en"
               else f"服务地址：{url}（Flask 开发服务器，仅供开发使用）")
    if with_worker:
        _background_worker(app)
    app.run(host=host, port=port)


def _background_worker(app: Flask) -> None:
    """One command runs the whole product on one machine: warnings and escalations happen
    without a second terminal. At scale, `lowcode worker` processes do this instead."""
    import threading

    from runtime import worker as jobs_worker
    from runtime.web.database import store
    from runtime.web.fieldtypes import field_types

    thread = threading.Thread(target=jobs_worker.run, args=(store(app).sessions,),
                              kwargs={"poll": 2.0, "upkeep": _upkeep(app),
                                      "types": field_types(app)},
                              name="lowcode-worker", daemon=True)
    thread.start()


def _upkeep(app: Flask) -> worker_module.Upkeep:
    """What the worker tidies for `app`: its uploads folder, kept UPLOAD_KEEP_HOURS."""
    from datetime import timedelta

    from runtime import worker as jobs_worker
    from runtime.web.database import store

    return jobs_worker.Upkeep(store(app).files,
                              timedelta(hours=app.config["UPLOAD_KEEP_HOURS"]))


@main.command("worker", help="领取并执行到期的计时器（预警、超时）和对外推送（webhook），"
                             "并按计划定期发起流程，可与 Web 进程并行运行任意多个；收到 "
                             "SIGTERM/SIGINT 时做完当前任务后退出。\n\nClaim and run due timers "
                             "(warnings, overdue) and outbound deliveries (webhooks), and start "
                             "scheduled processes, as many processes as you like beside the "
                             "web workers; on SIGTERM/SIGINT finish the current job and exit.")
@click.option("--once", is_flag=True,
              help="做完所有到期任务后退出 / Run until nothing is due, then exit.")
@click.option("--poll", default=1.0, show_default=True, type=click.FloatRange(min=0.01),
              metavar="SECONDS",
              help="空闲时每隔几秒查看一次 / Seconds to wait between looks when idle.")
@LANG_OPTION
def worker(once: bool, poll: float, lang: str) -> None:
    import signal
    import threading

    from runtime import worker as jobs_worker
    from runtime.web import create_app
    from runtime.web.database import store as store_of
    from runtime.web.fieldtypes import field_types

    app = create_app()
    store = store_of(app)
    _require_upgraded(store.engine, lang)
    _log_to_stderr()
    stop = threading.Event()

    def on_signal(number: int, _frame: object) -> None:
        jobs_worker.log.info("%s: stopping after the current job", signal.Signals(number).name)
        stop.set()

    previous = {number: signal.signal(number, on_signal)
                for number in (signal.SIGTERM, signal.SIGINT)}
    try:
        total = jobs_worker.run(store.sessions, poll=poll, once=once, stop=stop,
                                upkeep=_upkeep(app), types=field_types(app))
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        store.engine.dispose()
    click.echo(f"worker stopped; {total} job(s) claimed." if lang == "en"
               else f"后台任务进程已停止；共领取 {total} 个任务。")


def _log_to_stderr() -> None:
    """What the worker runs, one line each on stderr, unless logging is set up already."""
    import logging

    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("runtime").setLevel(logging.INFO)


@main.group(help="演示数据。\n\nDemo data.")
def demo() -> None:
    pass


@demo.command("seed", help="创建演示组织机构和每个角色一个演示账号（可重复运行；仅当 "
                           "LOWCODE_ENV=development 时可用）。\n\nCreate the demo organisation "
                           "and one demo account per role (idempotent; only when "
                           "LOWCODE_ENV=development).")
@LANG_OPTION
def demo_seed(lang: str) -> None:
    store = _store()
    _require_upgraded(store.engine, lang)
    sys.exit(0 if _seed_demo(store.sessions, lang, os.environ.get(ENV_VAR, "")) else 1)


@demo.command("cases", help="创建 N 个演示办件（三个场景包，含办理过程、退回、延期、超期、"
                            "评价），分布在最近 D 天；--seed 相同则结果相同；"
                            "再次运行会再增加 N 个。"
                            "生产环境拒绝执行，除非 --force。\n\nCreate N demo cases across the "
                            "shipped packs with their histories (returns, extensions, overdue, "
                            "ratings) over the last D days; the same --seed gives the same cases; "
                            "a second run adds N more. Refused in production unless --force.")
@click.argument("count", type=click.IntRange(min=1))
@click.option("--seed", type=int, default=None, help="随机种子 / Random seed.")
@click.option("--days", type=click.IntRange(min=1), default=90, show_default=True,
              help="分布在最近几天 / Spread over the last D days.")
@click.option("--force", is_flag=True, help="生产环境也执行 / Run even in production.")
@LANG_OPTION
def demo_cases(count: int, seed: int | None, days: int, force: bool, lang: str) -> None:
    store = _store()
    _require_upgraded(store.engine, lang)
    sys.exit(0 if _demo_cases(store.sessions, count, seed, days, force, lang,
                              os.environ.get(ENV_VAR, "")) else 1)


def _first_demo_cases(sessions: sessionmaker[Session], lang: str, env: str) -> None:
    """A development database without a case gets FIRST_DEMO_CASES demo cases once, so the
    dashboards are not empty out of the box."""
    from runtime.democases import FIRST_DEMO_CASES, case_count

    with sessions() as session:
        if case_count(session):
            return
    click.echo(f"no cases yet: making {FIRST_DEMO_CASES} demo cases (about a minute)..."
               if lang == "en" else
               f"尚无办件：正在创建 {FIRST_DEMO_CASES} 个演示办件（约一分钟）……")
    _demo_cases(sessions, FIRST_DEMO_CASES, 1, 90, False, lang, env)


def _demo_cases(sessions: sessionmaker[Session], count: int, seed: int | None, days: int,
                force: bool, lang: str, env: str) -> bool:
    """Make the demo cases and say what was made; False when refused."""
    from runtime.democases import DemoCasesRefused, make_cases

    with sessions() as session:
        try:
            made = make_cases(session, count, seed=seed, days=days, env=env, force=force)
        except DemoCasesRefused:
            click.echo("production (LOWCODE_ENV is not development): no demo cases; --force "
                       "to insist" if lang == "en" else
                       "生产环境（LOWCODE_ENV 不是 development）不创建演示办件；"
                       "确需创建请加 --force")
            return False
    packs = ", ".join(f"{pack} {n}" for pack, n in sorted(made.per_pack.items())) or "-"
    if lang == "en":
        click.echo(f"{made.total} demo cases made ({packs}); {made.failed} not started"
                   + (f"; added to the {made.before} cases already there" if made.before else ""))
    else:
        click.echo(f"已创建 {made.total} 个演示办件（{packs}）；{made.failed} 个未能启动"
                   + (f"；数据库中原有 {made.before} 个办件，本次为新增" if made.before else ""))
    return made.total > 0


def _seed_demo(sessions: sessionmaker[Session], lang: str, env: str) -> bool:
    """Seed the demo organisation and print how to sign in; False when refused."""
    from runtime.demo import DemoRefused, seed_demo, sign_in_table

    with sessions() as session:
        try:
            seed_demo(session, env=env)
        except DemoRefused:
            click.echo("production (LOWCODE_ENV is not development): no demo accounts"
                       if lang == "en" else
                       "生产环境（LOWCODE_ENV 不是 development）不创建演示账号")
            return False
    click.echo("\n".join(sign_in_table(lang)))
    return True


def packs_dir() -> Path:
    """`LOWCODE_PACKS_DIR`, or the repository's scenario_packs/ folder."""
    configured = os.environ.get(PACKS_ENV)
    return Path(configured) if configured else Path(__file__).parent.parent / "scenario_packs"


def pack_folders(root: Path, lang: str = "zh") -> list[Path]:
    if not root.is_dir():
        click.echo(f"no pack folder at {root}" if lang == "en" else f"没有场景包文件夹：{root}")
        return []
    return sorted(p for p in root.iterdir() if (p / MANIFEST).is_file())


def _store() -> Store:
    from runtime.web.database import store

    return store(_app())


def _app(config: dict[str, str] | None = None) -> Flask:
    """The app on the configured settings; a start that production (the default) refuses
    for a missing key says what to set and exits 1."""
    from runtime.web import create_app
    from runtime.web.settings import SettingsError

    try:
        return create_app(config)
    except SettingsError as error:
        click.echo(str(error), err=True)
        sys.exit(1)


def _require_upgraded(engine: Engine, lang: str) -> None:
    from runtime.store.migrate import current_revision, head_revision

    current, head = current_revision(engine), head_revision()
    if current != head:
        click.echo(f"the database is at revision {current}, not {head}: run lowcode db upgrade"
                   if lang == "en" else
                   f"数据库结构版本为 {current}，不是最新的 {head}：请先运行 lowcode db upgrade")
        sys.exit(1)


def _import_one(sessions: sessionmaker[Session], path: str, lang: str) -> bool:
    """Check and publish one pack, printing what happened; True when it was published."""
    from runtime.store.accounts import map_pack_organisation
    from runtime.store.publish import PublishError, publish_pack

    result = check_path(path)
    with sessions() as session:
        try:
            report = publish_pack(session, result)
        except PublishError as error:
            _print_refusal(path, error.problems, lang)
            return False
        _print_report(report, lang)
        if result.pack is not None:
            _print_organisation(map_pack_organisation(session, result.pack), lang)
    return True


def _print_organisation(report: OrganisationReport, lang: str) -> None:
    if report.departments:
        names = ", ".join(report.departments)
        click.echo(f"  new departments: {names}" if lang == "en" else f"  新建部门：{names}")
    if report.roles:
        names = ", ".join(report.roles)
        click.echo(f"  new roles: {names}" if lang == "en" else f"  新建角色：{names}")


def _print_refusal(path: str, problems: list[Problem], lang: str) -> None:
    for found in problems:
        click.echo(found.render(lang))
    click.echo(f"{path}: not imported; {len(problems)} problem(s); the database is unchanged."
               if lang == "en" else
               f"{path}：未导入，共 {len(problems)} 个问题；数据库未作任何修改。")


def _print_report(report: PublishReport, lang: str) -> None:
    pack = report.pack
    zh, en = STATUS_WORDS[report.pack_status]
    title = pick(pack.title(), lang)
    click.echo(f"pack {pack.pack_id} version {pack.version} ({title}): {en}" if lang == "en"
               else f"场景包 {pack.pack_id} 第 {pack.version} 版（{title}）：{zh}")
    for row in report.added:
        click.echo(f"  added {row.kind} {row.def_id} version {row.version} <- {row.source_file}"
                   if lang == "en" else
                   f"  新增 {row.kind} {row.def_id} 第 {row.version} 版 ← {row.source_file}")
    added, unchanged = len(report.added), len(report.unchanged)
    click.echo(f"{added} added, {unchanged} unchanged." if lang == "en"
               else f"新增 {added} 个定义，未变 {unchanged} 个。")


# --- backup and restore -------------------------------------------------------------------

BACKUP_WORDS = {
    "exists": ("{detail} 已存在：请换一个新的路径", "{detail} exists: choose a new path"),
    "missing_tool": ("找不到 {detail}：请安装与服务器同版本的 PostgreSQL 客户端工具",
                     "{detail} not found: install the PostgreSQL client tools of the server's "
                     "version"),
    "tool_failed": ("{detail}", "{detail}"),
    "bad_backup": ("备份不完整或已被改动：{detail}",
                   "the backup is incomplete or altered: {detail}"),
    "other_database": ("这是 {detail} 的备份，不能恢复到当前配置的数据库",
                       "this is a backup of a {detail} database; it cannot go into the "
                       "configured one"),
    "not_empty": ("数据库或上传文件夹中已有数据；恢复会替换它们，确认请加 --force",
                  "the database or the uploads folder holds data; a restore replaces them: "
                  "add --force to confirm"),
}


@main.command("backup", help="把数据库（SQLite 用在线备份，PostgreSQL 用 pg_dump）和上传文件夹"
                             "备份到一个新目录，或以 .tar.gz 结尾的归档，附带清单和校验和；"
                             "服务可继续运行。\n\nBack up the database (SQLite's online backup, "
                             "or pg_dump) and the uploads folder into a new directory, or an "
                             "archive when PATH ends in .tar.gz, with a manifest of checksums; "
                             "the service may keep running.")
@click.argument("path", type=click.Path(path_type=Path))
@LANG_OPTION
def backup(path: Path, lang: str) -> None:
    from runtime.store.backup import BackupError
    from runtime.store.backup import backup as run_backup

    engine, uploads = _engine_and_uploads(lang)
    try:
        manifest = run_backup(engine, uploads, path)
    except BackupError as error:
        _backup_refused(error, lang)
    rows, files = sum(manifest["rows"].values()), len(manifest["files"]) - 1
    click.echo(f"backed up to {path}: {rows} row(s), {files} uploaded file(s), revision "
               f"{manifest['revision']}" if lang == "en" else
               f"已备份到 {path}：{rows} 行数据，{files} 个上传文件，"
               f"结构版本 {manifest['revision']}")


@main.command("restore", help="从 lowcode backup 的备份恢复数据库和上传文件夹（先校验每个文件）；"
                              "数据库或上传文件夹已有数据时拒绝，除非加 --force。先停止 Web 和 "
                              "worker 进程。\n\nRestore the database and the uploads folder "
                              "from a `lowcode backup` (every file checked first); refused when "
                              "either holds data unless --force. Stop the web and worker "
                              "processes first.")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--force", is_flag=True, help="替换已有数据 / Replace the data there is.")
@LANG_OPTION
def restore(path: Path, force: bool, lang: str) -> None:
    from runtime.store.backup import BackupError
    from runtime.store.backup import restore as run_restore

    engine, uploads = _engine_and_uploads(lang, upgraded=False)
    try:
        manifest = run_restore(engine, uploads, path, force=force)
    except BackupError as error:
        _backup_refused(error, lang)
    click.echo(f"restored from {path} (made {manifest['created_at']}, revision "
               f"{manifest['revision']}); run lowcode db upgrade if the code is newer"
               if lang == "en" else
               f"已从 {path} 恢复（备份于 {manifest['created_at']}，结构版本 "
               f"{manifest['revision']}）；如代码更新，请再运行 lowcode db upgrade")


def _engine_and_uploads(lang: str, upgraded: bool = True) -> tuple[Engine, Path]:
    """The configured database and the uploads folder of the configured instance."""
    from runtime.web import create_app
    from runtime.web.database import store

    app = create_app()
    engine = store(app).engine
    if upgraded:
        _require_upgraded(engine, lang)
    return engine, Path(app.instance_path, "uploads")


def _backup_refused(error: BackupError, lang: str) -> NoReturn:
    zh, en = BACKUP_WORDS[error.code]
    click.echo((en if lang == "en" else zh).format(detail=error.detail), err=True)
    sys.exit(1)


# --- audit --------------------------------------------------------------------------------


@main.group(help="审计日志。\n\nThe audit log.")
def audit() -> None:
    pass


@audit.command("verify", help="用审计密钥逐条校验审计日志的哈希链，指出第一条被篡改的记录；"
                              "给出 --anchor 时还核对最后一个锚点，发现末尾记录被删除或整条链被"
                              "重写；有篡改时退出码为 1。\n\nCheck the audit log's keyed hash "
                              "chain and name the first tampered record; with --anchor also "
                              "against the last anchor in FILE, so that deleted newest records "
                              "or a rewritten chain are found; exit 1 when one is found.")
@click.option("--anchor", "anchor_file", type=click.Path(exists=True, dir_okay=False),
              help="锚点文件（lowcode audit anchor --to 写的） / An anchor file.")
@LANG_OPTION
def audit_verify(anchor_file: str | None, lang: str) -> None:
    from runtime.store.audit import verify

    anchor = _last_anchor(anchor_file, lang) if anchor_file else None
    store = _store()
    _require_upgraded(store.engine, lang)
    with store.sessions() as session:
        result = verify(session, anchor)
    click.echo(result.message(lang))
    sys.exit(0 if result.ok else 1)


@audit.command("anchor", help="导出审计日志的链头（最后一条的编号和哈希、条数、时间），"
                              "追加到文件（--to）或推送到 URL（--webhook），没有选项时打印出来；"
                              "请定时运行，并把锚点保存在数据库之外。\n\nExport the head of "
                              "the audit log (last id and hash, count, time): append it to FILE "
                              "(--to), POST it to a URL (--webhook), or print it. Run it on a "
                              "schedule and keep the anchors away from the database.")
@click.option("--to", "to_file", type=click.Path(dir_okay=False),
              help="追加到此文件（每行一个 JSON） / Append to this file, one JSON a line.")
@click.option("--webhook", "url", help="POST 到此 URL / POST it to this URL.")
@click.option("--secret", help="用此密钥签名推送（同 webhook） / Sign the POST like webhooks.")
@LANG_OPTION
def audit_anchor(to_file: str | None, url: str | None, secret: str | None, lang: str) -> None:
    from runtime.casework.webhooks import DeliveryError, post_json
    from runtime.store.audit import head

    store = _store()
    _require_upgraded(store.engine, lang)
    if url:
        _check_destination(url, lang)
    with store.sessions() as session:
        anchor = head(session)
    line = json.dumps(anchor.as_dict(), sort_keys=True)
    if to_file:
        with open(to_file, "a", encoding="utf-8") as file:
            file.write(line + "\n")
    if url:
        try:
            post_json(url, anchor.as_dict(), secret=secret)
        except DeliveryError as error:
            click.echo(str(error), err=True)
            sys.exit(1)
    click.echo(line)


def _last_anchor(path: str, lang: str) -> Anchor:
    """The last anchor of an anchor file (one JSON a line); exits 1 when there is none."""
    from runtime.store.audit import Anchor

    lines = [line for line in Path(path).read_text(encoding="utf-8").splitlines()
             if line.strip()]
    try:
        return Anchor.from_dict(json.loads(lines[-1]))
    except (IndexError, ValueError) as error:
        click.echo(f"{path}: no anchor ({error})" if lang == "en"
                   else f"{path}：没有可用的锚点（{error}）", err=True)
        sys.exit(1)


# --- cases started in a batch -----------------------------------------------------------


@main.group(help="案件。\n\nCases.")
def cases() -> None:
    pass


@cases.command("start", help="按名单批量发起：名单（.csv 或 .xlsx，首行为开始表单的字段编号）每行"
                             "一件申请，按开始表单校验；任何一行不合格时一件也不发起。同一名单再次"
                             "运行不会重复发起。\n\nStart cases from a list (.csv or .xlsx, the "
                             "first row naming the start form's fields), one per row, each "
                             "checked by the form; one bad row starts none. Running the same "
                             "list again starts nothing twice.")
@click.argument("form_id")
@click.argument("path", type=click.Path(exists=True, dir_okay=False), required=False)
@click.option("--as", "username", required=True,
              help="以哪位工作人员的名义发起 / The member of staff starting them.")
@click.option("--from-records", "register_id", default=None,
              help="不用名单，而按台账表单的记录发起：每条符合 --where 的记录一件"
                   "（该员工数据范围内） / Instead of a list: one case per record of "
                   "this register form that --where holds for (within the member's data "
                   "scope).")
@click.option("--where", "where", default="true",
              help="筛选台账记录的表达式，如 \"risk_level == 'C'\" / The filter over the "
                   "register's fields.")
@LANG_OPTION
def cases_start(form_id: str, path: str | None, username: str, register_id: str | None,
                where: str, lang: str) -> None:
    from runtime import access
    from runtime.casework import batches
    from runtime.definitions.spec import FormSpec
    from runtime.providers import default_field_types
    from runtime.store import records as record_queries
    from runtime.store.accounts import principal_of, user_by_name
    from runtime.store.queries import latest_definition, rule_book
    from runtime.store.references import StoreResolver
    from runtime.store.submissions import Owner

    if (path is None) == (register_id is None):
        raise click.ClickException("请给出名单文件或 --from-records 二者之一 / give a list "
                                   "file or --from-records, one of the two")
    content, rows, keys = b"", [], None
    if path is not None:
        content = Path(path).read_bytes()
        try:
            rows = batches.read_rows(path, content)
        except batches.ListError as error:
            raise click.ClickException(str(error)) from None
    store = _store()
    _require_upgraded(store.engine, lang)
    with store.sessions() as session:
        user = user_by_name(session, username)
        form = latest_definition(session, "Form", form_id)
        if user is None or form is None or not isinstance(form.spec, FormSpec):
            raise click.ClickException(f"没有工作人员 {username} 或表单 {form_id} / no staff "
                                       f"user {username} or form {form_id}")
        if register_id is not None:
            register = latest_definition(session, "Form", register_id)
            if register is None or not isinstance(register.spec, FormSpec):
                raise click.ClickException(f"没有台账表单 {register_id} / no register form "
                                           f"{register_id}")
            seen = access.visibility(principal_of(user), "records.read")
            found = [batches.Record(r.tracking_no, r.data) for r in record_queries.of_form(
                session, seen, register_id, limit=batches.MAX_ROWS + 1)]
            if len(found) > batches.MAX_ROWS:
                raise click.ClickException(f"台账记录超过 {batches.MAX_ROWS} 条 / more than "
                                           f"{batches.MAX_ROWS} records")
            try:
                rows, keys = batches.rows_from_records(form.spec, register.spec, found, where)
            except batches.ListError as error:
                raise click.ClickException(str(error)) from None
            path = register_id
        batch = batches.start_batch(
            session, form.spec, rows, default_field_types(), owner=Owner("staff", user.id),
            list_id=batches.list_id(content), resolver=StoreResolver(session, principal_of(user)),
            lang=lang, book=rule_book(session, form_id),
            owner_of=batches.enterprise_owner(session, form.spec), keys=keys)
    assert path is not None
    for number, errors in sorted(batch.errors.items()):
        for where, messages in errors.items():
            name = where if where != "_form" else ("规则" if lang == "zh" else "rules")
            if keys is not None:  # a record: named by its tracking number
                record = keys[number - 2].rsplit(":", 1)[-1] if number >= 2 else ""
                click.echo(f"记录 {record} {name}：{'；'.join(messages)}" if lang == "zh"
                           else f"record {record} {name}: {'; '.join(messages)}")
                continue
            click.echo(f"{Path(path).name} 第 {number} 行 {name}：{'；'.join(messages)}"
                       if lang == "zh" else f"{Path(path).name} row {number} {name}: "
                       f"{'; '.join(messages)}")
    if not batch.ok:
        click.echo(f"未发起任何案件：{len(batch.errors)} 行不合格" if lang == "zh"
                   else f"nothing started: {len(batch.errors)} row(s) refused")
        sys.exit(1)
    started = sum(r.created for r in batch.receipts)
    for receipt in batch.receipts:
        click.echo(receipt.tracking_no)
    click.echo(f"已发起 {started} 件（名单共 {len(rows)} 行）" if lang == "zh"
               else f"started {started} (the list has {len(rows)} rows)")


# --- the working-day calendar -----------------------------------------------------------


@main.group("calendar", help="工作日历：载入国务院公布的放假与调休安排"
                             "（软件包尚未收录的年份）。\n\nThe working-day calendar: load an "
                             "official holiday arrangement the calendar package does not ship "
                             "yet.")
def calendar_group() -> None:
    pass


@calendar_group.command("load", help="载入放假安排文件（YAML：year、holidays、workdays，日期或"
                                     "区间 2027-10-01..2027-10-07），替换该年已载入的安排。\n\n"
                                     "Load a holiday file (YAML: year, holidays, workdays); it "
                                     "replaces what was loaded for that year.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@LANG_OPTION
def calendar_load(path: str, lang: str) -> None:
    from runtime.store import calendar

    try:
        days = calendar.parse(Path(path).read_text(encoding="utf-8"), path)
    except calendar.ArrangementError as error:
        raise click.ClickException(str(error)) from None
    store = _store()
    _require_upgraded(store.engine, lang)
    with store.sessions() as session:
        count = calendar.load(session, days, Path(path).name)
        session.commit()
    rest = sum(not work for work in days.values())
    click.echo(f"已载入 {count} 天（放假 {rest} 天，调休上班 {count - rest} 天）；"
               f"运行中的服务在一分钟内采用。" if lang == "zh" else
               f"Loaded {count} days ({rest} holidays, {count - rest} adjusted working days); "
               f"running servers use them within a minute.")


@calendar_group.command("show", help="列出某年已载入的放假与调休安排。\n\n"
                                     "List a year's loaded days.")
@click.argument("year", type=int)
def calendar_show(year: int) -> None:
    from runtime.store import calendar

    with _store().sessions() as session:
        days = calendar.arrangement(session)
    for day, work in sorted(days.items()):
        if day.year == year:
            click.echo(f"{day.isoformat()} {'上班 workday' if work else '放假 holiday'}")


# --- webhooks -----------------------------------------------------------------------------


@main.group(help="对外推送订阅：现有业务系统通过签名的 webhook 接收案件事件。\n\n"
                 "Webhook subscriptions: existing systems hear of case events by signed POSTs.")
def webhook() -> None:
    pass


@webhook.command("add", help="订阅：向 URL 推送案件事件（不指定 --event 时推送全部），"
                             "用密钥做 HMAC-SHA256 签名；未给 --secret 时生成一个并只显示这一次。"
                             "URL 须解析为公网地址，内部网络须列入 LOWCODE_WEBHOOK_ALLOW。"
                             "\n\nSubscribe URL to case events (all unless --event is given), "
                             "signed with HMAC-SHA256; without --secret one is made and shown "
                             "once. The URL must resolve to public addresses; internal "
                             "networks must be listed in LOWCODE_WEBHOOK_ALLOW.")
@click.argument("name")
@click.argument("url")
@click.option("--secret", help="签名密钥 / The signing secret.")
@click.option("--event", "events", multiple=True, help="只推送这些事件 / Only these events.")
@LANG_OPTION
def webhook_add(name: str, url: str, secret: str | None, events: tuple[str, ...],
                lang: str) -> None:
    import secrets as tokens

    from runtime.store import jobs

    unknown = sorted(set(events) - jobs.PUBLISHED_EVENTS)
    if unknown:
        known = ", ".join(sorted(jobs.PUBLISHED_EVENTS))
        click.echo(f"unknown events {', '.join(unknown)}; known: {known}" if lang == "en"
                   else f"未知的事件 {'、'.join(unknown)}；可选：{known}")
        sys.exit(1)
    store = _store()
    _require_upgraded(store.engine, lang)
    _check_destination(url, lang)
    secret = secret or tokens.token_urlsafe(32)
    with store.sessions() as session:
        hook = jobs.subscribe(session, name, url, secret, events)
        click.echo(f"webhook {hook.id} added; secret (shown once): {secret}" if lang == "en"
                   else f"已添加订阅 {hook.id}；签名密钥（只显示这一次）：{secret}")


def _check_destination(url: str, lang: str) -> None:
    """Exit 1 with the reason when `url` may not be sent to (runtime.destinations)."""
    from runtime.destinations import RefusedDestination, check

    try:
        check(url)
    except RefusedDestination as refused:
        click.echo(refused.message(lang))
        sys.exit(1)


@webhook.command("list", help="列出订阅（不显示密钥）。\n\nList subscriptions (secrets hidden).")
@LANG_OPTION
def webhook_list(lang: str) -> None:
    from runtime.store import jobs

    store = _store()
    _require_upgraded(store.engine, lang)
    with store.sessions() as session:
        for hook in jobs.subscriptions(session):
            state = ("on" if hook.active else "off") if lang == "en" else (
                "启用" if hook.active else "停用")
            events = ", ".join(hook.events) or ("all" if lang == "en" else "全部")
            click.echo(f"{hook.id}\t{state}\t{hook.name}\t{hook.url}\t{events}")


@webhook.command("off", help="停用一个订阅；已排队的推送不再发送。\n\nSwitch a subscription "
                             "off; deliveries still queued are not sent.")
@click.argument("hook_id", type=int)
@LANG_OPTION
def webhook_off(hook_id: int, lang: str) -> None:
    from runtime.store import jobs

    store = _store()
    _require_upgraded(store.engine, lang)
    with store.sessions() as session:
        if not jobs.switch_off(session, hook_id):
            click.echo(f"no webhook {hook_id}" if lang == "en" else f"没有编号为 {hook_id} 的订阅")
            sys.exit(1)
    click.echo(f"webhook {hook_id} is off" if lang == "en" else f"订阅 {hook_id} 已停用")


# --- people -------------------------------------------------------------------------------


@main.group(help="工作人员账号：添加、批量导入、列出、停用。\n\n"
                 "Staff accounts: add, import, list, disable.")
def users() -> None:
    pass


@users.command("add", help="添加一名工作人员及其在一个部门中的角色；未给 --password 时生成密码并"
                           "只显示这一次。\n\nAdd a member of staff with roles in one "
                           "department; without --password one is made and shown once.")
@click.argument("username")
@click.option("--name", required=True, help="姓名 / Full name.")
@click.option("--department", required=True, help="部门编码 / Department code.")
@click.option("--role", "roles", multiple=True, required=True,
              help="角色编码，可重复 / Role code; repeat for several.")
@click.option("--region", help="部门所在行政区划，用于核对 / Region code, checked against the "
                                "department's.")
@click.option("--mobile", help="手机号 / Mobile number.")
@click.option("--password", help="初始密码 / Initial password.")
@LANG_OPTION
def users_add(username: str, name: str, department: str, roles: tuple[str, ...],
              region: str | None, mobile: str | None, password: str | None, lang: str) -> None:
    from runtime.casework import people
    from runtime.store.publish import system_actor

    person = people.NewPerson(username, name, department, roles, region, mobile, password)
    with _people_session(lang) as session:
        try:
            added = people.add_person(session, person, by=None, actor=system_actor())
        except people.PeopleError as error:
            click.echo(error.message(lang))
            sys.exit(1)
        _print_added(added, lang)


@users.command("import", help="从 CSV 批量添加工作人员（表头：username,name,department,roles,"
                              "region,mobile；多个角色用 ; 分隔）。有任何一行不合格时一个也不"
                              "添加。生成的密码只显示这一次。\n\nAdd staff from a CSV (header: "
                              "username,name,department,roles,region,mobile; roles separated "
                              "by ;). Any refused row adds no one. Generated passwords are "
                              "shown once.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@LANG_OPTION
def users_import(path: str, lang: str) -> None:
    from runtime.casework import people
    from runtime.store.publish import system_actor

    with _people_session(lang) as session:
        try:
            rows = list(people.read_csv(Path(path).read_text(encoding="utf-8")))
        except people.PeopleError as error:
            click.echo(error.message(lang))
            sys.exit(1)
        problems = people.csv_problems(session, rows, None)
        for problem in problems:
            click.echo(problem.message(lang))
        if problems:
            click.echo(f"nothing imported; {len(problems)} row(s) refused" if lang == "en"
                       else f"未导入任何人员：{len(problems)} 行不合格")
            sys.exit(1)
        for _, person in rows:
            added = people.add_person(session, person, by=None, actor=system_actor())
            _print_added(added, lang)


@users.command("list", help="列出工作人员：用户名、状态、姓名、部门和角色。\n\n"
                            "List staff: username, state, name, departments and roles.")
@LANG_OPTION
def users_list(lang: str) -> None:
    from sqlalchemy import select

    from runtime.store.accounts import User

    with _people_session(lang) as session:
        for user in session.scalars(select(User).order_by(User.username)):
            state = ("active" if user.active else "disabled") if lang == "en" else (
                "启用" if user.active else "停用")
            held = ", ".join(f"{m.role.code}@{m.department.code}" for m in user.memberships)
            click.echo(f"{user.username}\t{state}\t{user.display_name}\t{held}")


@users.command("disable", help="停用账号并使其所有会话失效。\n\n"
                               "Disable an account and end all its sessions.")
@click.argument("username")
@LANG_OPTION
def users_disable(username: str, lang: str) -> None:
    from runtime.casework import people
    from runtime.store.accounts import user_by_name
    from runtime.store.publish import system_actor

    with _people_session(lang) as session:
        user = user_by_name(session, username)
        if user is None:
            click.echo(f"no user {username}" if lang == "en" else f"没有用户 {username}")
            sys.exit(1)
        people.set_active(session, user, False, by=None, actor=system_actor())
    click.echo(f"{username} is disabled" if lang == "en" else f"已停用 {username}")


def _people_session(lang: str) -> Session:
    store = _store()
    _require_upgraded(store.engine, lang)
    return store.sessions()


def _print_added(added: Any, lang: str) -> None:
    user = added.user
    shown = f"; password (shown once): {added.password}" if lang == "en" else \
        f"；初始密码（只显示这一次）：{added.password}"
    click.echo(f"added {user.username}{shown if added.generated else ''}" if lang == "en"
               else f"已添加 {user.username}{shown if added.generated else ''}")


# --- pack lifecycle -------------------------------------------------------------------------


@main.group("pack", help="场景包的生命周期：检查、测试、导入（可试运行）、导出、比较、列出。\n\n"
                         "A pack's life: check, test, import (or dry-run), export, diff, list.")
def pack_group() -> None:
    pass


pack_group.add_command(check, "check")
pack_group.add_command(import_pack, "import")


@pack_group.command("test", help="运行场景包 tests/ 文件夹中的测试场景，每个场景用一个全新的"
                                 "内存数据库；列出每个未通过的预期。\n\nRun the scenarios in the "
                                 "pack's tests/ folder, each on a fresh in-memory database; list "
                                 "every expectation that fails.")
@click.argument("path", type=click.Path(exists=True))
@LANG_OPTION
def pack_test(path: str, lang: str) -> None:
    from runtime import packcli

    sys.exit(packcli.run_tests(path, lang))


@pack_group.command("export", help="把已导入场景包的已发布定义写成文件（文件夹，或以 .zip 结尾的"
                                   "压缩包），可再次检查和导入。\n\nWrite a pack's published "
                                   "definitions out as files (a folder, or a zip when OUT ends in "
                                   ".zip) that check and import again.")
@click.argument("pack_id")
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--version", "version", type=int, help="场景包版本，默认最新 / Pack version "
                                                     "(default: the newest).")
@LANG_OPTION
def pack_export(pack_id: str, out: Path, version: int | None, lang: str) -> None:
    from runtime import packcli

    store = _store()
    _require_upgraded(store.engine, lang)
    with store.sessions() as session:
        sys.exit(packcli.export(session, pack_id, out, version, lang))


@pack_group.command("diff", help="比较场景包的两个已导入版本（PACK_ID V1 V2），或一个文件夹与"
                                 "已发布的内容（PATH）：新增、删除、修改的定义及逐项差异。\n\n"
                                 "Compare two imported versions of a pack (PACK_ID V1 V2), or a "
                                 "folder against what is published (PATH): definitions added, "
                                 "removed, changed, each with its diff.")
@click.argument("target")
@click.argument("versions", nargs=-1, type=int)
@LANG_OPTION
def pack_diff(target: str, versions: tuple[int, ...], lang: str) -> None:
    from runtime import packcli

    store = _store()
    _require_upgraded(store.engine, lang)
    with store.sessions() as session:
        sys.exit(packcli.diff(session, target, versions, lang))


@pack_group.command("list", help="列出已导入的场景包：编号、版本、名称、发布单位、定义数、导入"
                                 "时间。\n\nList imported packs: id, version, title, publisher, "
                                 "definitions, imported at.")
@LANG_OPTION
def pack_list(lang: str) -> None:
    from runtime import packcli

    store = _store()
    _require_upgraded(store.engine, lang)
    with store.sessions() as session:
        packcli.list_packs(session, lang)
