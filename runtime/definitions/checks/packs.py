"""Checks of a Pack, and of the department and role codes other definitions take from it."""

from __future__ import annotations

from collections.abc import Iterator

from runtime import access
from runtime.definitions import names
from runtime.definitions.checks.common import Check, Checked, Context, duplicates, missing
from runtime.definitions.problems import Path, Problem, problem
from runtime.definitions.schema import did_you_mean
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


def role_grants(ctx: Context, item: Checked) -> Iterator[Problem]:
    """A declared role grants known permissions and a known scope; a built-in one neither."""
    doc = item.doc
    for i, role in enumerate(_pack(item).roles):
        path: Path = ("roles", i)
        if role.code in access.BUILTIN_ROLES and (role.permissions or role.scope):
            yield problem("builtin_role_grants", doc.file, doc.line(path), path, name=role.code)
        for j, name in enumerate(role.permissions):
            if name not in access.PERMISSIONS:
                where: Path = (*path, "permissions", j)
                yield problem("unknown_permission", doc.file, doc.line(where), where, name=name,
                              **did_you_mean(name, access.PERMISSIONS))
        if role.scope is not None and role.scope not in access.SCOPES:
            where = (*path, "scope")
            yield problem("unknown_scope", doc.file, doc.line(where), where, name=role.scope,
                          choices=", ".join(access.SCOPES), **did_you_mean(role.scope,
                                                                           access.SCOPES))


def requirements(ctx: Context, item: Checked) -> Iterator[Problem]:
    """Each required pack is another pack, at hand (when the caller looked for them), in the
    version asked for, and checks clean."""
    doc, pack = item.doc, _pack(item)
    for i, text in enumerate(pack.requires):
        path: Path = ("requires", i)
        required, lowest = names.requirement(text)
        if required == pack.id:
            yield problem("pack_requires_self", doc.file, doc.line(path), path, pack=required)
            continue
        if ctx.libraries is None or not ctx.resolve_refs:
            continue
        library = ctx.libraries.get(required)
        if library is None or (lowest is not None and library.pack.version < lowest):
            yield problem("missing_pack", doc.file, doc.line(path), path, pack=required,
                          version=f" 第 {lowest} 版或更高" if lowest else "",
                          version_en=f" version {lowest} or later" if lowest else "")
        elif library.problems:
            yield problem("required_unclean", doc.file, doc.line(path), path, pack=required,
                          count=library.problems)


CHECKS: tuple[Check, ...] = (department_codes_unique, role_codes_unique, role_grants,
                             requirements)


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
