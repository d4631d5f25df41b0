"""A view's filter on a data field reads the expression index its publication made, on
SQLite and PostgreSQL: the plans of the first page, a filtered page, a sorted page and a
deep keyset page name the index, and no plan sorts the table."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from runtime import access
from runtime.packs import check_path
from runtime.store import views
from runtime.store.publish import publish_pack

BIRTH = Path(__file__).parents[2] / "scenario_packs" / "birth_one_thing"
# Everything: a department scope is an equality too, and its own index followed by the sort
# key may serve a page as well; with no rows to weigh them the planners pick either.
SCOPE = access.Visibility(everything=True)


def plan(session: Session, query: views.Query, part: str | None = None) -> str:
    statement = views.select_page(session, SCOPE, query, part)
    sql = str(statement.compile(bind=session.get_bind(),
                                compile_kwargs={"literal_binds": True}))
    if session.get_bind().dialect.name == "sqlite":
        rows = session.execute(text("EXPLAIN QUERY PLAN " + sql)).all()
        return "\n".join(str(row[-1]) for row in rows)
    # An empty table is cheaper to scan than to index: forbid the scan, so that the plan
    # shows whether the index can serve the query at all.
    session.execute(text("SET LOCAL enable_seqscan = off"))
    return "\n".join(row[0] for row in session.execute(text("EXPLAIN " + sql)))


@pytest.fixture
def published(session: Session) -> Session:
    publish_pack(session, check_path(BIRTH))
    return session


def test_publishing_a_view_makes_the_index_of_each_filterable_field(
        published: Session) -> None:
    if published.get_bind().dialect.name == "sqlite":
        names = set(published.scalars(text(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'submissions'")))
    else:
        names = set(published.scalars(text(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'submissions'")))
    assert {"ix_view_birth_apply_residence", "ix_view_birth_apply_birth_date"} <= names
    assert "ix_view_birth_apply_child_name" not in names  # searched, not filtered: no index
    assert {"ix_view_birth_apply_residence_birth_date", "ix_view_birth_apply_status_birth_date",
            "ix_view_birth_apply_department_birth_date"} <= names  # equality filter, then sort


@pytest.mark.parametrize(("query", "index"), [
    (views.Query("birth_apply", (views.Condition("eq", "110105", field="residence"),)),
     "ix_view_birth_apply_residence"),
    (views.Query("birth_apply", (views.Condition("range", "2026-01-01", "2026-02-01",
                                                 field="birth_date"),),
                 sort_field="birth_date"),
     "ix_view_birth_apply_birth_date"),
    (views.Query("birth_apply", sort_field="birth_date",
                 after=views.Cursor("2026-01-05", 123456)),
     "ix_view_birth_apply_birth_date"),
    (views.Query("birth_apply", after=views.Cursor(123456, 123456)),
     "ix_submissions_form_view"),
    (views.Query("birth_apply", (views.Condition("eq", "110105", field="residence"),),
                 sort_field="birth_date"),
     "ix_view_birth_apply_residence_birth_date"),
    (views.Query("birth_apply", (views.Condition("eq", "correction", case="status"),),
                 sort_field="birth_date", after=views.Cursor("2026-01-05", 123456)),
     "ix_view_birth_apply_status_birth_date"),
], ids=["filter", "range-sorted", "deep-keyset", "first-pages", "filter-sorted",
        "status-sorted-deep"])
def test_the_plan_reads_the_index(published: Session, query: views.Query, index: str) -> None:
    found = plan(published, query)
    assert index + " " in found, found
    assert "TEMP B-TREE" not in found and "Sort" not in found.split("\n")[0], found


def test_a_deep_page_starts_its_range_at_the_cursor(published: Session) -> None:
    """Not a walk from the index's first entry down to the cursor, nor through every row
    that shares the cursor's sort value."""
    query = views.Query("birth_apply", sort_field="birth_date",
                        after=views.Cursor("2026-01-05", 123456))
    if published.get_bind().dialect.name == "sqlite":
        ties = plan(published, query, "ties")
        assert "(form_id=? AND <expr>=? AND id<?)" in ties, ties
        rest = plan(published, query, "rest")
        assert "(form_id=? AND <expr><?)" in rest, rest
        assert "TEMP B-TREE" not in ties + rest
    else:
        found = plan(published, query)
        assert "Index Cond" in found and "ROW(" in found.split("Index Cond")[1], found


def test_a_tracking_number_searched_reads_its_unique_index(published: Session) -> None:
    if published.get_bind().dialect.name == "postgresql":
        # On an empty table PostgreSQL's costs tie; with rows it weighs the indexes.
        published.execute(text(
            "INSERT INTO submissions (tracking_no, verification_code, idempotency_key, "
            "form_id, form_version, data, prefilled, status, owner_kind, department_code, "
            "created_at, updated_at, row_version) SELECT 'T' || i, '0', 'k' || i, "
            "'birth_apply', 1, '{}', '{}', 'submitted', 'guest', 'GOVSVC', now(), now(), 1 "
            "FROM generate_series(1, 5000) AS i"))
        published.execute(text("ANALYZE submissions"))
    found = plan(published, views.Query("birth_apply", search="2026120512345678",
                                        search_fields=("child_name", "mother_name")))
    assert "tracking_no" in found and "json_extract" not in found, found
    assert ("(tracking_no=?)" in found) if published.get_bind().dialect.name == "sqlite" \
        else ("Index Scan using uq_submissions_tracking_no" in found), found
