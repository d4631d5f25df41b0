"""Publish and versions in the designer over HTTP: the compatibility report before a publish,
the versions page (compare two versions side by side, restore one as the working copy) and
the pack export as a zip that `lowcode pack import` accepts."""

from __future__ import annotations

import re

import yaml
from flask.testing import FlaskClient

from designing.conftest import Client, csrf_from
from runtime.lifecycle import canonical_yaml


def page(client: FlaskClient, url: str) -> tuple[str, str]:
    answer = client.get(url)
    assert answer.status_code == 200, answer.status_code
    html = answer.get_data(as_text=True)
    return html, csrf_from(html)


def revision(html: str) -> str:
    found = re.search(r'name="revision" value="(\d+)"', html)
    assert found is not None
    return found.group(1)


def save_yaml(client: FlaskClient, change: object, url: str = "/designer/Form/demo_apply"
              ) -> str:
    """Open the YAML editor, change the copy's data with `change(data)`, save it."""
    html, token = page(client, url)
    text = re.search(r'<textarea[^>]*name="text"[^>]*>(.*?)</textarea>', html, re.S)
    assert text is not None
    data = yaml.safe_load(text.group(1).replace("&#39;", "'").replace("&#34;", '"')
                          .replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
    change(data)  # type: ignore[operator]
    answer = client.post("/designer/Form/demo_apply/save",
                         data={"csrf_token": token, "revision": revision(html),
                               "text": canonical_yaml(data)})
    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
    return answer.get_data(as_text=True)


def retype_and_add(data: dict) -> None:
    data["fields"][0]["type"] = "integer"
    data["fields"].append({"id": "note", "type": "text", "label": {"zh": "备注", "en": "Note"}})


# --- 1. the compatibility report before publishing ---------------------------------------


def test_the_publish_panel_shows_the_compatibility_report_breaking_first(
        signed_in: Client) -> None:
    client = signed_in("designer")
    html, _ = page(client, "/designer/forms/demo_apply")
    assert 'id="compat"' in html and 'id="compat-none"' in html  # unchanged: nothing to say
    html = save_yaml(client, retype_and_add)
    section = html[html.index('id="compat"'):]
    assert "对比已发布的第 1 版" in section
    severities = re.findall(r'data-severity="(\w+)"', section)
    assert severities[0] == "breaking" and "info" in severities
    assert severities.index("info") > severities.index("breaking")
    assert "的类型由 text 改为 integer" in section and "新增字段 &#39;note&#39;" in section
    html, _ = page(client, "/designer/forms/demo_apply?lang=en")  # the form designer, in English
    section = html[html.index('id="compat"'):]
    assert "against published version 1" in section
    assert "changed type from text to integer" in section
