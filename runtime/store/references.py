"""What a picker field can choose, from the store: departments of the organisation tree,
active staff users, and submissions of a form within a data scope. Searched as a person
types, and looked up again inside `validate()` through `StoreResolver`, the store's answer
to `runtime.forms.references.Resolver`.

Scope is not decided here: a search for records takes the `Visibility` that
`runtime.access` computed and filters with `scoping.scope_filter`, as the staff's list does;
the resolver asks `access.allowed` of the principal it was given.
"""

from __future__ import annotations

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session, selectinload

from runtime import access
from runtime.access import Visibility
from runtime.forms.references import FOUND, MISSING, OUTSIDE
from runtime.store import accounts
from runtime.store.accounts import PATH_SEPARATOR, Department, Membership, User
from runtime.store.records import record_ref
from runtime.store.scoping import scope_filter
from runtime.store.submissions import Submission

# Who may choose people and records at all: staff who handle records (designers, admins and
# auditors do not; a guest or citizen never lists staff or other people's records).
PERMISSION = "records.read"


def _subtree(code: str) -> str:
    return f"{PATH_SEPARATOR}{code}{PATH_SEPARATOR}"


def departments(session: Session, query: str, *, within: str | None = None,
                limit: int = 20) -> list[Department]:
    """Departments whose name or code holds `query`, in tree order; only `within` and those
    below it when given."""
    found = select(Department).options(selectinload(Department.parent))
    if query:
        found = found.where(or_(Department.name_zh.contains(query, autoescape=True),
                                Department.name_en.icontains(query, autoescape=True),
                                Department.code.icontains(query, autoescape=True)))
    if within:
        found = found.where(Department.path.contains(_subtree(within), autoescape=True))
    return list(session.scalars(found.order_by(Department.path).limit(limit)))


def department_in(department: Department, within: str | None) -> bool:
    return not within or _subtree(within) in department.path


def staff(session: Session, query: str, *, department: str | None = None,
          limit: int = 20) -> list[User]:
    """Active staff whose name or username holds `query`, by name; only members of
    `department` (or a department below it) when given."""
    found = (select(User).where(User.active.is_(True))
             .options(selectinload(User.memberships)))
    if query:
        found = found.where(or_(User.display_name.contains(query, autoescape=True),
                                User.username.icontains(query, autoescape=True)))
    if department:
        found = found.where(exists().where(
            Membership.user_id == User.id, Membership.department_id == Department.id,
            Department.path.contains(_subtree(department), autoescape=True)))
    return list(session.scalars(found.order_by(User.display_name, User.username).limit(limit)))


def member_of(user: User, department: str | None) -> bool:
    return not department or any(_subtree(department) in m.department.path
                                 for m in user.memberships)


def records(session: Session, seen: Visibility, *, form_id: str, query: str,
            title_field: str | None = None, limit: int = 20) -> list[Submission]:
    """Submissions of `form_id` that `seen` reaches, newest first, whose tracking number
    (or the value of `title_field`, when given) holds `query`."""
    found = select(Submission).where(Submission.form_id == form_id, scope_filter(
        seen, department=Submission.department_code, region=Submission.region_code))
    if query:
        matches = [Submission.tracking_no.contains(query, autoescape=True)]
        if title_field:
            matches.append(Submission.data[title_field].as_string()
                           .contains(query, autoescape=True))
        found = found.where(or_(*matches))
    return list(session.scalars(found.order_by(Submission.id.desc()).limit(limit)))


def record(session: Session, form_id: str, tracking_no: str) -> Submission | None:
    return session.scalars(select(Submission).where(
        Submission.form_id == form_id, Submission.tracking_no == tracking_no)).first()


class StoreResolver:
    """`runtime.forms.references.Resolver` answered from the store for `principal` (None:
    nobody signed in): any department of the tree; only staff who may read records choose
    people and records at all, and a record must lie in their data scope (one out of scope
    is MISSING, not told apart from one that does not exist)."""

    def __init__(self, session: Session, principal: access.Principal | None):
        self.session, self.principal = session, principal

    def department(self, code: str, within: str | None) -> str:
        found = accounts.department(self.session, code)
        if found is None:
            return MISSING
        return FOUND if department_in(found, within) else OUTSIDE

    def user(self, username: str, department: str | None) -> str:
        found = accounts.user_by_name(self.session, username)
        if not self._staff() or found is None or not found.active:
            return MISSING
        return FOUND if member_of(found, department) else OUTSIDE

    def record(self, form_id: str, tracking_no: str) -> str:
        found = record(self.session, form_id, tracking_no)
        if not self._staff() or found is None:
            return MISSING
        ref = record_ref(self.session, found)
        return FOUND if access.allowed(self.principal, PERMISSION, ref) else MISSING

    def _staff(self) -> bool:
        return access.allowed(self.principal, PERMISSION)
