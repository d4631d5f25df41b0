"""The permission model: who may do what to which record, decided in one place.

Pure: no flask, no sqlalchemy. A `Principal` holds a user's memberships (department, role,
data scope); `allowed` answers for one record, `visibility` describes the same answer for a
whole list so that the store can turn it into a query filter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# Data scopes, from narrowest to widest.
OWN, DEPARTMENT, DEPARTMENT_TREE, REGION, ALL = (
    "own", "department", "department_tree", "region", "all")
SCOPES = (OWN, DEPARTMENT, DEPARTMENT_TREE, REGION, ALL)

# Every permission there is, with what it lets a person do: the one list that roles (built-in
# or declared by a pack) grant from, that the checker holds pack roles to and that
# docs/definitions.md lists (a test keeps the docs to it).
PERMISSIONS: Mapping[str, tuple[str, str]] = {
    "definitions.read": ("查看已发布的定义（表单、流程、规则）",
                         "read published definitions (forms, processes, rules)"),
    "definitions.write": ("设计和修改应用", "design and change apps"),
    "records.read": ("查看范围内的申请和案件", "read the applications and cases in scope"),
    "records.write": ("修改范围内的申请", "change the applications in scope"),
    "tasks.act": ("办理本部门本角色的任务（签收、办理、退回、转办……）",
                  "work the tasks of one's department and role (claim, complete, return, "
                  "transfer...)"),
    "tasks.dispatch": ("派单：把任务派给部门", "dispatch tasks to departments"),
    "tasks.supervise": ("催办、督办范围内的任务", "remind and supervise the tasks in scope"),
    "pii.reveal": ("查看完整的个人信息（身份证号、手机号），留痕",
                   "reveal personal numbers in full (audited)"),
    "export": ("导出列表", "export lists"),
    "users.manage": ("管理范围内的人员、角色和后台任务",
                     "manage the people, roles and background jobs in scope"),
    "audit.read": ("查看审计日志", "read the audit log"),
}

# Built-in roles: code -> (zh, en) name. A pack may declare more, each with the permissions it
# grants and its default data scope (see `Membership.permissions`).
BUILTIN_ROLES: Mapping[str, tuple[str, str]] = {
    "clerk": ("办事员", "Clerk"),
    "lead": ("科室负责人", "Department lead"),
    "dispatcher": ("派单员", "Dispatcher"),
    "supervisor": ("督办员", "Supervisor"),
    "designer": ("应用设计者", "App designer"),
    "admin": ("管理员", "Administrator"),
    "auditor": ("审计员", "Auditor"),
}

ROLE_PERMISSIONS: Mapping[str, frozenset[str]] = {
    "clerk": frozenset({"definitions.read", "records.read", "records.write", "tasks.act"}),
    "lead": frozenset({"definitions.read", "records.read", "records.write", "tasks.act",
                       "pii.reveal", "export"}),
    "dispatcher": frozenset({"definitions.read", "records.read", "tasks.dispatch"}),
    "supervisor": frozenset({"definitions.read", "records.read", "tasks.supervise", "export"}),
    "designer": frozenset({"definitions.read", "definitions.write"}),
    "admin": frozenset({"definitions.read", "users.manage"}),
    # The auditor reads the audit trail and nothing else: separation of duties.
    "auditor": frozenset({"audit.read"}),
}

DEFAULT_SCOPES: Mapping[str, str] = {
    "clerk": DEPARTMENT, "lead": DEPARTMENT_TREE, "dispatcher": REGION,
    "supervisor": REGION, "designer": ALL, "admin": DEPARTMENT_TREE, "auditor": ALL,
}


@dataclass(frozen=True)
class Membership:
    """One role a user holds in one department, with the data it reaches.

    `department_path` lists department codes from the root down to this department itself.
    """

    department_code: str
    department_path: tuple[str, ...]
    region_code: str | None
    role: str
    scope: str = DEPARTMENT
    # What a role declared by a pack grants; None for a built-in role (ROLE_PERMISSIONS).
    permissions: frozenset[str] | None = None

    def __post_init__(self) -> None:
        if self.scope not in SCOPES:
            raise ValueError(f"unknown data scope {self.scope!r}; one of {', '.join(SCOPES)}")

    def granted(self) -> frozenset[str]:
        if self.permissions is not None:
            return self.permissions
        return ROLE_PERMISSIONS.get(self.role, frozenset())


@dataclass(frozen=True)
class Principal:
    """Who is acting: a user id and every membership the user holds."""

    user_id: int
    memberships: tuple[Membership, ...] = ()

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(m.role for m in self.memberships)

    def permissions(self) -> frozenset[str]:
        granted: set[str] = set()
        for membership in self.memberships:
            granted |= membership.granted()
        return frozenset(granted)

    def granting(self, permission: str) -> tuple[Membership, ...]:
        """The memberships whose role grants `permission`."""
        return tuple(m for m in self.memberships if permission in m.granted())


@dataclass(frozen=True)
class RecordRef:
    """What access control needs to know of a record: whose, which department, which region.

    `department_path` lists codes from the root down to the record's department itself.
    """

    owner_id: int | None = None
    department_code: str | None = None
    department_path: tuple[str, ...] = ()
    region_code: str | None = None


def allowed(principal: Principal | None, permission: str,
            record: RecordRef | None = None) -> bool:
    """True when some membership grants `permission` and, for a record, reaches it."""
    if principal is None:
        return False
    _known(permission)
    return any(record is None or reaches(principal, m, record)
               for m in principal.granting(permission))


def reaches(principal: Principal, membership: Membership, record: RecordRef) -> bool:
    """Whether `membership`'s data scope covers `record`."""
    scope = membership.scope
    if scope == ALL:
        return True
    if scope == OWN:
        return record.owner_id is not None and record.owner_id == principal.user_id
    if scope == DEPARTMENT:
        return record.department_code == membership.department_code
    if scope == DEPARTMENT_TREE:
        path = record.department_path or ((record.department_code,)
                                          if record.department_code else ())
        return membership.department_code in path
    return in_region(record.region_code, membership.region_code)


def region_prefix(code: str | None) -> str | None:
    """The significant digits of a GB/T 2260 code: 110000 -> 11, 110100 -> 1101."""
    if not code:
        return None
    prefix = code
    while len(prefix) > 2 and prefix.endswith("00"):
        prefix = prefix[:-2]
    return prefix


def in_region(code: str | None, region: str | None) -> bool:
    """Whether region `code` lies inside `region` (a province holds its cities and counties)."""
    prefix = region_prefix(region)
    return bool(code and prefix and code.startswith(prefix))


@dataclass(frozen=True)
class Visibility:
    """Which records a principal may list for one permission, as plain sets; the store turns
    it into a query filter. Empty sets and `everything=False` mean nothing."""

    everything: bool = False
    owner_ids: frozenset[int] = field(default_factory=frozenset)
    departments: frozenset[str] = field(default_factory=frozenset)
    department_trees: frozenset[str] = field(default_factory=frozenset)
    region_prefixes: frozenset[str] = field(default_factory=frozenset)

    @property
    def nothing(self) -> bool:
        return not (self.everything or self.owner_ids or self.departments
                    or self.department_trees or self.region_prefixes)


def visibility(principal: Principal | None, permission: str, *more: str) -> Visibility:
    """The union of what each membership granting `permission` (or any of `more`) reaches."""
    if principal is None:
        return Visibility()
    for each in (permission, *more):
        _known(each)
    granting = list(dict.fromkeys(m for each in (permission, *more)
                                  for m in principal.granting(each)))
    if any(m.scope == ALL for m in granting):
        return Visibility(everything=True)
    return Visibility(
        owner_ids=frozenset({principal.user_id} if _with(granting, OWN) else ()),
        departments=frozenset(m.department_code for m in _with(granting, DEPARTMENT)),
        department_trees=frozenset(m.department_code for m in _with(granting, DEPARTMENT_TREE)),
        region_prefixes=frozenset(p for m in _with(granting, REGION)
                                  if (p := region_prefix(m.region_code))),
    )


def _with(memberships: Iterable[Membership], scope: str) -> list[Membership]:
    return [m for m in memberships if m.scope == scope]


def _known(permission: str) -> None:
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")


# --- who may open a form ---------------------------------------------------------------

# A Form's `audience`: who may open and submit it. `handlers` forms are opened only as a
# task's handler form, in the workbench, never on their own.
PUBLIC, CITIZENS, ENTERPRISES, STAFF, HANDLERS = (
    "public", "citizens", "enterprises", "staff", "handlers")
AUDIENCES = (PUBLIC, CITIZENS, ENTERPRISES, STAFF, HANDLERS)
PERSON, ENTERPRISE = "person", "enterprise"  # the kinds of citizen account


@dataclass(frozen=True)
class Visitor:
    """Who asks for a form: staff (a principal), a citizen or enterprise account (its kind),
    both, or neither (a guest)."""

    principal: Principal | None = None
    account_kind: str | None = None


def admits(who: str, departments: Iterable[str], visitor: Visitor) -> bool:
    """Whether a form for audience `who` (staff of `departments` or below, when given) may
    be opened and submitted by `visitor`."""
    if who == PUBLIC:
        return True
    if who == CITIZENS:
        return visitor.account_kind == PERSON
    if who == ENTERPRISES:
        return visitor.account_kind == ENTERPRISE
    if who == STAFF and visitor.principal is not None:
        wanted = set(departments)
        return not wanted or any(wanted & set(m.department_path)
                                 for m in visitor.principal.memberships)
    return False
