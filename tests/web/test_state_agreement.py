"""The page, the partial update and the submit decide a form's state the same way: for any
data, a field the page hides is hidden by the partial update and never required on submit."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EXAMPLE = Path(__file__).parents[2] / "scenario_packs" / "birth_one_thing"

choices = st.fixed_dictionaries({}, optional={
    "need_ss_card": st.sampled_from(["true", "false", "", "maybe"]),
    "bank_account": st.sampled_from(["", "6222020200001234567", "12"]),
    "father_name": st.sampled_from(["", "王强"]),
    "father_id": st.sampled_from(["", "11010519491231002X", "bad"]),
    "birth_date": st.sampled_from(["", "2026-11-01", "2026-02-30"]),
})


def hidden_fields(html: str) -> dict[str, bool]:
    """Field id -> hidden, for every field fragment in `html`."""
    return {m.group(1): bool(m.group(2))
            for m in re.finditer(r'<div id="f-([a-z_0-9-]+)" class="[^"]*"( hidden)?', html)}


@pytest.fixture
def tokens(client: FlaskClient, publish: Callable[[Path], object]) -> dict[str, str]:
    publish(EXAMPLE)
    page = client.get("/forms/birth_apply").get_data(as_text=True)
    found = {name: re.search(rf'name="{name}" value="([^"]+)"', page)
             for name in ("csrf_token", "_version", "_key")}
    return {name: match.group(1) for name, match in found.items() if match}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=choices)
def test_page_partial_and_submit_agree(client: FlaskClient, tokens: dict[str, str],
                                       data: dict[str, str]) -> None:
    posted = {**tokens, **data}
    # The page, re-rendered by a row action (it decides state from what was posted).
    page = client.post("/forms/birth_apply", data={**posted, "_action": "add_row:guardians"})
    shown = hidden_fields(page.get_data(as_text=True))
    # The partial update after the field everything here depends on changed.
    partial = client.post("/forms/birth_apply/state", data=posted,
                          headers={"HX-Request": "true", "HX-Trigger-Name": "need_ss_card"})
    swapped = hidden_fields(partial.get_data(as_text=True))
    for field, hidden in swapped.items():
        assert shown[field] == hidden, field
    # The submit: a hidden field is never required and its value never kept.
    submit = client.post("/forms/birth_apply", data={**posted, "_action": "submit"})
    errors = submit.get_data(as_text=True)
    if shown["bank_account"]:
        assert "请填写「社保卡绑定银行账号」" not in errors
        assert 'id="err-bank_account"' not in errors
    elif data.get("need_ss_card") == "true" and not data.get("bank_account"):
        assert "请填写「社保卡绑定银行账号」" in errors
    father_required = bool(data.get("father_name"))
    assert ("请填写「父亲身份证号」" in errors) == (father_required and not data.get("father_id"))
