"""The organisation in the store: the demo tree, departments and roles from packs, scope
filters for list queries, and the `lowcode demo seed` command."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select
from sqlalchemy.orm import Session

from runtime import access, cli
from runtime.definitions import spec
from runtime.demo import ACCOUNTS, DEMO_PASSWORD, DemoRefused, seed_demo
from runtime.i18n import Label
from runtime.packs import check_path
from runtime.store import accounts, ratelimit
from runtime.store.models import utcnow
from runtime.store.scoping import scope_filter

MakePack = Callable[..., Path]
REPO = Path(__file__).resolve().parents[2]


def test_seeding_the_demo_twice_creates_it_once(session: Session) -> None:
    assert seed_demo(session, env="development") == [a.username for a in ACCOUNTS]
    assert seed_demo(session, env="development") == []
    street = accounts.department(session, "STREET_EAST")
    assert street is not None and street.codes() == ("CITY", "DISTRICT", "STREET_EAST")
    assert street.region_code == "110105" and street.parent is not None
    roles = {r.code for r in session.scalars(select(accounts.Role))}
    assert set(access.BUILTIN_ROLES) <= roles


def test_seeding_is_refused_in_production(session: Session) -> None:
    with pytest.raises(DemoRefused):
        seed_demo(session, env="production")
    assert session.scalars(select(accounts.User)).first() is None


def test_the_demo_covers_the_departments_of_the_shipped_packs(session: Session) -> None:
    seed_demo(session, env="development")
    pack = check_path(REPO / "scenario_packs" / "birth_one_thing").pack
    assert pack is not None
    assert accounts.map_pack_organisation(session, pack) == accounts.OrganisationReport()


def test_a_pack_creates_its_missing_departments_and_roles(
        session: Session, make_pack: MakePack) -> None:
    pack = check_path(make_pack()).pack
    assert pack is not None
    report = accounts.map_pack_organisation(session, pack)
    assert report.departments == ("GOVSVC",)
    created = accounts.department(session, "GOVSVC")
    assert created is not None and created.name_zh == "政务服务中心"
    assert created.name_en == "Government Service Centre" and created.codes() == ("GOVSVC",)
    assert accounts.map_pack_organisation(session, pack) == accounts.OrganisationReport()
    seed_demo(session, env="development")  # the demo adopts it into the city's tree
    assert accounts.department(session, "GOVSVC").codes() == ("CITY", "GOVSVC")  # type: ignore[union-attr]


def test_a_new_password_must_meet_the_policy(session: Session) -> None:
    for weak, problems in (("short1", ["too_short"]), ("onlyletters", ["needs_digit"]),
                           ("1234567890", ["needs_letter"])):
        with pytest.raises(accounts.PasswordPolicyError) as raised:
            accounts.add_user(session, "someone", "某人", weak)
        assert raised.value.problems == problems


@pytest.fixture
def records(session: Session) -> Table:
    """A table of records with owner, department and region columns, as later issues add."""
    seed_demo(session, env="development")
    table = Table("scoped_records", MetaData(), Column("id", Integer, primary_key=True),
                  Column("owner_id", Integer), Column("department", String(32)),
                  Column("region", String(6)))
    table.create(session.connection())
    session.execute(insert(table), [
        {"id": 1, "owner_id": 1, "department": "HEALTH", "region": "110100"},
        {"id": 2, "owner_id": 2, "department": "STREET_EAST", "region": "110105"},
        {"id": 3, "owner_id": 3, "department": "STREET_WEST", "region": "110105"},
        {"id": 4, "owner_id": 4, "department": "POLICE", "region": "310101"},
    ])
    return table


@pytest.mark.parametrize(("role", "department", "scope", "ids"), [
    ("clerk", "STREET_EAST", "own", [2]),
    ("clerk", "STREET_EAST", "department", [2]),
    ("lead", "DISTRICT", "department_tree", [2, 3]),
    ("lead", "CITY", "department_tree", [1, 2, 3, 4]),
    ("supervisor", "DISTRICT", "region", [2, 3]),
    ("supervisor", "HEALTH", "region", [1, 2, 3]),
    ("auditor", "HEALTH", "all", [1, 2, 3, 4]),
])
def test_a_scope_becomes_a_query_filter(session: Session, records: Table, role: str,
                                        department: str, scope: str, ids: list[int]) -> None:
    place = accounts.department(session, department)
    assert place is not None
    who = access.Principal(2, (access.Membership(department, place.codes(), place.region_code,
                                                 role, scope),))
    permission = "audit.read" if role == "auditor" else "records.read"
    where = scope_filter(access.visibility(who, permission), owner=records.c.owner_id,
                         department=records.c.department, region=records.c.region)
    assert list(session.scalars(select(records.c.id).where(where).order_by(records.c.id))) \
        == ids
    refused = scope_filter(access.visibility(who, "users.manage"), owner=records.c.owner_id)
    assert list(session.scalars(select(records.c.id).where(refused))) == []


def test_rate_limit_windows_count_per_key(session: Session) -> None:
    from datetime import timedelta

    now, period = utcnow(), timedelta(minutes=5)
    assert [ratelimit.hit(session, "k", period=period, now=now) for _ in range(3)] == [1, 2, 3]
    assert ratelimit.hit(session, "other", period=period, now=now) == 1
    assert ratelimit.hit(session, "k", period=period, now=now + period) == 1
    assert ratelimit.prune(session, before=now - period) == 0
    assert ratelimit.prune(session, before=now + 2 * period) == 3


def test_a_sliding_limit_forgets_the_previous_window_gradually(session: Session) -> None:
    from datetime import UTC, datetime, timedelta

    period, start = timedelta(hours=1), datetime(2026, 1, 1, 8, tzinfo=UTC)
    for _ in range(10):
        ratelimit.sliding(session, "k", period=period, now=start)
    # A quarter into the next window, three quarters of the last one still count.
    later = start + timedelta(minutes=75)
    assert ratelimit.sliding(session, "k", period=period, now=later, count=False) == 7.5
    assert ratelimit.sliding(session, "k", period=period, now=later) == 8.5
    assert ratelimit.sliding(session, "k", period=period, now=start + 2 * period,
                             count=False) == 1  # only the hit 75 minutes in is left


def test_the_demo_seed_command(db_url: str, tmp_path: Path) -> None:
    env = {"LOWCODE_DATABASE_URL": db_url, "LOWCODE_INSTANCE_PATH": str(tmp_path / "inst"),
           "LOWCODE_SECRET_KEY": "test"}
    runner = CliRunner()
    assert runner.invoke(cli.main, ["db", "upgrade"], env=env).exit_code == 0
    result = runner.invoke(cli.main, ["demo", "seed"], env={**env, "LOWCODE_ENV": "development"})
    assert result.exit_code == 0, result.output
    assert f"演示账号（统一密码：{DEMO_PASSWORD}）" in result.output
    assert "auditor" in result.output and "clerk_health" in result.output
    for production in ("production", None):  # production is the default
        refused = runner.invoke(cli.main, ["demo", "seed"], env={**env, "LOWCODE_ENV": production})
        assert refused.exit_code == 1 and "生产环境（LOWCODE_ENV 不是 development）不创建演示账号" \
            in refused.output


def test_importing_a_pack_maps_its_departments(db_url: str, tmp_path: Path,
                                               make_pack: MakePack) -> None:
    env = {"LOWCODE_DATABASE_URL": db_url, "LOWCODE_INSTANCE_PATH": str(tmp_path / "inst"),
           "LOWCODE_SECRET_KEY": "test"}
    runner = CliRunner()
    runner.invoke(cli.main, ["db", "upgrade"], env=env)
    result = runner.invoke(cli.main, ["import", str(make_pack())], env=env)
    assert result.exit_code == 0, result.output
    assert "新建部门：GOVSVC" in result.output
    assert "新建角色：clerk, lead, dispatcher" in result.output


def test_a_pack_role_keeps_what_its_latest_import_grants(session: Session) -> None:
    seed_demo(session, env="development")
    for permissions, scope in ((("tasks.act", "records.read"), "region"), (("tasks.act",), None)):
        pack = spec.PackSpec(kind="Pack", id="p", version=1, title=Label.of("p"), format=1,
                             roles=(spec.RoleSpec(code="inspector", name=Label.of("检查员"),
                                                  permissions=permissions, scope=scope),
                                    spec.RoleSpec(code="clerk", name=Label.of("办事员"))))
        accounts.map_pack_organisation(session, pack)
        role = accounts.role(session, "inspector")
        assert role is not None and role.granted() == frozenset(permissions)
        assert role.scope() == (scope or access.DEPARTMENT)
    clerk = accounts.role(session, "clerk")
    assert clerk is not None and clerk.granted() is None  # the platform's, untouched
    user = accounts.user_by_name(session, "clerk_health")
    assert user is not None
    accounts.add_membership(session, user, "HEALTH", "inspector")
    assert accounts.principal_of(user).permissions() == access.ROLE_PERMISSIONS["clerk"]
    assert "inspector" in accounts.roles_granting(session, "tasks.act")
    assert "inspector" not in accounts.roles_granting(session, "records.read")
