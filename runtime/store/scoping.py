"""Data scopes as query filters: what `runtime.access.visibility` allows, as SQL.

Any model with an owner, a department and/or a region column can be listed through
`scope_filter`; a department subtree is found through the departments' materialised path.
The departments table is named here as a bare table (its name and the two columns read), not
imported from `accounts`, which builds its own department lists with `department_filter`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    column,
    false,
    or_,
    select,
    table,
    true,
)
from sqlalchemy.orm import Session

from runtime.access import Membership, Visibility

# accounts.Department as far as a scope reads it
DEPARTMENTS = table("departments", column("code", String), column("path", String))
# cases.CaseRow as far as a scope reads it (cases imports jobs, whose lists are scoped here)
CASES = table("cases", column("id", Integer), column("department_code", String),
              column("region_code", String))


def scope_filter(seen: Visibility, *, owner: Any = None, department: Any = None,
                 region: Any = None) -> ColumnElement[bool]:
    """A WHERE clause for a list query: rows whose owner, department (a department code
    column) or region (a GB/T 2260 code column) `seen` reaches. A scope that needs a column
    the model lacks reaches nothing there."""
    if seen.everything:
        return true()
    clauses: list[ColumnElement[bool]] = []
    if owner is not None and seen.owner_ids:
        clauses.append(owner.in_(sorted(seen.owner_ids)))
    if department is not None and seen.department_trees:
        codes = select(DEPARTMENTS.c.code).where(department_filter(
            Visibility(departments=seen.departments, department_trees=seen.department_trees),
            DEPARTMENTS.c.code, DEPARTMENTS.c.path, None))
        clauses.append(department.in_(codes))
    elif department is not None and seen.departments:
        clauses.append(department.in_(sorted(seen.departments)))
    if region is not None and seen.region_prefixes:
        clauses.extend(region.startswith(p, autoescape=True) for p in sorted(seen.region_prefixes))
    return or_(*clauses) if clauses else false()


def case_ids(seen: Visibility) -> Select[tuple[int]]:
    """The ids of the cases `seen` reaches by their department or region, as a subquery:
    what a list of things that belong to a case (jobs) filters on."""
    return select(CASES.c.id).where(scope_filter(seen, department=CASES.c.department_code,
                                                 region=CASES.c.region_code))


def within(session: Session, seen: Visibility) -> Visibility:
    """`seen` with its department trees looked up as the codes of the departments in them:
    a list filtered on plain codes can read an index on its department column range by
    range, where a subquery is tested row by row."""
    if seen.everything or not seen.department_trees:
        return seen
    trees = Visibility(department_trees=seen.department_trees)
    codes = session.scalars(select(DEPARTMENTS.c.code).where(
        department_filter(trees, DEPARTMENTS.c.code, DEPARTMENTS.c.path, None)))
    return replace(seen, departments=seen.departments | frozenset(codes),
                   department_trees=frozenset())


def within_these(seen: Visibility, departments: Iterable[tuple[str, str]]) -> Visibility:
    """`within` with every department's (code, path) already read: no query. A page that
    names the departments anyway reads them once for both."""
    if seen.everything or not seen.department_trees:
        return seen
    tops = [f"/{top}/" for top in seen.department_trees]
    codes = {code for code, path in departments if any(top in path for top in tops)}
    return replace(seen, departments=seen.departments | frozenset(codes),
                   department_trees=frozenset())


def department_filter(seen: Visibility, code: Any, path: Any,
                      region: Any) -> ColumnElement[bool]:
    """A WHERE clause on the departments table itself: departments `seen` reaches."""
    if seen.everything:
        return true()
    clauses: list[ColumnElement[bool]] = []
    if seen.departments:
        clauses.append(code.in_(sorted(seen.departments)))
    clauses.extend(path.contains(f"/{top}/", autoescape=True)
                   for top in sorted(seen.department_trees))
    if region is not None:
        clauses.extend(region.startswith(p, autoescape=True)
                       for p in sorted(seen.region_prefixes))
    return or_(*clauses) if clauses else false()


def pool_filter(memberships: Iterable[Membership], department: Any,
                role: Any) -> ColumnElement[bool]:
    """Rows addressed to the pool of one of `memberships`: its department, and its role or
    no role (a department's pool with no role is everyone's there)."""
    clauses = [and_(department == m.department_code, or_(role.is_(None), role == m.role))
               for m in memberships]
    return or_(*clauses) if clauses else false()
