"""Checks of a Pack, and of the department and role codes other definitions take from it."""

from __future__ import annotations

from collections.abc import Iterator

from runtime.definitions.checks.common import Check, Checked, Context, duplicates, missing
from runtime.definitions.problems import Path, Problem
from runtime.definitions.spec import AssigneeSpec, PackSpec, Party


def _pack(item: Checked) -> PackSpec:
    assert isinstance(item.spec, PackSpec)
    return item.spec


def department_codes_unique(ctx: Context, item: Checked) -> Iterator[Problem]:
    yield from duplicates(item, ((("departments", i, "code"), d.code)
                                 for i, d in enumerate(_pack(item).departments)))


def role_codes_unique(ctx: Context, item: Checked) -> Iterator[Problem]:
    yield from duplicates(item, ((("roles", i, "code"), r.code)
                                 for i, r in enumerate(_pack(item).roles)))


CHECKS: tuple[Check, ...] = (department_codes_unique, role_codes_unique)


# --- references into the pack, for the checks of other kinds ------------------------------

def declared(ctx: Context, item: Checked, path: Path, what: str,
             code: str | None) -> Iterator[Problem]:
    """Department and role codes must be declared by the pack, when it declares any."""
    known = ctx.departments if what == "department" else ctx.roles
    if code is not None and known and code not in known:
        yield missing(item, path, what, code, known)


def party_codes(ctx: Context, item: Checked, path: Path,
                party: Party | AssigneeSpec) -> Iterator[Problem]:
    yield from declared(ctx, item, (*path, "department"), "department", party.department)
    yield from declared(ctx, item, (*path, "role"), "role", party.role)
