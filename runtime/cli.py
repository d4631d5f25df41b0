"""The `lowcode` command: check packs, try expressions, manage the database, serve."""

from __future__ import annotations

import json
import sys

import click

from runtime.packs import check_path


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
        click.echo(_summary(len(result.problems), len(result.definitions), lang))
    sys.exit(1 if result.problems else 0)


def _summary(problems: int, definitions: int, lang: str) -> str:
    if lang == "en":
        return f"{problems} problem(s); {definitions} definition(s) passed their schema."
    return f"共 {problems} 个问题；{definitions} 个定义通过了结构校验。"
