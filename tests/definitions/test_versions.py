"""Two versions of a definition side by side as canonical YAML."""

from runtime.definitions.kinds import builtin_kinds
from runtime.definitions.versions import ADDED, CHANGED, REMOVED, SAME, compare_versions

OLD = {"version": 1, "kind": "Form", "id": "apply", "title": "申请",
       "fields": [{"type": "text", "id": "name"}, {"id": "age", "type": "integer"}]}
NEW = {"kind": "Form", "id": "apply", "version": 2, "title": "申请",
       "fields": [{"id": "name", "type": "text"}, {"id": "email", "type": "email"},
                  {"id": "age", "type": "integer"}]}


def test_side_by_side_rows_and_unified_lines_of_canonical_yaml() -> None:
    diff = compare_versions(OLD, NEW, builtin_kinds())
    assert diff.old_text.startswith("kind: Form\nid: apply\nversion: 1\n")
    rows = [(r.tag, r.old_no, r.old, r.new_no, r.new) for r in diff.rows]
    assert rows == [
        (SAME, 1, "kind: Form", 1, "kind: Form"),
        (SAME, 2, "id: apply", 2, "id: apply"),
        (CHANGED, 3, "version: 1", 3, "version: 2"),
        (SAME, 4, "title: 申请", 4, "title: 申请"),
        (SAME, 5, "fields:", 5, "fields:"),
        (SAME, 6, "  - {id: name, type: text}", 6, "  - {id: name, type: text}"),
        (ADDED, None, None, 7, "  - {id: email, type: email}"),
        (SAME, 7, "  - {id: age, type: integer}", 8, "  - {id: age, type: integer}"),
    ]
    assert diff.unified()[:2] == ["--- apply v1", "+++ apply v2"]
    assert "+  - {id: email, type: email}" in diff.unified()
    assert not diff.same
    assert diff.as_dict()["rows"][6]["new"] == "  - {id: email, type: email}"


def test_a_removed_line_and_the_same_definition() -> None:
    diff = compare_versions(NEW, {**NEW, "fields": NEW["fields"][:1]}, builtin_kinds(),
                            "第 2 版", "工作副本")
    assert [r.tag for r in diff.rows].count(REMOVED) == 2
    assert diff.unified()[0] == "--- 第 2 版"
    assert compare_versions(OLD, dict(OLD), builtin_kinds()).same
