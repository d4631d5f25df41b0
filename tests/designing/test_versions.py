"""Publish and versions in the designer over HTTP: the compatibility report before a publish,
the versions page (compare two versions side by side, restore one as the working copy) and
the pack export as a zip that `lowcode pack import` accepts."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import yaml
from flask import Flask
from flask.testing import FlaskClient

from designing.conftest import Client, csrf_from
from runtime.lifecycle import canonical_yaml
from runtime.packs import check_path
from runtime.store import audit, designs, packlife
from runtime.web.database import store


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


# --- 2. the versions page: compare, restore ---------------------------------------------


def publish_v2(client: FlaskClient) -> None:
    html = save_yaml(client, retype_and_add)
    answer = client.post("/designer/Form/demo_apply/publish",
                         data={"csrf_token": csrf_from(html), "revision": revision(html),
                               "editor": "yaml"})
    assert answer.status_code == 200 and "已发布第 2 版" in answer.get_data(as_text=True)


def test_the_versions_page_lists_who_published_and_compares_two(signed_in: Client) -> None:
    client = signed_in("designer")
    publish_v2(client)
    html, _ = page(client, "/designer/Form/demo_apply")
    assert 'href="/designer/Form/demo_apply/versions"' in html
    html, _ = page(client, "/designer/Form/demo_apply/versions")
    assert re.findall(r'<tr data-version="(\d+)"', html) == ["1", "2"]
    v2 = html[html.index('data-version="2"'):]
    assert '<td class="who">designer</td>' in v2[:v2.index("</tr>")]
    compare = html[html.index('id="compare"'):]
    assert "demo_apply v1" in compare and "demo_apply v2" in compare
    changed = re.findall(r'<tr class="diff-changed".*?</tr>', compare, re.S)
    assert any("<del>" in row and "text" in row and "<ins>" in row and "integer" in row
               for row in changed)
    assert re.search(r'<tr class="diff-added".*?<ins>[^<]*note', compare, re.S)
    assert '<tr class="diff-same"' in compare  # unchanged lines show, unmarked
    html, _ = page(client, "/designer/Form/demo_apply/versions?old=2&new=2&lang=en")
    assert "The two versions are the same." in html and "diff-changed" not in html
    assert client.get("/designer/Form/demo_apply/versions?old=9").status_code == 404


def test_restoring_a_version_writes_it_into_the_working_copy(signed_in: Client,
                                                             designed: Flask) -> None:
    client = signed_in("designer")
    publish_v2(client)
    html, token = page(client, "/designer/Form/demo_apply/versions")
    rev = revision(html)
    url = "/designer/Form/demo_apply/restore"
    assert client.post(url, data={"version": "1", "revision": rev}).status_code == 400  # CSRF
    clerk = signed_in("clerk_govsvc")
    assert clerk.get("/designer/Form/demo_apply/versions").status_code == 404
    assert clerk.post(url, data={"csrf_token": csrf_from(clerk.get("/").get_data(as_text=True)),
                                 "version": "1", "revision": rev}).status_code == 404
    answer = client.post(url, data={"csrf_token": token, "version": "1", "revision": rev})
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("/designer/forms/demo_apply")
    with store(designed).sessions() as session:
        copy = designs.get_copy(session, "Form", "demo_apply")
        v1 = packlife.definition_data(session, "Form", "demo_apply", 1)
        assert copy is not None and copy.text == canonical_yaml(v1)
        (entry,) = audit.search(session, action="design.restore")
        assert entry.actor_name == "designer" and entry.after["version"] == 1
    # the page's revision is now stale: a second restore is a conflict, not a silent overwrite
    answer = client.post(url, data={"csrf_token": token, "version": "2", "revision": rev})
    assert answer.status_code == 409


# --- 3. the pack export ------------------------------------------------------------------


def test_the_pack_exports_as_a_zip_that_imports_clean(signed_in: Client, tmp_path: Path
                                                       ) -> None:
    client = signed_in("designer")
    publish_v2(client)
    html, _ = page(client, "/designer/")
    assert 'href="/designer/packs/demo_pack/export.zip"' in html
    answer = client.get("/designer/packs/demo_pack/export.zip")
    assert answer.status_code == 200 and answer.mimetype == "application/zip"
    assert 'filename="demo_pack.zip"' in answer.headers["Content-Disposition"]
    target = tmp_path / "demo_pack.zip"
    target.write_bytes(answer.get_data())
    with zipfile.ZipFile(target) as archive:
        assert "demo_pack/pack.yaml" in archive.namelist()
    result = check_path(target)  # what `lowcode pack check` / `lowcode pack import` read
    assert result.ok, [p.message("en") for p in result.problems]
    form = next(d.doc.data for d in result.definitions if d.doc.data.get("kind") == "Form")
    assert form["version"] == 2 and form["fields"][0]["type"] == "integer"
    assert signed_in("clerk_govsvc").get("/designer/packs/demo_pack/export.zip"
                                         ).status_code == 404
    assert client.get("/designer/packs/no_such_pack/export.zip").status_code == 404
