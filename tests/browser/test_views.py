"""The ledger view in a browser, at a desktop's width and a phone's 390 px: every column
labelled, no sideways scroll of the page (on a phone each row is a card of labelled lines),
numbers masked; a filter set in the form narrows the rows, and the next page follows."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from .conftest import LiveServer
from .test_what_people_see import looked_at, sized_page  # noqa: F401  (a fixture)
from .test_workbench import applied, signed_in


def test_the_ledger_holds_at_both_widths(sized_page, live_server: LiveServer,  # noqa: F811
                                         tmp_path: Path) -> None:
    size, open_page, errors = sized_page
    number = applied(live_server)
    clerk = signed_in(open_page(), "clerk_govsvc")
    clerk.locator("#menu-views").click()
    clerk.get_by_role("link", name="出生联办受理台账").click()
    looked_at(clerk, "/views/birth_ledger", tmp_path, size)
    for field in ("q", "f_status", "f_department", "f_residence", "sort"):
        label, control = (clerk.locator(s).bounding_box()
                          for s in (f"label[for={field}]", f"#{field}"))
        assert label is not None and control is not None
        middle = label["y"] + label["height"] / 2  # on the line of its field, wrapped or not
        assert control["y"] <= middle <= control["y"] + control["height"], field
    if size == "desktop":  # a ledger of fourteen columns takes the screen's width
        table = clerk.locator(".table-wrap").bounding_box()
        assert table is not None and table["width"] > 1300
    row = clerk.locator(f"#row-{number}")
    expect(row).to_contain_text("110105********002X")
    expect(row.locator("td[data-label='申请人']")).to_have_text("李丽")
    if size == "phone":  # each cell says what it is, since the heading row is hidden
        label = row.locator("td[data-label='申请人']").evaluate(
            "c => getComputedStyle(c, '::before').content")
        assert "申请人" in label
    clerk.fill("#q", "没有这个人")
    clerk.get_by_role("button", name="筛选").click()
    expect(clerk.locator("tr.view-row")).to_have_count(0)
    expect(clerk.locator(".empty")).to_have_text("范围内没有记录。")
    assert errors == []
