"""The dashboards and the effectiveness page as staff see them: who may open which, the
figures of the shipped birth dashboard over real cases in Chinese and English, each widget
as CSV and XLSX, a chart's data attribute and its accessible table."""

from __future__ import annotations

import csv
import io
import json
import re
from html import unescape

import pytest
from flask import Flask
from openpyxl import load_workbook
from store.casework import claim_and_complete, staff

from runtime.demo import DEMO_PASSWORD, demo_password_hash, seed_demo
from runtime.packs import check_path
from runtime.store import accounts
from runtime.store.cases import CaseRow
from runtime.store.models import utcnow
from runtime.store.publish import publish_pack
from runtime.web.database import store
from templates_lib import TASK_TEMPLATES
from web.test_workbench import EXAMPLE, Person, apply

BIRTH = "/dashboards/birth_overview"
HOTLINE = EXAMPLE.parent / "hotline_12345"
COMPLAINT = {"category": "complaint", "topic": "housing", "urgent": False, "district": "110101",
             "address": "东城区和平里街道某小区 3 号楼", "content": "楼道照明坏了两个月，物业不修。",
             "caller_name": "李明", "caller_mobile": "13800138000"}


@pytest.fixture
def world(app: Flask) -> Flask:
    """The demo organisation, the birth pack, and three applications today: one accepted
    by the service centre, two waiting."""
    with store(app).sessions() as session:
        seed_demo(session, env="testing")
        publish_pack(session, check_path(EXAMPLE))
    numbers = [apply(app) for _ in range(3)]
    with store(app).sessions() as session:
        first = session.query(CaseRow).filter_by(tracking_no=numbers[0]).one()
        claim_and_complete(session, first.id, staff(1, "GOVSVC"), 1)
    return app


def text_of(page: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</', page, re.S)
    assert found is not None, element_id
    return re.sub(r"\s+", " ", unescape(found.group(1))).strip()


def table(page: str, widget: str) -> dict[str, str]:
    body = re.search(rf'<table class="records figure-table" id="table-{widget}">(.*?)</table>',
                     page, re.S)
    assert body is not None, widget
    return {unescape(k): v for k, v in
            re.findall(r'<th scope="row">(.*?)</th><td>(.*?)</td>', body.group(1))}


def test_a_leader_sees_the_dashboards_they_may_open(world: Flask) -> None:
    index = Person(world, "lead_govsvc").page("/dashboards/")
    assert "出生“一件事”运行情况" in index and 'href="/dashboards/birth_overview"' in index
    assert 'id="to-workbench"' in index and 'id="menu-dashboards"' in index


def test_the_sign_in_of_a_lead_lands_on_the_dashboards(world: Flask) -> None:
    client = world.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/auth/login").get_data(as_text=True))
    assert token is not None
    answer = client.post("/auth/login", data={"username": "lead_govsvc",
                                              "password": DEMO_PASSWORD,
                                              "csrf_token": token.group(1)})
    assert answer.headers["Location"].endswith("/dashboards/")
    clerk = world.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      clerk.get("/auth/login").get_data(as_text=True))
    assert token is not None
    answer = clerk.post("/auth/login", data={"username": "clerk_govsvc",
                                             "password": DEMO_PASSWORD,
                                             "csrf_token": token.group(1)})
    assert answer.headers["Location"].endswith("/work/tasks")


def test_a_clerk_may_not_open_a_dashboard_for_leads(world: Flask) -> None:
    clerk = Person(world, "clerk_govsvc")
    assert clerk.get(BIRTH).status_code == 404
    assert "birth_overview" not in clerk.page("/dashboards/")
    assert world.test_client().get(BIRTH).status_code == 302  # not signed in: sign in first


def test_the_birth_dashboard_shows_the_figures_of_the_cases(world: Flask) -> None:
    page = Person(world, "lead_govsvc").page(BIRTH)
    assert text_of(page, "value-received") == "3"
    assert text_of(page, "value-total") == "3"  # the form count the dashboard had before
    assert text_of(page, "value-closed") == "0"
    assert text_of(page, "change-received").startswith("+3")  # none the 30 days before
    # overdue now is the same whatever the period: no "change against the previous period"
    assert text_of(page, "as-of-overdue") == "此刻（不随期间变化）"
    assert 'id="change-overdue"' not in page
    assert text_of(page, "value-on_time") == "100"  # the one task done, done in time
    assert "95 % · 达标" in text_of(page, "target-on_time")
    assert text_of(page, "value-days_to_close") == "0"  # done the day it came
    assert table(page, "by_department") == {"政务服务中心": "100"}
    assert sum(int(v) for v in table(page, "trend").values()) == 3
    assert len(table(page, "trend")) == 30  # the last 30 days, by day
    assert 'href="/views/birth_applications"' in page
    chart = re.search(r'id="chart-by_region"[^>]*data-chart="([^"]+)"', page)
    assert chart is not None
    data = json.loads(unescape(chart.group(1)))
    assert data["type"] == "distribution" and data["values"] == [3]
    assert data["labels"] == ["朝阳区"]  # counties of one city by their own names
    assert 'src="/static/vendor/echarts/echarts.min.js"' in page
    assert "<script>" not in page and "style=" not in page  # nothing inline, for the CSP


def test_a_chart_with_nothing_to_draw_says_so_instead_of_empty_axes(world: Flask) -> None:
    page = Person(world, "lead_govsvc").page(BIRTH + "?department=HEALTH")
    assert text_of(page, "empty-by_department") == "暂无数据"  # health finished no task
    assert 'id="chart-by_department"' not in page and 'id="png-by_department"' not in page
    assert 'id="table-by_department"' not in page
    assert 'id="chart-trend"' in page and 'id="png-trend"' in page  # its days, at 0


def test_the_supervisor_filters_the_hotline_by_its_handling_units(world: Flask) -> None:
    """`lowcode serve` imports the packs, then seeds the demo: the hotline's units, which
    the pack declares at the root, join the city's tree and the supervisor's filter."""
    with store(world).sessions() as session:
        publish_pack(session, check_path(TASK_TEMPLATES))
        hotline = check_path(HOTLINE)
        publish_pack(session, hotline)
        assert hotline.pack is not None
        accounts.map_pack_organisation(session, hotline.pack)  # as `lowcode import` does
        seed_demo(session, env="testing")
        housing = accounts.department(session, "HOUSING")
        assert housing is not None and housing.path == "/CITY/HOUSING/"
    page = Person(world, "supervisor").page("/dashboards/hl_overview")
    units = dict(re.findall(r'<option value="([A-Z_]+)"[^>]*>[\s\u3000]*([^<]+)</option>',
                            page))
    assert units["HOUSING"] == "住房和城乡建设局" and units["DC_GOV"] == "东城区人民政府"
    assert text_of(Person(world, "supervisor").page("/dashboards/hl_overview?department="
                                                    "HOUSING"), "value-received") == "0"


def test_in_english(world: Flask) -> None:
    page = Person(world, "lead_govsvc").page(BIRTH + "?lang=en")
    assert "Newborn joint handling overview" in page and "Cases received" in page
    assert "95 % · On target" in text_of(page, "target-on_time")
    assert table(page, "by_department") == {"Government Service Centre": "100"}
    assert "Download XLSX" in page and "Previous period" in page


def test_the_figures_keep_to_the_viewers_scope_and_filters(world: Flask) -> None:
    health = Person(world, "lead_health").page(BIRTH)
    assert text_of(health, "value-received") == "0"  # the cases are the service centre's
    lead = Person(world, "lead_govsvc")
    filtered = lead.page(BIRTH + "?department=HEALTH")
    assert text_of(filtered, "value-received") == "0"
    weekly = lead.page(BIRTH + "?granularity=month")
    assert sum(int(v) for v in table(weekly, "trend").values()) == 3
    assert len(table(weekly, "trend")) in (1, 2)
    bad = lead.page(BIRTH + "?from=2026-13-01")
    assert "筛选条件有误" in bad and text_of(bad, "value-received") == "3"


def test_each_widget_downloads_as_csv_and_xlsx(world: Flask) -> None:
    lead = Person(world, "lead_govsvc")
    page = lead.page(BIRTH)
    link = unescape(re.search(r'id="csv-by_department" href="([^"]+)"', page).group(1))
    response = lead.get(link)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows == [["项目", "数值（%）"], ["政务服务中心", "100.0"]]
    link = unescape(re.search(r'id="xlsx-received" href="([^"]+)"', page).group(1))
    response = lead.get(link)
    assert response.headers["Content-Disposition"].startswith("attachment")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert [list(r) for r in sheet.iter_rows(values_only=True)] == [
        ["项目", "数值"], ["数值", 3], ["上期", 0], ["目标", None]]
    assert lead.get(BIRTH + "/widgets/trend.pdf").status_code == 404
    assert lead.get(BIRTH + "/widgets/nothing.csv").status_code == 404
    assert Person(world, "clerk_govsvc").get(BIRTH + "/widgets/trend.csv").status_code == 404


def test_effectiveness_scores_each_department_and_explains_it(world: Flask) -> None:
    lead = Person(world, "lead_govsvc")
    page = lead.page("/effectiveness")
    assert "出生一件事效能指标" in page
    row = re.search(r'<tr id="score-GOVSVC">(.*?)</tr>', page, re.S)
    assert row is not None
    # on time 100 % of 95 (weight 3), 0 working days of 5 (2), 0 of 3 received closed
    # against 90 % (1), no returns of 2 (1), no ratings: (3 + 2 + 0 + 1) / 7 = 85.7
    assert '<td class="score">85.7</td>' in row.group(1)
    explained = re.search(r'id="explain-GOVSVC">(.*?)</details>', page, re.S)
    assert explained is not None and "按时办结率" in explained.group(1)
    assert "满意率" in explained.group(1)  # shown, with no data
    response = lead.get("/effectiveness?format=xlsx&catalog=birth_indicators")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:3] == ("排名", "部门", "得分")
    assert values[1][1:3] == ("政务服务中心", 85.7)
    csv_text = lead.get("/effectiveness?format=csv").get_data(as_text=True)
    assert "政务服务中心,85.7" in csv_text
    english = lead.page("/effectiveness?lang=en")
    assert "On-time rate" in english and "higher is better" in english


def test_effectiveness_decomposed_by_region(world: Flask) -> None:
    page = Person(world, "lead_govsvc").page("/effectiveness?by=region")
    row = re.search(r'<tr id="score-110105">(.*?)</tr>', page, re.S)
    assert row is not None and "北京市 朝阳区" in row.group(1)
    assert '<td class="score">85.7</td>' in row.group(1)  # all three cases are there


def test_each_pack_dashboard_counts_its_own_processes(world: Flask) -> None:
    with store(world).sessions() as session:
        publish_pack(session, check_path(TASK_TEMPLATES))  # the library the pack requires
        publish_pack(session, check_path(HOTLINE))
        lead = accounts.User(username="lead_hotline", display_name="热线负责人", is_demo=True,
                             password_hash=demo_password_hash(), password_changed_at=utcnow())
        session.add(lead)
        session.flush()
        accounts.add_membership(session, lead, "HOTLINE", "lead")
        session.commit()
    response = world.test_client().post("/api/forms/hl_web_intake/submissions",
                                        json={"data": COMPLAINT})
    assert response.status_code == 201, response.get_json()
    lead = Person(world, "lead_hotline")  # the hotline's department: its orders only
    index = lead.page("/dashboards/")
    assert "12345 热线运行情况" in index and "出生“一件事”运行情况" in index
    hotline = lead.page("/dashboards/hl_overview")
    assert text_of(hotline, "value-received") == "1"
    assert text_of(hotline, "value-phone") == "0"  # a web order, not a phone one
    assert text_of(hotline, "value-satisfaction") == "暂无数据"  # no ratings yet
    assert text_of(hotline, "empty-by_department") == "暂无数据"  # nothing done yet
    assert text_of(lead.page(BIRTH), "value-received") == "0"  # not the hotline's cases
    supervisor = Person(world, "supervisor")  # the city's region: the birth cases in it
    assert text_of(supervisor.page(BIRTH), "value-received") == "3"
    # the order's district (110101) is its region, in the city: the supervisor sees it
    assert text_of(supervisor.page("/dashboards/hl_overview"), "value-received") == "1"
    assert Person(world, "clerk_health").get("/dashboards/hl_overview").status_code == 404
