"""Staff provisioning: add people with their memberships, give a role, disable an account and
reset a password; one transaction each, audited as `account.change`.

Who may do it is decided here, once for the CLI and the admin page: `by` is the acting
administrator's principal, who reaches only the departments their `users.manage` membership
covers (a district administrator adds no one to another district), or None for the
machine's own operator at the command line, who reaches every department.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy.orm import Session

from runtime import access, passwords
from runtime.i18n import Catalogue
from runtime.store import accounts, audit

MANAGE = "users.manage"
CSV_COLUMNS = ("username", "name", "department", "roles", "region", "mobile")
USERNAME = re.compile(r"^[A-Za-z0-9_.-]{2,64}$")
MOBILE = re.compile(r"^1[3-9][0-9]{9}$")

TEXT = Catalogue({
    "bad_username": ("用户名 '{name}' 只能包含字母、数字和 _ . -（2 至 64 位）",
                     "username '{name}' may hold letters, digits and _ . - (2 to 64)"),
    "username_taken": ("用户名 '{name}' 已存在", "username '{name}' is taken"),
    "no_name": ("请填写姓名", "give the person's name"),
    "bad_mobile": ("手机号 '{mobile}' 无效", "mobile number '{mobile}' is not valid"),
    "no_department": ("部门 '{code}' 不存在", "no department '{code}'"),
    "no_role": ("角色 '{code}' 不存在", "no role '{code}'"),
    "role_too_wide": ("角色 '{code}' 可查看全部数据，只有管理整个组织的管理员可以授予",
                      "role '{code}' reaches all data; only an administrator of the whole "
                      "organisation may give it"),
    "no_roles": ("请至少选择一个角色", "give at least one role"),
    "out_of_reach": ("部门 '{code}' 不在您的管理范围内",
                     "department '{code}' is outside your reach"),
    "region_mismatch": ("行政区划 '{region}' 与部门 '{code}' 所在区划 '{actual}' 不符",
                        "region '{region}' is not where department '{code}' is ('{actual}')"),
    "weak_password": ("密码不符合要求：至少 10 位，含字母和数字",
                      "the password needs 10 characters or more, with letters and digits"),
    "not_yours": ("用户 '{name}' 不在您的管理范围内", "user '{name}' is outside your reach"),
    "not_yourself": ("不能停用自己的账号", "you cannot disable your own account"),
    "csv_columns": ("CSV 表头应为：{columns}", "the CSV header must be: {columns}"),
    "csv_row": ("第 {row} 行：{message}", "row {row}: {message_en}"),
})


class PeopleError(ValueError):
    """A refusal with a message code of `TEXT` and its parameters."""

    def __init__(self, message_code: str, /, **params: object):
        super().__init__(TEXT.format(message_code, "en", **params))
        self.code, self.params = message_code, params

    def message(self, lang: str) -> str:
        return TEXT.format(self.code, lang, **self.params)


@dataclass(frozen=True)
class NewPerson:
    """A member of staff to add: one department, one or more roles in it."""

    username: str
    name: str
    department: str
    roles: tuple[str, ...]
    region: str | None = None
    mobile: str | None = None
    password: str | None = None


@dataclass(frozen=True)
class Added:
    """A person added, with the password to hand over (generated ones are shown once)."""

    user: accounts.User
    password: str
    generated: bool


def add_person(session: Session, person: NewPerson, *, by: access.Principal | None,
               actor: audit.Actor, ip: str | None = None) -> Added:
    """Create the account and its memberships, audited, and commit; PeopleError if any of it
    is refused (nothing is written then)."""
    check_person(session, person, by)
    password = person.password or generated_password()
    try:
        user = accounts.add_user(session, person.username, person.name, password,
                                 mobile=person.mobile or None)
    except accounts.PasswordPolicyError:
        raise PeopleError("weak_password") from None
    for code in person.roles:
        accounts.add_membership(session, user, person.department, code)
    audit.record(session, action="account.change", actor=actor, target=("user", user.id),
                 ip=ip, after={"department": person.department, "roles": list(person.roles)},
                 detail=f"add {person.username}")
    session.commit()
    return Added(user, password, person.password is None)


def check_person(session: Session, person: NewPerson, by: access.Principal | None) -> None:
    """PeopleError for the first thing refused in `person`, before anything is written."""
    if not USERNAME.match(person.username):
        raise PeopleError("bad_username", name=person.username)
    if accounts.user_by_name(session, person.username) is not None:
        raise PeopleError("username_taken", name=person.username)
    if not person.name.strip():
        raise PeopleError("no_name")
    if person.mobile and not MOBILE.match(person.mobile):
        raise PeopleError("bad_mobile", mobile=person.mobile)
    place = reachable_department(session, person.department, by)
    if person.region and not access.in_region(place.region_code, person.region):
        raise PeopleError("region_mismatch", region=person.region, code=place.code,
                          actual=place.region_code or "-")
    if not person.roles:
        raise PeopleError("no_roles")
    for code in person.roles:
        grantable(session, code, by)


def grantable(session: Session, code: str, by: access.Principal | None) -> accounts.Role:
    """The role `code`, if `by` may give it: a role that reaches all data (a designer, an
    auditor) only by an administrator who reaches the whole organisation, so that a
    district's administrator cannot widen anyone's reach beyond the district."""
    held = accounts.role(session, code)
    if held is None:
        raise PeopleError("no_role", code=code)
    if held.scope() == access.ALL and not _reaches_everything(by):
        raise PeopleError("role_too_wide", code=code)
    return held


def _reaches_everything(by: access.Principal | None) -> bool:
    return by is None or any(m.scope == access.ALL or (m.scope == access.DEPARTMENT_TREE
                                                      and len(m.department_path) == 1)
                             for m in by.granting(MANAGE))


def reachable_department(session: Session, code: str,
                         by: access.Principal | None) -> accounts.Department:
    """The department `code`, if `by` may manage people in it."""
    place = accounts.department(session, code)
    if place is None:
        raise PeopleError("no_department", code=code)
    if by is not None and not access.allowed(by, MANAGE, department_ref(place)):
        raise PeopleError("out_of_reach", code=code)
    return place


def department_ref(place: accounts.Department) -> access.RecordRef:
    return access.RecordRef(department_code=place.code, department_path=place.codes(),
                            region_code=place.region_code)


def manages(by: access.Principal | None, user: accounts.User) -> bool:
    """Whether `by` may change `user`: every membership the user holds lies in `by`'s reach
    (a city administrator who also sits in a district is beyond a district administrator)."""
    if by is None:
        return True
    places = [department_ref(m.department) for m in user.memberships]
    return bool(places) and all(access.allowed(by, MANAGE, p) for p in places)


def _managed(user: accounts.User, by: access.Principal | None) -> None:
    if not manages(by, user):
        raise PeopleError("not_yours", name=user.username)


def give_role(session: Session, user: accounts.User, department: str, role: str, *,
              by: access.Principal | None, actor: audit.Actor, ip: str | None = None) -> None:
    """Add a membership (a role in a department) to `user`, audited, and commit."""
    _managed(user, by)
    reachable_department(session, department, by)
    grantable(session, role, by)
    if not any(m.department.code == department and m.role.code == role
               for m in user.memberships):
        accounts.add_membership(session, user, department, role)
    audit.record(session, action="account.change", actor=actor, target=("user", user.id),
                 ip=ip, after={"department": department, "role": role},
                 detail=f"role {role} in {department}")
    session.commit()


def set_active(session: Session, user: accounts.User, active: bool, *,
               by: access.Principal | None, actor: audit.Actor,
               ip: str | None = None) -> None:
    """Disable (ending every session the account holds) or enable an account, audited."""
    _managed(user, by)
    if not active and by is not None and by.user_id == user.id:
        raise PeopleError("not_yourself")
    before, user.active = user.active, active
    if not active:
        accounts.end_sessions(user)
    audit.record(session, action="account.change", actor=actor, target=("user", user.id),
                 ip=ip, before={"active": before}, after={"active": active},
                 detail="enable" if active else "disable")
    session.commit()


def reset_password(session: Session, user: accounts.User, *, by: access.Principal | None,
                   actor: audit.Actor, ip: str | None = None) -> str:
    """Give `user` a new generated password (returned, to hand over once), end their
    sessions and unlock the account; audited (never the password itself)."""
    _managed(user, by)
    password = generated_password()
    accounts.set_password(user, password)
    accounts.end_sessions(user)
    user.failed_attempts, user.locked_until = 0, None
    audit.record(session, action="account.change", actor=actor, target=("user", user.id),
                 ip=ip, detail="password reset")
    session.commit()
    return password


def generated_password() -> str:
    """A random password that meets the policy: 12 characters, letters and digits."""
    while True:
        made = secrets.token_urlsafe(9)
        if not list(passwords.policy_problems(made)):
            return made


# --- CSV --------------------------------------------------------------------------------

def read_csv(text: str) -> Iterator[tuple[int, NewPerson]]:
    """People from a CSV with the header `CSV_COLUMNS` (roles separated by `;`), with the
    row number each came from; PeopleError on a wrong header."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if tuple(reader.fieldnames or ()) != CSV_COLUMNS:
        raise PeopleError("csv_columns", columns=",".join(CSV_COLUMNS))
    for number, row in enumerate(reader, start=2):
        cell = {k: (row.get(k) or "").strip() for k in CSV_COLUMNS}
        roles = tuple(r.strip() for r in cell["roles"].split(";") if r.strip())
        yield number, NewPerson(cell["username"], cell["name"], cell["department"], roles,
                                cell["region"] or None, cell["mobile"] or None)


def csv_problems(session: Session, rows: list[tuple[int, NewPerson]],
                 by: access.Principal | None) -> list[PeopleError]:
    """Every row that would be refused (a username twice in the file too), so that an
    import adds all of its people or none."""
    found, seen = [], set()
    for number, person in rows:
        try:
            if person.username in seen:
                raise PeopleError("username_taken", name=person.username)
            seen.add(person.username)
            check_person(session, person, by)
        except PeopleError as error:
            found.append(PeopleError("csv_row", row=number, message=error.message("zh"),
                                     message_en=error.message("en")))
    return found
