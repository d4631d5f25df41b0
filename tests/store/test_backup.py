"""`lowcode backup` and `lowcode restore`: a round trip gives back every row of every table and
every uploaded file, byte for byte; a restore refuses to replace data unless forced, and
refuses a backup that was altered. On PostgreSQL through pg_dump/pg_restore."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from sqlalchemy import MetaData, select

from runtime import cli
from runtime.demo import seed_demo
from runtime.packs import check_path
from runtime.store.db import is_postgres, make_engine
from runtime.store.files import LocalFileStore, store_file
from runtime.store.publish import publish_pack
from runtime.store.submissions import GUEST
from runtime.web.database import store

EXAMPLE = Path(__file__).parents[2] / "scenario_packs" / "birth_one_thing"
APPLICATION = {
    "child_name": "王小明", "child_gender": "M",
    "birth_date": (date.today() - timedelta(days=3)).isoformat(),  # within the month allowed
    "hospital": "市妇幼保健院", "mother_name": "李丽", "mother_id": "11010519491231002X",
    "contact_mobile": "13912345678", "residence": "110105", "enrol_insurance": True,
    "need_ss_card": False,
}
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.fixture
def filled(app: Flask) -> Flask:
    """The demo organisation, the birth pack, three applications and two uploaded files."""
    if is_postgres(app.config["DATABASE_URL"]) and shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not on PATH: the PostgreSQL backup needs the client tools")
    with store(app).sessions() as session:
        seed_demo(session, env="testing")
        publish_pack(session, check_path(EXAMPLE))
    client = app.test_client()
    for name in ("王小明", "李小红", "张三"):
        response = client.post("/api/forms/birth_apply/submissions",
                               json={"data": {**APPLICATION, "child_name": name}})
        assert response.status_code == 201, response.get_json()
    files = LocalFileStore(Path(app.instance_path, "uploads"))
    with store(app).sessions() as session:
        for name in ("出生证明.pdf", "医学证明.pdf"):
            store_file(session, files, name=name, data=io.BytesIO(PDF + name.encode()),
                       owner=GUEST)
        session.commit()
    return app


@pytest.fixture
def target_url(db_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty database of the same kind as the test's, to restore into."""
    if not is_postgres(db_url):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    server = request.getfixturevalue("postgres_server")
    name = server.create()
    try:
        yield server.url(name)
    finally:
        server.drop(name)


def lowcode(url: str, instance: Path, *args: str) -> Result:
    env = {"LOWCODE_DATABASE_URL": url, "LOWCODE_INSTANCE_PATH": str(instance),
           "LOWCODE_SECRET_KEY": "test"}
    return CliRunner().invoke(cli.main, list(args), env=env, catch_exceptions=False)


def every_row(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Each table's rows in primary-key order (every column, as the database gives them)."""
    engine = make_engine(url)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        with engine.connect() as connection:
            return {name: [tuple(row) for row in connection.execute(
                        select(table).order_by(*(table.primary_key.columns or table.columns)))]
                    for name, table in metadata.tables.items()}
    finally:
        engine.dispose()


def every_file(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("name", ["backup", "backup.tar.gz"])
def test_a_round_trip_gives_back_every_row_and_every_file(
        filled: Flask, target_url: str, tmp_path: Path, name: str) -> None:
    source_url, uploads = filled.config["DATABASE_URL"], Path(filled.instance_path, "uploads")
    made = lowcode(source_url, Path(filled.instance_path), "backup", str(tmp_path / name))
    assert made.exit_code == 0, made.output
    assert "已备份到" in made.output and "2 个上传文件" in made.output
    restored = tmp_path / "restored-instance"
    result = lowcode(target_url, restored, "restore", str(tmp_path / name))
    assert result.exit_code == 0, result.output
    before, after = every_row(source_url), every_row(target_url)
    assert set(before) == set(after) and len(before) > 10
    for table in before:
        assert after[table] == before[table], table
    assert sum(len(rows) for rows in before.values()) > 50  # the demo data came across
    assert len(every_file(uploads)) == 2
    assert every_file(restored / "uploads") == every_file(uploads)


def test_a_restore_refuses_a_database_with_data_unless_forced(
        filled: Flask, tmp_path: Path) -> None:
    url, instance = filled.config["DATABASE_URL"], Path(filled.instance_path)
    assert lowcode(url, instance, "backup", str(tmp_path / "b")).exit_code == 0
    with store(filled).sessions() as session:  # a change after the backup
        publish_pack(session, check_path(EXAMPLE))
        store_file(session, LocalFileStore(instance / "uploads"), name="later.pdf",
                   data=io.BytesIO(PDF + b"later"), owner=GUEST)
        session.commit()
    saved = every_row(url)
    refused = lowcode(url, instance, "restore", str(tmp_path / "b"))
    assert refused.exit_code == 1 and "确认请加 --force" in refused.output
    assert every_row(url) == saved
    store(filled).engine.dispose()
    forced = lowcode(url, instance, "restore", "--force", str(tmp_path / "b"))
    assert forced.exit_code == 0, forced.output
    assert "later.pdf" not in json.dumps(every_row(url)["attachments"], default=str)
    assert len(every_file(instance / "uploads")) == 2  # the later file went with its row


def test_an_altered_backup_is_refused_before_anything_changes(
        filled: Flask, target_url: str, tmp_path: Path) -> None:
    url = filled.config["DATABASE_URL"]
    assert lowcode(url, Path(filled.instance_path), "backup", str(tmp_path / "b")).exit_code == 0
    upload = next(p for p in (tmp_path / "b" / "uploads").rglob("*") if p.is_file())
    upload.write_bytes(b"changed")
    result = lowcode(target_url, tmp_path / "other", "restore", str(tmp_path / "b"))
    assert result.exit_code == 1 and "备份不完整或已被改动" in result.output
    assert upload.relative_to(tmp_path / "b").as_posix() in result.output
    assert not (tmp_path / "other" / "uploads").exists()
    again = lowcode(url, Path(filled.instance_path), "backup", str(tmp_path / "b"))
    assert again.exit_code == 1 and "已存在" in again.output
