"""The organisation and its people: departments (a tree), roles, staff users and their
memberships, citizen and enterprise accounts, and the sign-in state each account keeps.

Decisions about access are not made here: `principal_of` hands a user's memberships to
`runtime.access`, which decides.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    bindparam,
    exists,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from runtime import access, passwords
from runtime.definitions.spec import PackSpec
from runtime.store.models import Base, aware, utcnow
from runtime.store.scoping import department_filter

PATH_SEPARATOR = "/"


def path_codes(path: str) -> tuple[str, ...]:
    """The department codes of a `path`, from the root down."""
    return tuple(c for c in path.split(PATH_SEPARATOR) if c)


def granted_of(builtin: bool, permissions: str | None) -> frozenset[str] | None:
    """What a role grants: None for a built-in one, else its space-separated permissions."""
    return None if builtin else frozenset((permissions or "").split())


class Department(Base):
    """A department in the organisation tree. `path` holds the codes from the root down to
    this department, as `/CITY/DISTRICT/STREET_EAST/`, so a subtree is one LIKE query."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str | None] = mapped_column(String(200))
    region_code: Mapped[str | None] = mapped_column(String(6))  # GB/T 2260
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    path: Mapped[str] = mapped_column(String(500), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    parent: Mapped[Department | None] = relationship(remote_side=[id])

    def name(self) -> dict[str, str | None]:
        return {"zh": self.name_zh, "en": self.name_en}

    def codes(self) -> tuple[str, ...]:
        """Department codes from the root down to this one."""
        return path_codes(self.path)


class Role(Base):
    """A role: built in (its permissions are `runtime.access.ROLE_PERMISSIONS`) or declared by
    a pack with the permissions it grants, space-separated, and its default data scope."""

    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str | None] = mapped_column(String(200))
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    permissions: Mapped[str | None] = mapped_column(String(1000))
    default_scope: Mapped[str | None] = mapped_column(String(20))

    def name(self) -> dict[str, str | None]:
        return {"zh": self.name_zh, "en": self.name_en}

    def granted(self) -> frozenset[str] | None:
        """What a pack's role grants; None for a built-in role (runtime.access decides)."""
        return granted_of(self.builtin, self.permissions)

    def scope(self) -> str:
        return self.default_scope or access.DEFAULT_SCOPES.get(self.code, access.DEPARTMENT)


class SignInState:
    """Columns every account signs in with: the password, lock-out and the session epoch
    (raised at sign-out, so that every cookie issued before stops working)."""

    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class User(SignInState, Base):
    """A member of staff."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    mobile: Mapped[str | None] = mapped_column(String(20))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="Membership.id")


class Membership(Base):
    """A user holds `role` in `department`, reaching data as far as `scope` says."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "department_id", "role_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id"))
    scope: Mapped[str] = mapped_column(String(20))

    user: Mapped[User] = relationship(back_populates="memberships")
    department: Mapped[Department] = relationship(lazy="joined")
    role: Mapped[Role] = relationship(lazy="joined")


class Citizen(SignInState, Base):
    """A citizen (`person`) or an enterprise account, signing in with a mobile number."""

    __tablename__ = "citizens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    mobile: Mapped[str] = mapped_column(String(20), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)


class PasswordPolicyError(ValueError):
    """A new password breaks the policy; `problems` are message codes."""

    def __init__(self, problems: Iterable[str]):
        self.problems = list(problems)
        super().__init__(", ".join(self.problems))


# --- departments and roles --------------------------------------------------------------

def department(session: Session, code: str) -> Department | None:
    return session.scalars(select(Department).where(Department.code == code)).first()


def department_codes(session: Session) -> list[str]:
    return list(session.scalars(select(Department.code)))


def add_department(session: Session, code: str, name_zh: str, name_en: str | None = None, *,
                   region_code: str | None = None,
                   parent: Department | None = None) -> Department:
    """Create a department under `parent` (or at the root); the caller commits."""
    base = parent.path if parent else PATH_SEPARATOR
    created = Department(code=code, name_zh=name_zh, name_en=name_en, region_code=region_code,
                         parent=parent, path=f"{base}{code}{PATH_SEPARATOR}")
    session.add(created)
    session.flush()
    return created


def role(session: Session, code: str) -> Role | None:
    return session.scalars(select(Role).where(Role.code == code)).first()


def roles(session: Session) -> list[Role]:
    """Every role: the built-in ones first, then those packs declared, by code."""
    return list(session.scalars(select(Role).order_by(Role.builtin.desc(), Role.code)))


def roles_granting(session: Session, permission: str) -> frozenset[str]:
    """Codes of the roles, built-in or declared by a pack, that grant `permission`."""
    return frozenset(r.code for r in roles(session)
                     if permission in (r.granted() or access.ROLE_PERMISSIONS.get(r.code, ())))


def ensure_builtin_roles(session: Session) -> list[str]:
    """Create the built-in roles that are missing; returns the codes created."""
    created = []
    for code, (zh, en) in access.BUILTIN_ROLES.items():
        if role(session, code) is None:
            session.add(Role(code=code, name_zh=zh, name_en=en, builtin=True))
            created.append(code)
    session.flush()
    return created


@dataclass(frozen=True)
class OrganisationReport:
    """What mapping a pack's departments and roles created; existing codes are reused."""

    departments: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()


def map_pack_organisation(session: Session, pack: PackSpec) -> OrganisationReport:
    """Make sure every department and role `pack` declares exists, creating the missing ones
    (at the root of the tree, named as the pack names them) and committing."""
    roles = ensure_builtin_roles(session)
    departments = []
    for item in pack.departments:
        if department(session, item.code) is None:
            add_department(session, item.code, item.name.zh, item.name.en)
            departments.append(item.code)
    for item in pack.roles:
        existing = role(session, item.code)
        if existing is None:
            existing = Role(code=item.code, name_zh=item.name.zh, name_en=item.name.en)
            session.add(existing)
            roles.append(item.code)
        if not existing.builtin:  # a new version of the pack may grant more or less
            existing.permissions = " ".join(sorted(item.permissions))
            existing.default_scope = item.scope
    session.commit()
    return OrganisationReport(tuple(departments), tuple(roles))


# --- staff ------------------------------------------------------------------------------

class SignedIn(NamedTuple):
    """A staff account as every page reads it for its session (a page that changes the
    account loads the `User`)."""

    id: int
    username: str
    display_name: str
    active: bool
    is_demo: bool
    session_epoch: int
    password_changed_at: datetime | None
    principal: access.Principal


_SIGNED_IN = select(
    User.id, User.username, User.display_name, User.active, User.is_demo, User.session_epoch,
    User.password_changed_at, Department.code, Department.path, Department.region_code,
    Role.code.label("role"), Role.builtin, Role.permissions, Membership.scope,
).outerjoin(Membership, Membership.user_id == User.id).outerjoin(
    Department, Department.id == Membership.department_id).outerjoin(
    Role, Role.id == Membership.role_id).where(User.id == bindparam("user_id")).order_by(
    Membership.id)


def signed_in(session: Session, user_id: int) -> SignedIn | None:
    """The staff account `user_id` with its principal, as plain rows in one statement (a
    page reads them on every request: the ORM's objects cost more than the query)."""
    rows = session.execute(_SIGNED_IN, {"user_id": user_id}).all()
    if not rows:
        return None
    first = rows[0]
    memberships = tuple(
        access.Membership(r.code, path_codes(r.path), r.region_code, r.role, r.scope,
                          granted_of(r.builtin, r.permissions))
        for r in rows if r.code is not None)
    return SignedIn(*first[:7], access.Principal(first.id, memberships))


def user_by_name(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).first()


def add_user(session: Session, username: str, display_name: str, password: str, *,
             mobile: str | None = None, is_demo: bool = False,
             now: datetime | None = None) -> User:
    """Create a staff user with a password that meets the policy; the caller commits."""
    created = User(username=username, display_name=display_name, mobile=mobile,
                   is_demo=is_demo, password_hash="")
    set_password(created, password, now=now)
    session.add(created)
    session.flush()
    return created


def add_membership(session: Session, user: User, department_code: str, role_code: str,
                   scope: str | None = None) -> Membership:
    """Give `user` a role in a department; the scope defaults to the role's usual one."""
    place, held = department(session, department_code), role(session, role_code)
    if place is None or held is None:
        raise LookupError(f"no department {department_code!r} or no role {role_code!r}")
    scope = scope or held.scope()
    created = Membership(user=user, department=place, role=held, scope=scope)
    session.add(created)
    session.flush()
    return created


def principal_of(user: User) -> access.Principal:
    return access.Principal(user.id, tuple(
        access.Membership(m.department.code, m.department.codes(), m.department.region_code,
                          m.role.code, m.scope, m.role.granted())
        for m in user.memberships))


def visible_staff(session: Session, seen: access.Visibility) -> list[User]:
    """Staff with at least one membership in a department `seen` reaches, by username.

    For staff lists a user is "owned" by themself and lies in the regions of their
    departments."""
    if seen.nothing:
        return []
    reach = department_filter(seen, Department.code, Department.path, Department.region_code)
    placed = exists().where(Membership.user_id == User.id,
                            Membership.department_id == Department.id, reach)
    if seen.owner_ids:
        placed = placed | User.id.in_(seen.owner_ids)
    return list(session.scalars(select(User).where(placed).order_by(User.username)))


class DepartmentName(NamedTuple):
    """A department's code, names and path as a plain row: what a page that names every
    department reads (a list's cells and filter choices), without the objects."""

    code: str
    name_zh: str
    name_en: str | None
    path: str

    def name(self) -> dict[str, str | None]:
        return {"zh": self.name_zh, "en": self.name_en}

    def codes(self) -> tuple[str, ...]:
        return tuple(c for c in self.path.split(PATH_SEPARATOR) if c)


_NAMES = select(Department.code, Department.name_zh, Department.name_en,
                Department.path).order_by(Department.code)


def department_names(session: Session) -> list[DepartmentName]:
    """Every department by code, as `DepartmentName` rows."""
    return [DepartmentName(*row) for row in session.execute(_NAMES)]


def departments(session: Session) -> list[Department]:
    """Every department, by code: the pickers of transfer and copy list them all."""
    return list(session.scalars(select(Department).order_by(Department.code)))


def staff_of(session: Session, department_code: str,
             roles: Iterable[str] | None = None) -> list[User]:
    """Active staff with a membership in the department (in one of `roles`, when given),
    by username."""
    member = exists().where(Membership.user_id == User.id,
                            Membership.department_id == Department.id,
                            Department.code == department_code)
    if roles is not None:
        member = member.where(Membership.role_id.in_(
            select(Role.id).where(Role.code.in_(sorted(roles)))))
    return list(session.scalars(select(User).where(member, User.active.is_(True))
                                .order_by(User.username)))


def names_of(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """Display names by user id."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(wanted)))
    return {user_id: name for user_id, name in rows}


# --- sign-in state ----------------------------------------------------------------------

def set_password(account: SignInState, password: str, *, now: datetime | None = None) -> None:
    problems = list(passwords.policy_problems(password))
    if problems:
        raise PasswordPolicyError(problems)
    account.password_hash = passwords.hash_password(password)
    account.password_changed_at = now or utcnow()


def is_locked(account: SignInState, now: datetime) -> bool:
    until = aware(account.locked_until)
    return until is not None and until > now


def record_failure(account: SignInState, now: datetime, *, threshold: int,
                   lock_for: timedelta) -> bool:
    """Count a wrong password; at `threshold` consecutive failures lock the account.
    True when this failure locked it."""
    account.failed_attempts = (account.failed_attempts or 0) + 1
    if account.failed_attempts >= threshold:
        account.failed_attempts = 0
        account.locked_until = now + lock_for
        return True
    return False


def record_success(account: SignInState, now: datetime) -> None:
    account.failed_attempts = 0
    account.locked_until = None
    account.last_sign_in_at = now


def end_sessions(account: SignInState) -> None:
    """Invalidate every session cookie issued to `account` so far."""
    account.session_epoch = (account.session_epoch or 0) + 1


# --- citizens and enterprises -----------------------------------------------------------

def citizen_by_mobile(session: Session, mobile: str) -> Citizen | None:
    return session.scalars(select(Citizen).where(Citizen.mobile == mobile)).first()


def citizen_by_uscc(session: Session, code: str) -> Citizen | None:
    return session.scalars(select(Citizen).where(Citizen.uscc == code)).first()


def add_citizen(session: Session, mobile: str, display_name: str, password: str, *,
                uscc: str | None = None, now: datetime | None = None) -> Citizen:
    """A person, or an enterprise when `uscc` is given; the caller commits."""
    created = Citizen(kind="enterprise" if uscc else "person", mobile=mobile,
                      display_name=display_name, uscc=uscc, password_hash="")
    set_password(created, password, now=now)
    session.add(created)
    session.flush()
    return created
