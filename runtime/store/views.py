"""The queries behind a View page: one form's submissions in a data scope, filtered, searched,
sorted and read by keyset (never OFFSET), the live tasks of the page's cases, the expression
indexes that let a filter on a data field read an index instead of the table, and each
user's saved filters.

A data field is read by one SQL expression per dialect (`field_value`): `json_extract` on
SQLite, `->>` on PostgreSQL, wrapped in `coalesce(.., '')` so that rows without a value sort
and page like the others. The index built for a field (`ensure_indexes`) spells the same
expression, which is what lets the planner use it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Select,
    String,
    UniqueConstraint,
    and_,
    bindparam,
    false,
    literal_column,
    or_,
    select,
    text,
    true,
    tuple_,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from runtime import access
from runtime.definitions.spec import ViewSpec
from runtime.flows.case import LIVE
from runtime.kept import Kept
from runtime.store import notifications
from runtime.store.accounts import User
from runtime.store.cases import CaseRow, Task
from runtime.store.models import Base, utcnow
from runtime.store.ratings import RatingRow
from runtime.store.scoping import within
from runtime.store.submissions import Submission

# A view's first page, and every page after it, reads submissions of one form newest first:
# this index gives that order (and its keyset) with no sort, on both databases.
Index("ix_submissions_form_view", Submission.form_id, Submission.id)
Index("ix_submissions_form_status", Submission.form_id, Submission.status, Submission.id)
Index("ix_submissions_form_department", Submission.form_id, Submission.department_code,
      Submission.id)

FIELD_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
TRACKING_NO = re.compile(r"^[0-9A-Za-z-]{10,20}$")
# Ops on a data field that read its index; `contains` cannot (a LIKE '%x%').
INDEXED_OPS = frozenset({"eq", "in", "range"})
EXPORT_BATCH = 1000


class SavedFilter(Base):
    """A filter a user named on a view: the query string of the page, kept per user."""

    __tablename__ = "view_filters"
    __table_args__ = (UniqueConstraint("user_id", "view_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    view_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    query: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# --- what a page asks for -------------------------------------------------------------------

@dataclass(frozen=True)
class Condition:
    """One filter as set: on a data field (`field`) or a fact of the case (`case`)."""

    op: str
    value: str | None = None
    upto: str | None = None  # a range's upper end
    values: tuple[str, ...] = ()  # `in`
    field: str | None = None
    case: str | None = None


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: after the row with this sort value and id."""

    key: Any
    id: int


@dataclass(frozen=True)
class Query:
    form_id: str
    conditions: tuple[Condition, ...] = ()
    search: str = ""
    search_fields: tuple[str, ...] = ()
    sort_field: str | None = None  # a data field; None: by submission (newest first)
    descending: bool = True
    after: Cursor | None = None
    limit: int = 20
    rated: bool = False  # read each row's rating (好差评) with it, as `rating`


@dataclass
class Page:
    rows: list[Any]  # rows of ROW_COLUMNS: id, tracking_no, data, status, ...
    next: Cursor | None
    tasks: dict[int, Any] = field(default_factory=dict)  # submission id -> its live task


# What a page shows of a submission and of its live task, read as plain rows (not ORM
# objects: building and tracking objects cost more than the query itself).
ROW_COLUMNS = (Submission.id, Submission.tracking_no, Submission.data, Submission.status,
               Submission.department_code, Submission.created_at)
TASK_COLUMNS = (Task.no, Task.title_zh, Task.title_en, Task.department, Task.user_id,
                Task.status, Task.due_at, Task.yellow_at,
                User.display_name.label("holder"))  # the holder's name, read with the task
# A row's rating, read with the row when the view shows it: through its case (the rating's
# case is unique), so each row is two index probes, and not one statement more a page.
RATING = (select(RatingRow.level).join(CaseRow, CaseRow.id == RatingRow.case_id)
          .where(CaseRow.submission_id == Submission.id).limit(1)
          .scalar_subquery().label("rating"))


# --- SQL -----------------------------------------------------------------------------------

def field_sql(dialect: str, field_id: str, table: str = "submissions.") -> str:
    """A data field of a submission as SQL, '' when absent: the expression the index of
    that field is built on (`index_sql`) and every filter and sort spells."""
    if not FIELD_ID.match(field_id):
        raise ValueError(f"not a field id: {field_id!r}")
    if dialect == "postgresql":
        return f"coalesce(({table}data ->> '{field_id}'), '')"
    return f"coalesce(json_extract({table}data, '$.{field_id}'), '')"


def field_value(dialect: str, field_id: str) -> ColumnElement[Any]:
    return literal_column(field_sql(dialect, field_id))


# Filters on a fact of the case that is a column of the submission.
CASE_COLUMNS = {"status": "status", "department": "department_code"}


@dataclass(frozen=True)
class IndexKey:
    """The keys of one index of a view, after the form id and before the id: a data field
    (filtered or sorted by), or an equality filter (a data field, or a case fact that is a
    submission column) followed by a sort field, so that a filtered page in a sort order
    reads one range of one index at any depth."""

    parts: tuple[str, ...]  # data field ids, or "case:<status|department>"

    @property
    def name(self) -> str:
        return "_".join(p.removeprefix("case:") for p in self.parts)

    def sql(self, dialect: str) -> str:
        return ", ".join(CASE_COLUMNS[p[5:]] if p.startswith("case:")
                         else f"({field_sql(dialect, p, table='')})" for p in self.parts)


def index_name(form_id: str, key: IndexKey) -> str:
    return f"ix_view_{form_id}_{key.name}"[:63]


def index_sql(dialect: str, form_id: str, key: IndexKey) -> str:
    """CREATE INDEX for one key of one form's submissions: the form, the key's values, the
    id (the keyset's tie-break). Not partial on the form: a partial index serves only a
    query that spells its condition as a literal, and these bind the form id."""
    if not FIELD_ID.match(form_id):
        raise ValueError(f"not a form id: {form_id!r}")
    return (f"CREATE INDEX IF NOT EXISTS {index_name(form_id, key)} ON submissions "
            f"(form_id, {key.sql(dialect)}, id)")


def index_keys(view: ViewSpec) -> list[IndexKey]:
    """The keys of a view's indexes: each data field it filters on by value or sorts by,
    and each equality filter followed by each data field it sorts by."""
    sorts = [s.field for s in view.sort if s.field]
    found = [f.field for f in view.filters if f.field and f.op in INDEXED_OPS] + sorts
    keys = [IndexKey((f,)) for f in dict.fromkeys(found)]
    equal = [f.field or f"case:{f.case}" for f in view.filters
             if f.op == "eq" and (f.field or f.case in CASE_COLUMNS)]
    keys += [IndexKey((e, s)) for e in dict.fromkeys(equal) for s in dict.fromkeys(sorts)]
    return keys


def ensure_indexes(session: Session, views: Iterable[ViewSpec]) -> list[str]:
    """Create the indexes of `views` (those already there are left): a filter reads its
    index, never the whole table, and a filtered page in a view's order sorts nothing."""
    dialect = session.get_bind().dialect.name
    made = []
    for view in views:
        for key in index_keys(view):
            session.execute(text(index_sql(dialect, view.form, key)))
            made.append(index_name(view.form, key))
    return made


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


# A page's SELECT is made once per shape (which filters are set, the search, the sort, the
# cursor, the parts of the scope) with the values as parameters: building and keying the
# statement cost a page more than running it.
_PAGES: Kept[tuple[Any, ...], Select[Any]] = Kept(256)
LIKE_ESCAPE = "/"
Shape = Any  # a hashable description of one part of a page's SELECT, from the `*_shape`s


def like_escaped(value: str) -> str:
    """`value` escaped for a LIKE with ESCAPE '/', as SQLAlchemy's `autoescape` does."""
    return value.replace("/", "//").replace("%", "/%").replace("_", "/_")


def select_page(session: Session, seen: access.Visibility, query: Query,
                part: str | None = None) -> Select[Any]:
    """The SELECT of one page: the form's submissions in `seen`, filtered, after the cursor,
    in the view's order, one row more than the page (to know a next page exists); its
    values bound (a page itself runs `page_statement` with them)."""
    statement, values = page_statement(session, seen, query, part)
    return statement.params(values)


def page_statement(session: Session, seen: access.Visibility, query: Query,
                   part: str | None = None) -> tuple[Select[Any], dict[str, Any]]:
    """`select_page` as the statement made once for its shape, and its values."""
    dialect = _dialect(session)
    values: dict[str, Any] = {"form": query.form_id, "limit": query.limit + 1}
    shape = (dialect, _scope_shape(within(session, seen), values),
             tuple(_condition_shape(n, c, values) for n, c in enumerate(query.conditions)),
             _search_shape(query, values), query.sort_field, query.descending,
             _after_shape(query, values), part, query.rated)
    statement = _PAGES.get(shape)
    if statement is None:
        statement = _PAGES.keep(shape, _page_select(*shape))
    return statement, values


def _scope_shape(seen: access.Visibility, values: dict[str, Any]) -> Shape:
    """The scope (its trees already resolved to codes by `within`) as `scope_filter` on
    the submission's department and region spells it."""
    if seen.everything:
        return "everything"
    departments, regions = sorted(seen.departments), sorted(seen.region_prefixes)
    if departments:
        values["departments"] = departments
    for n, prefix in enumerate(regions):
        values[f"region_{n}"] = like_escaped(prefix)
    return bool(departments), len(regions)


def _scope_clause(shape: Shape) -> ColumnElement[bool]:
    if shape == "everything":
        return true()
    departments, regions = shape
    clauses = [Submission.department_code.in_(bindparam("departments", expanding=True))] \
        if departments else []
    clauses += [Submission.region_code.startswith(bindparam(f"region_{n}"), escape=LIKE_ESCAPE)
                for n in range(regions)]
    return or_(*clauses) if clauses else false()


def _condition_shape(n: int, condition: Condition, values: dict[str, Any]) -> Shape:
    """The `n`th filter as set: what it tests, its values in `values`; None when unset."""
    low, high = bool(condition.value), bool(condition.upto)
    if condition.field is not None:
        column = ("field", condition.field)
    elif condition.case in CASE_COLUMNS:
        column = ("case", condition.case)
    elif condition.case == "submitted_at":
        if low:
            values[f"c{n}_low"] = datetime.fromisoformat(str(condition.value))
        if high:
            values[f"c{n}_high"] = datetime.fromisoformat(f"{condition.upto}T23:59:59")
        return ("dates", low, high) if low or high else None
    else:
        return None
    if condition.op == "eq" and low:
        values[f"c{n}"] = condition.value
    elif condition.op == "in" and condition.values:
        values[f"c{n}"] = list(condition.values)
    elif condition.op == "contains" and low:
        values[f"c{n}"] = like_escaped(str(condition.value))
    elif condition.op == "range" and (low or high):
        values |= {f"c{n}_low": condition.value} if low else {}
        values |= {f"c{n}_high": condition.upto} if high else {}
        return "range", column, low, high
    else:
        return None
    return condition.op, column


def _condition_clause(dialect: str, n: int, shape: Shape) -> ColumnElement[bool] | None:
    if shape is None:
        return None
    if shape[0] == "dates":
        return and_(*([Submission.created_at >= bindparam(f"c{n}_low")] if shape[1] else []),
                    *([Submission.created_at < bindparam(f"c{n}_high")] if shape[2] else []))
    (source, name), typed = shape[1], None
    if source == "field":  # an expression of no type of its own: its values are text
        column: Any = field_value(dialect, name)
        typed = String()
    else:
        column = getattr(Submission, CASE_COLUMNS[name])
    if shape[0] == "eq":
        return column == bindparam(f"c{n}", type_=typed)  # type: ignore[no-any-return]
    if shape[0] == "in":
        return column.in_(  # type: ignore[no-any-return]
            bindparam(f"c{n}", expanding=True, type_=typed))
    if shape[0] == "contains":
        return column.contains(  # type: ignore[no-any-return]
            bindparam(f"c{n}", type_=typed), escape=LIKE_ESCAPE)
    return and_(*([column >= bindparam(f"c{n}_low", type_=typed)] if shape[2] else []),
                *([column <= bindparam(f"c{n}_high", type_=typed)] if shape[3] else []))


def _search_shape(query: Query, values: dict[str, Any]) -> Shape:
    words = query.search.strip()
    if not words:
        return None
    values["number"] = words.upper()
    if TRACKING_NO.match(words):  # a tracking number: its unique index, no scan of the text
        return "number"
    values["words"] = like_escaped(words)
    return query.search_fields


def _search_clause(dialect: str, shape: Shape) -> ColumnElement[bool]:
    number = Submission.tracking_no == bindparam("number")
    if shape == "number":
        return number  # type: ignore[no-any-return]
    words = bindparam("words", type_=String())
    return or_(number, *(field_value(dialect, f).contains(words, escape=LIKE_ESCAPE)
                         for f in shape))


def _after_shape(query: Query, values: dict[str, Any]) -> Shape:
    if query.after is None:
        return None
    values["after_id"] = query.after.id
    if query.sort_field is None:
        return "id"
    values["after_key"] = query.after.key
    return type(query.after.key).__name__  # on SQLite a JSON number stays a number


def _page_select(dialect: str, scope: Shape, conditions: tuple[Shape, ...], search: Shape,
                 sort_field: str | None, descending: bool, after: Shape, part: str | None,
                 rated: bool) -> Select[Any]:
    """The SELECT of `page_statement`'s shape, its values as parameters."""
    where: list[ColumnElement[bool]] = [Submission.form_id == bindparam("form"),
                                        _scope_clause(scope)]
    where += [c for c in (_condition_clause(dialect, n, shape)
                          for n, shape in enumerate(conditions)) if c is not None]
    if search is not None:
        where.append(_search_clause(dialect, search))
    key: Any = field_value(dialect, sort_field) if sort_field else Submission.id
    if after is not None:
        where.append(_after(key, after, sort_field, descending, dialect, part))
    order = [key.desc(), Submission.id.desc()] if descending \
        else [key.asc(), Submission.id.asc()]
    if sort_field is None or part == "ties":  # ties: one key value, in id order
        order = order[1:]
    columns = (*ROW_COLUMNS, RATING) if rated else ROW_COLUMNS
    return select(*columns).where(*where).order_by(*order).limit(
        bindparam("limit", type_=Integer()))


KEY_TYPES = {"str": String, "int": Integer, "float": Float}


def _after(key: Any, after: Shape, sort_field: str | None, descending: bool, dialect: str,
           part: str | None = None) -> ColumnElement[bool]:
    """Rows after the cursor (`after_key`, `after_id`) in the page's order. PostgreSQL
    reads a row comparison as a range of the index. SQLite does not: there a page is read in
    two parts that each are one range of the index, `ties` (the cursor's own sort value, ids
    beyond it) and then `rest` (sort values beyond it); None spells both at once, correct but
    read from the cursor's sort value on, every tie of it included."""
    after_id = bindparam("after_id", type_=Integer())
    beyond_id = Submission.id < after_id if descending else Submission.id > after_id
    if sort_field is None:
        return beyond_id
    if dialect == "postgresql":  # a data field's value is text there (->>)
        pair = tuple_(key, Submission.id)
        bound = tuple_(bindparam("after_key", type_=String()), after_id)
        return pair < bound if descending else pair > bound
    after_key = bindparam("after_key", type_=KEY_TYPES.get(after, String)())
    beyond_key = key < after_key if descending else key > after_key
    if part == "ties":
        return and_(key == after_key, beyond_id)
    if part == "rest":
        return beyond_key  # type: ignore[no-any-return]
    bound = key <= after_key if descending else key >= after_key
    return and_(bound, or_(beyond_key, and_(key == after_key, beyond_id)))


def page(session: Session, seen: access.Visibility, query: Query) -> Page:
    """One page of rows with the live task of each row's case, and the cursor after it."""
    rows = _rows(session, seen, query)
    more = len(rows) > query.limit
    rows = rows[:query.limit]
    cursor = None
    if more and rows:
        last = rows[-1]
        cursor = Cursor(sort_key(_dialect(session), last, query.sort_field), last.id)
    return Page(rows, cursor, live_tasks(session, [r.id for r in rows]))


def _rows(session: Session, seen: access.Visibility, query: Query) -> list[Any]:
    connection = session.connection()
    if query.sort_field is None or query.after is None or _dialect(session) == "postgresql":
        return list(connection.execute(*page_statement(session, seen, query)))
    rows = list(connection.execute(*page_statement(session, seen, query, "ties")))
    if len(rows) <= query.limit:
        rows += connection.execute(*page_statement(session, seen, query, "rest"))
    return rows


def sort_key(dialect: str, row: Any, sort_field: str | None) -> Any:
    """The sort value of a row as the SQL expression reads it: '' when absent; text on
    PostgreSQL (`->>`); on SQLite a JSON number stays a number and true/false are 1/0."""
    if sort_field is None:
        return row.id
    value = row.data.get(sort_field)
    if value is None:
        return ""
    if dialect == "postgresql":
        return str(value).lower() if isinstance(value, bool) else str(value)
    if isinstance(value, bool):
        return int(value)
    return value if isinstance(value, int | float | str) else str(value)


# Built once: building and keying a statement per page cost more than running it.
_LIVE_TASKS = (select(CaseRow.submission_id, *TASK_COLUMNS).join(Task, Task.case_id == CaseRow.id)
               .outerjoin(User, User.id == Task.user_id)
               .where(CaseRow.submission_id.in_(bindparam("ids", expanding=True)),
                      Task.status.in_(sorted(LIVE)))
               .order_by(Task.due_sort, Task.id))


def live_tasks(session: Session, submission_ids: Sequence[int]) -> dict[int, Any]:
    """The live task of each submission's case that falls due first (its current step,
    holder with their name, and deadline: a row of TASK_COLUMNS), by submission id; a case with none
    (finished) is absent."""
    if not submission_ids:
        return {}
    found = session.connection().execute(_LIVE_TASKS, {"ids": list(submission_ids)})
    tasks: dict[int, Any] = {}
    for row in found:
        tasks.setdefault(row.submission_id, row)
    return tasks


def every_row(session: Session, seen: access.Visibility, query: Query,
              limit: int) -> Iterator[Page]:
    """The rows of a download, up to `limit`, in the page's order: one query streamed from
    a server-side cursor, cut into pages of EXPORT_BATCH rows with their live tasks (the
    pages carry no cursor). One query and not a LIMIT per batch: with a small LIMIT the
    planner walks an index in the list's order and filters, and each batch seeks again."""
    statement = select_page(session, seen, query).limit(limit).execution_options(
        stream_results=True, yield_per=EXPORT_BATCH)
    with _whole_reads(session):
        for rows in session.connection().execute(statement).partitions():
            yield Page(list(rows), None, live_tasks(session, [r.id for r in rows]))


@contextmanager
def _whole_reads(session: Session) -> Iterator[None]:
    """A server-side cursor is planned on PostgreSQL for its first tenth of rows
    (cursor_tuple_fraction), the same trap as a small LIMIT; a download reads all of them."""
    if _dialect(session) != "postgresql":
        yield
        return
    session.execute(text("SET LOCAL cursor_tuple_fraction = 1"))
    try:
        yield
    finally:
        session.execute(text("SET LOCAL cursor_tuple_fraction TO DEFAULT"))


def board_column(session: Session, seen: access.Visibility, query: Query,
                 condition: Condition) -> Page:
    """One column of a board: the first rows of one status or one option."""
    return page(session, seen, Query(**{**query.__dict__,
                                        "conditions": (*query.conditions, condition),
                                        "after": None}))


# --- saved filters ---------------------------------------------------------------------------

_SAVED = (select(SavedFilter.id, SavedFilter.name, SavedFilter.query)
          .where(SavedFilter.user_id == bindparam("user"), SavedFilter.view_id == bindparam("view"))
          .order_by(SavedFilter.name))


def saved_filters(session: Session, user_id: int, view_id: str) -> list[Any]:
    """The user's filters on this view by name: rows of id, name and query (every page
    lists them; plain rows, not objects)."""
    return list(session.execute(_SAVED, {"user": user_id, "view": view_id}))


_SAVED_AND_UNREAD: Kept[int, Select[Any]] = Kept(16)


def saved_filters_and_unread(session: Session, principal: access.Principal,
                             view_id: str) -> tuple[list[Any], int]:
    """`saved_filters` of the user and the menu's count of their unread messages
    (`notifications.unread`), in one statement: a view page asks for both, and each
    statement is a round trip. The count is read with the filters, not kept."""
    pools = len(principal.memberships)
    statement = _SAVED_AND_UNREAD.get(pools)
    if statement is None:
        one = select(literal_column("1").label("one")).subquery()
        statement = _SAVED_AND_UNREAD.keep(pools, select(
            notifications.unread_count(pools).scalar_subquery().label("unread"),
            SavedFilter.id, SavedFilter.name, SavedFilter.query).select_from(
            one.outerjoin(SavedFilter, and_(SavedFilter.user_id == bindparam("user"),
                                            SavedFilter.view_id == bindparam("view"))))
            .order_by(SavedFilter.name))
    rows = session.execute(statement, {**notifications.unread_parameters(principal),
                                       "view": view_id}).all()
    return [r for r in rows if r.id is not None], rows[0].unread


def save_filter(session: Session, user_id: int, view_id: str, name: str, query: str) -> None:
    """Save (or replace) the user's filter of this name on this view."""
    found = session.scalars(select(SavedFilter).where(
        SavedFilter.user_id == user_id, SavedFilter.view_id == view_id,
        SavedFilter.name == name)).first()
    if found is None:
        session.add(SavedFilter(user_id=user_id, view_id=view_id, name=name, query=query))
    else:
        found.query = query


def delete_filter(session: Session, user_id: int, filter_id: int) -> bool:
    """Delete one of the user's own saved filters; False when it is not theirs."""
    found = session.get(SavedFilter, filter_id)
    if found is None or found.user_id != user_id:
        return False
    session.delete(found)
    return True
