"""The permission model on its own: roles grant permissions, scopes reach records."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from runtime.access import (
    BUILTIN_ROLES,
    DEFAULT_SCOPES,
    PERMISSIONS,
    ROLE_PERMISSIONS,
    Membership,
    Principal,
    RecordRef,
    Visibility,
    allowed,
    in_region,
    region_prefix,
    visibility,
)
from runtime.store.scoping import within_these

HEALTH = ("CITY", "HEALTH")
STREET = ("CITY", "DISTRICT", "STREET_EAST")


def principal(role: str, scope: str, path: tuple[str, ...] = HEALTH,
              region: str = "110100") -> Principal:
    return Principal(7, (Membership(path[-1], path, region, role, scope),))


def record(path: tuple[str, ...], region: str = "110100", owner: int | None = None
           ) -> RecordRef:
    return RecordRef(owner, path[-1], path, region)


def test_every_builtin_role_has_permissions_and_a_default_scope() -> None:
    assert set(BUILTIN_ROLES) == set(ROLE_PERMISSIONS) == set(DEFAULT_SCOPES)
    assert set().union(*ROLE_PERMISSIONS.values()) <= set(PERMISSIONS)
    assert ROLE_PERMISSIONS["auditor"] == {"audit.read"}


@pytest.mark.parametrize(("scope", "reached"), [
    ("own", {"mine"}),
    ("department", {"mine", "health"}),
    ("department_tree", {"mine", "health"}),
    ("region", {"mine", "health", "street"}),
    ("all", {"mine", "health", "street", "elsewhere"}),
])
def test_each_scope_reaches_exactly_its_records(scope: str, reached: set[str]) -> None:
    records = {"mine": record(HEALTH, owner=7), "health": record(HEALTH),
               "street": record(STREET, "110105"), "elsewhere": record(("OTHER",), "310101")}
    who = principal("clerk", scope)
    assert {name for name, ref in records.items()
            if allowed(who, "records.read", ref)} == reached


def test_a_department_tree_reaches_below_but_not_beside() -> None:
    district = principal("lead", "department_tree", ("CITY", "DISTRICT"), "110105")
    assert allowed(district, "records.read", record(STREET, "110105"))
    assert allowed(district, "records.read", record(("CITY", "DISTRICT"), "110105"))
    assert not allowed(district, "records.read", record(HEALTH))


def test_a_role_without_the_permission_is_refused_whatever_its_scope() -> None:
    auditor = principal("auditor", "all")
    assert allowed(auditor, "audit.read")
    assert not allowed(auditor, "records.read", record(HEALTH))
    assert not allowed(principal("clerk", "all"), "audit.read")


def test_nobody_and_unknown_roles_are_refused() -> None:
    assert not allowed(None, "audit.read")
    assert not allowed(principal("pack_role", "all"), "records.read")


def test_an_unknown_permission_or_scope_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown permission"):
        allowed(principal("clerk", "all"), "records.delete")
    with pytest.raises(ValueError, match="unknown data scope"):
        Membership("HEALTH", HEALTH, None, "clerk", "everything")


def test_gb_t_2260_region_prefixes() -> None:
    assert region_prefix("110000") == "11"
    assert region_prefix("110100") == "1101"
    assert region_prefix("110105") == "110105"
    assert region_prefix(None) is None
    assert in_region("110105", "110000") and in_region("110105", "110100")
    assert not in_region("120101", "110000") and not in_region(None, "110000")


def test_visibility_is_the_union_of_the_granting_memberships() -> None:
    two = Principal(7, (Membership("HEALTH", HEALTH, "110100", "clerk", "department"),
                        Membership("DISTRICT", ("CITY", "DISTRICT"), "110105", "lead",
                                   "department_tree"),
                        Membership("CITY", ("CITY",), "110100", "auditor", "all")))
    seen = visibility(two, "records.read")
    assert not seen.everything and seen.departments == {"HEALTH"}
    assert seen.department_trees == {"DISTRICT"}
    assert visibility(two, "audit.read").everything
    assert visibility(two, "users.manage").nothing
    assert visibility(None, "records.read").nothing
    assert visibility(principal("clerk", "own"), "records.read").owner_ids == {7}
    assert visibility(principal("clerk", "region"), "records.read").region_prefixes == {"1101"}


def test_visibility_for_several_permissions_unites_what_each_grants() -> None:
    both = Principal(7, (Membership("HEALTH", HEALTH, "110100", "clerk", "department"),
                         Membership("GOVSVC", ("CITY", "GOVSVC"), "110105", "supervisor",
                                    "region")))
    seen = visibility(both, "tasks.supervise", "records.read")
    assert seen.departments == {"HEALTH"} and seen.region_prefixes == {"110105"}
    assert visibility(both, "tasks.supervise").departments == frozenset()


def test_a_role_a_pack_declares_grants_exactly_its_permissions() -> None:
    inspector = Principal(7, (Membership("HEALTH", HEALTH, "110100", "inspector", "department",
                                         frozenset({"tasks.act", "records.read"})),))
    assert inspector.permissions() == {"tasks.act", "records.read"}
    assert allowed(inspector, "records.read", record(HEALTH))
    assert not allowed(inspector, "records.read", record(STREET))
    assert not allowed(inspector, "users.manage")
    undeclared = Principal(7, (Membership("HEALTH", HEALTH, "110100", "inspector"),))
    assert undeclared.permissions() == frozenset()


def test_the_docs_list_every_permission_once() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "definitions.md").read_text(encoding="utf-8")
    table = docs.split("| permission | 中文 | what it allows |", 1)[1].split("\n\n", 1)[0]
    listed = re.findall(r"^\| `([a-z.]+)` \|", table, re.M)
    assert listed == list(PERMISSIONS)


def test_department_trees_resolved_from_departments_already_read() -> None:
    seen = Visibility(departments=frozenset({"HEALTH"}), department_trees=frozenset({"DISTRICT"}))
    departments = [("CITY", "/CITY/"), ("DISTRICT", "/CITY/DISTRICT/"),
                   ("STREET", "/CITY/DISTRICT/STREET/"), ("DISTRICT2", "/CITY/DISTRICT2/"),
                   ("HEALTH", "/CITY/HEALTH/")]
    found = within_these(seen, departments)
    assert found.departments == {"HEALTH", "DISTRICT", "STREET"}
    assert found.department_trees == frozenset()
    assert within_these(Visibility(everything=True), departments).everything
