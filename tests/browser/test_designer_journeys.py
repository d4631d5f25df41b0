"""The designer's two journeys of issue 17 in a real browser. A designer, starting from
nothing, drags a form together (an ID number, a sub-table with a field dragged into it, a
visibility rule, a computed value), sees a wrong expression flagged with the checker's own
words and fixes it, builds a process of two departments with a countersign and a return
branch, and publishes both; a citizen then fills the new form and the first department's
clerk receives the task. And a designer changes a shipped form while a case runs on its first
version: the compatibility report says what that case meets, version 2 is published, the case
finishes on version 1 and a new application uses version 2. Screenshots go to tmp_path."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from runtime.casework.submissions import submit_validated as submit
from runtime.demo import seed_demo
from runtime.store.db import session_factory
from runtime.store.queries import definition_versions, latest_definition
from runtime.store.submissions import Submission

from .conftest import LiveServer
from .test_citizen_form import htmx_settled
from .test_designer import sign_in
from .test_workbench import APPLICATION, applied, open_task, signed_in

VALID_ID = "11010519491231002X"


def test_a_designer_builds_an_app_from_nothing_and_a_citizen_uses_it(
        new_page: Callable[[], Page], live_server: LiveServer, tmp_path: Path) -> None:
    with session_factory(live_server.engine)() as session:
        seed_demo(session, env="testing")
    page = sign_in(new_page(), "designer")
    page.set_viewport_size({"width": 1366, "height": 2000})  # palette and canvas in view
    page.get_by_role("link", name="应用设计").click()
    pack = page.locator("#pack-birth_one_thing")
    pack.get_by_label("表单标识").fill("newborn_gift")
    pack.get_by_label("表单名称").fill("新生儿礼包申请")
    pack.get_by_role("button", name="新建表单").click()
    expect(page).to_have_url(re.compile(r"/designer/forms/newborn_gift$"))

    canvas = page.locator("#canvas ol.canvas-list").first
    add_by_drag(page, "text", canvas, "申请人姓名", "applicant")
    add_by_drag(page, "id_card", canvas, "申请人身份证号", "applicant_id")
    add_by_drag(page, "yes_no", canvas, "是否已有其他子女", "has_children")
    add_by_drag(page, "table", canvas, "其他子女", "children")
    # a field dragged into the sub-table, in place of the one it came with
    rows = page.locator("#canvas-children ol.canvas-list")
    add_by_drag(page, "text", rows, "子女姓名", "child_name")
    expect(page.locator("#canvas-children #canvas-child_name")).to_be_visible()
    expect(rows.locator(".canvas-item").last).to_have_attribute("data-id", "child_name")
    page.get_by_role("button", name="删除 item").click()  # the one the table came with
    expect(rows.locator(".canvas-item")).to_have_count(1)
    add_by_drag(page, "integer", canvas, "其他子女人数", "child_count")
    expect(page.locator("#canvas > ol > li")).to_have_count(5)
    assert page.locator("#canvas > ol > li").evaluate_all("items => items.map(i => i.dataset.id)") \
        == ["applicant", "applicant_id", "has_children", "children", "child_count"]

    # a visibility rule with a typo: the checker's did-you-mean at the field; then fixed
    select_field(page, "children")
    page.locator("#p-prop-visible_when-input").fill("has_child")
    page.locator("#apply-props").click()
    problem = page.locator("#canvas-children .field-problem")
    expect(problem).to_contain_text("未知的名称 'has_child'；是不是 'has_children'？")
    page.screenshot(path=str(tmp_path / "1-wrong-expression.png"), full_page=True)
    page.locator("#p-prop-visible_when-input").fill("has_children")
    page.locator("#apply-props").click()
    expect(page.locator("#problems")).to_contain_text("检查通过")
    select_field(page, "child_count")
    page.locator("#p-prop-compute-input").fill("len(children)")
    page.locator("#apply-props").click()
    expect(page.locator("#canvas-child_count")).to_contain_text("= len(children)")
    expect(page.locator("#problems")).to_contain_text("检查通过")
    page.screenshot(path=str(tmp_path / "2-form.png"), full_page=True)
    page.locator("#publish-button").click()
    expect(page.locator("#notice")).to_contain_text("已发布第 1 版")

    build_the_process(page, tmp_path)
    with session_factory(live_server.engine)() as session:
        assert definition_versions(session, "Form", "newborn_gift") == [1]
        process = latest_definition(session, "Process", "newborn_gift_flow")
        assert process is not None and process.version == 1
        assert process.data["start_form"] == "newborn_gift"
        assert process.data["steps"] == [
            {"id": "accept", "task": "accept"},
            {"id": "check", "task": "joint_check", "after": ["accept"],
             "assignees": {"mode": "all", "parties": [{"department": "HEALTH", "role": "clerk"},
                                                      {"department": "POLICE", "role": "clerk"}]},
             "routes": [{"when": "steps['check']['outcome'] == 'reject'", "to": "accept",
                         "max": 2}]}]

    number = a_citizen_applies(new_page(), tmp_path)
    clerk = signed_in(new_page(), "clerk_govsvc")
    open_task(clerk, "部门待签收", number, "受理")
    details = clerk.locator("main")
    expect(details).to_contain_text("李丽")
    expect(details).to_contain_text("110105********002X")  # masked, as in every list
    expect(details).to_contain_text("王小红")
    clerk.screenshot(path=str(tmp_path / "6-clerk.png"), full_page=True)


def build_the_process(page: Page, tmp_path: Path) -> None:
    """A new process started by the new form: acceptance at the service centre, then a
    countersign of health and police that returns the case to acceptance on a refusal."""
    page.locator("#menu-designer").click()
    pack = page.locator("#pack-birth_one_thing")
    pack.get_by_label("流程标识").fill("newborn_gift_flow")
    pack.get_by_label("流程名称").fill("新生儿礼包联办")
    pack.get_by_role("button", name="新建流程").click()
    expect(page).to_have_url(re.compile(r"/designer/processes/newborn_gift_flow$"))
    expect(page.locator("#process-problems")).to_contain_text("start_form")
    page.locator("#process-form").get_by_label("发起表单").select_option("newborn_gift")
    with page.expect_response(re.compile(r"/process$")):
        page.get_by_role("button", name="保存流程属性").click()
    expect(page.locator("#process-form").get_by_label("发起表单")).to_have_value("newborn_gift")
    expect(page.locator("#process-problems")).not_to_contain_text("start_form")

    add_step(page, "accept", "accept", "")
    expect(page.locator("#box-accept")).to_be_visible()
    add_step(page, "joint_check", "check", "accept")
    expect(page.locator("#box-check")).to_be_visible()
    page.locator('[name="s1.assignees.mode"]').select_option("all")  # 会签
    page.locator('[name="s1.assignees.parties.0.department"]').fill("HEALTH")
    page.locator('[name="s1.assignees.parties.0.role"]').fill("clerk")
    route = page.locator("#p-s1-routes-0-when-input")
    route.fill("steps['check']['outcome'] == 'reject'")  # a refusal goes back
    expect(page.locator("#p-s1-routes-0-when-feedback")).to_contain_text("表达式正确")
    page.locator('[name="s1.routes.0.to"]').select_option("accept")
    page.locator('[name="s1.routes.0.max"]').fill("2")
    page.get_by_role("button", name="保存步骤").click()
    expect(page.locator('[name="s1.assignees.parties.1.department"]')).to_be_visible()
    page.locator('[name="s1.assignees.parties.1.department"]').fill("POLICE")
    page.locator('[name="s1.assignees.parties.1.role"]').fill("clerk")
    page.get_by_role("button", name="保存步骤").click()
    expect(page.locator('[name="s1.assignees.parties.2.department"]')).to_be_visible()
    expect(page.locator(".dtools-problems .expr-ok")).to_have_text("检查通过，没有问题")
    page.screenshot(path=str(tmp_path / "3-process.png"), full_page=True)

    page.locator("main").get_by_role("link", name="YAML").click()
    page.locator("#publish-button").click()
    expect(page.locator("#notice")).to_contain_text("已发布第 1 版")


def add_step(page: Page, task: str, step_id: str, after: str) -> None:
    add = page.locator("form.dtools-add")
    add.get_by_label("任务模板").select_option(task)
    add.get_by_label("步骤标识").fill(step_id)
    add.get_by_label("接在哪个步骤之后").select_option(after)
    add.get_by_role("button", name="添加步骤").click()
    expect(page.locator("#panel-h")).to_contain_text(step_id)


def a_citizen_applies(page: Page, tmp_path: Path) -> str:
    """The public form: the sub-table shows once there are other children, the count follows
    its rows; the receipt's tracking number. On a phone's screen, as most citizens apply."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/forms/newborn_gift")
    page.get_by_label("申请人姓名").fill("李丽")
    page.get_by_label("申请人身份证号").fill(VALID_ID)
    table = page.locator("#f-children")
    expect(table).to_be_hidden()
    page.locator("#f-has_children").get_by_role("radio", name="是").check()
    expect(table).to_be_visible()
    htmx_settled(page)
    table.get_by_role("button", name="添加一行").click()
    page.locator('input[name="children[0].child_name"]').fill("王小红")
    htmx_settled(page)
    table.get_by_role("button", name="添加一行").click()
    page.locator('input[name="children[1].child_name"]').fill("王小刚")
    htmx_settled(page)
    expect(page.locator("#in-child_count")).to_have_value("2")
    page.screenshot(path=str(tmp_path / "4-citizen.png"), full_page=True)
    page.get_by_role("button", name="提交", exact=True).click()
    number = page.locator("#tracking-no")
    expect(number).to_have_text(re.compile(r"^[0-9]{16}$"))
    page.screenshot(path=str(tmp_path / "5-receipt.png"), full_page=True)
    return number.inner_text()


def add_by_drag(page: Page, type_name: str, target: Locator, label: str,
                field_id: str) -> None:
    """Drag a field type from the palette to the end of the list `target`, then name it in
    the properties panel."""
    before = page.locator("#canvas .canvas-item").count()
    htmx_settled(page)
    drag_to_end(page, page.locator(f'.palette-item[data-type="{type_name}"] .drag-handle'),
                target)
    expect(page.locator("#canvas .canvas-item")).not_to_have_count(before)
    page.locator("#p-prop-label").fill(label)
    page.locator("#p-prop-id").fill(field_id)
    page.locator("#apply-props").click()
    expect(page.locator(f"#canvas-{field_id}")).to_have_class(re.compile(r"\bselected\b"))


def drag_to_end(page: Page, source: Locator, target: Locator) -> None:
    """A person's drag from `source` down over the list `target`, released below its last
    item (the list grows by the dragged item as it passes)."""
    page.mouse.wheel(0, -5000)  # back up to the palette and the canvas
    expect(page.locator("h1")).to_be_in_viewport()
    start, end = source.bounding_box(), target.bounding_box()
    assert start is not None and end is not None
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(end["x"] + 10, end["y"] + 4, steps=10)
    for y in range(int(end["y"]) + 4, int(end["y"] + end["height"]) + 12, 8):
        page.mouse.move(end["x"] + 10, y, steps=3)  # left of any nested list
        page.wait_for_timeout(40)  # the list animates each swap
    page.mouse.up()


def select_field(page: Page, field_id: str) -> None:
    with page.expect_response(re.compile(r"/edit$")):
        page.locator(f"#select-{field_id}").click()
    expect(page.locator(f"#canvas-{field_id}")).to_have_class(re.compile(r"\bselected\b"))


# --- 2. a shipped pack changed while a case runs on its first version ---------------------


def test_a_shipped_form_changes_while_a_case_finishes_on_its_first_version(
        new_page: Callable[[], Page], live_server: LiveServer, tmp_path: Path) -> None:
    number = applied(live_server)  # a birth case running on the shipped form
    with session_factory(live_server.engine)() as session:
        shipped = definition_versions(session, "Form", "birth_apply")[-1]
    page = sign_in(new_page(), "designer")
    page.locator("#menu-designer").click()
    page.locator("#pack-birth_one_thing tr", has_text="birth_apply").get_by_role(
        "link", name="设计").click()
    expect(page).to_have_url(re.compile(r"/designer/forms/birth_apply$"))
    page.get_by_role("button", name="删除 hospital").click()
    expect(page.locator("#canvas-hospital")).to_have_count(0)
    report = page.locator("#compat")
    expect(report).to_contain_text(f"对比已发布的第 {shipped} 版")
    expect(report.locator(".compat-breaking")).to_contain_text("删除了字段 'hospital'")
    expect(report).to_contain_text("1 份申请、0 份草稿、1 个在办办件仍按旧版本")
    page.screenshot(path=str(tmp_path / "1-compat.png"), full_page=True)
    page.locator("#publish-button").click()
    expect(page.locator("#notice")).to_contain_text(f"已发布第 {shipped + 1} 版")

    the_case_finishes_on_its_version(new_page, number, tmp_path)

    public = new_page()  # a new application gets the new version: no hospital
    public.goto("/forms/birth_apply")
    expect(public.get_by_label("新生儿姓名")).to_be_visible()
    expect(public.locator("#in-hospital")).to_have_count(0)
    expect(public.locator("main")).not_to_contain_text("出生医院")
    public.screenshot(path=str(tmp_path / "4-new-form.png"), full_page=True)
    with session_factory(live_server.engine)() as session:
        form = latest_definition(session, "Form", "birth_apply")
        assert form is not None and form.version == shipped + 1
        data = {k: v for k, v in APPLICATION.items() if k != "hospital"}
        submit(session, form=form.spec, data=data,  # type: ignore[arg-type]
               idempotency_key="after-v2", region_code="110105")
        rows = session.scalars(select(Submission).order_by(Submission.id)).all()
        assert [r.form_version for r in rows] == [shipped, shipped + 1]


def the_case_finishes_on_its_version(new_page: Callable[[], Page], number: str,
                                     tmp_path: Path) -> None:
    """Each department's clerk claims and completes their step of the running case; the
    service centre sees the removed field's answer (version 1's fields) and closes it."""
    clerks = {name: signed_in(new_page(), f"clerk_{name}")
              for name in ("govsvc", "health", "police", "medins")}
    govsvc = clerks["govsvc"]
    open_task(govsvc, "部门待签收", number, "受理")
    expect(govsvc.locator("main")).to_contain_text("出生医院")
    expect(govsvc.locator("main")).to_contain_text("市妇幼保健院")
    govsvc.screenshot(path=str(tmp_path / "2-v1-case.png"), full_page=True)
    for clerk, title in (("govsvc", "受理"), ("health", "出生信息联合核验"),
                         ("police", "出生信息联合核验"), ("health", "签发出生医学证明"),
                         ("police", "出生户口登记"), ("medins", "医保参保登记"),
                         ("govsvc", "办结归档")):
        handle(clerks[clerk], number, title)
    expect(govsvc.locator("#step-close")).to_contain_text("已完成")
    govsvc.locator("a", has_text="联办总览").click()
    expect(govsvc.locator("#case-status")).to_have_text("已办结")
    govsvc.screenshot(path=str(tmp_path / "3-v1-closed.png"), full_page=True)


def handle(page: Page, number: str, title: str) -> None:
    """Claim the task from the department's pool and complete it with a yes."""
    open_task(page, "部门待签收", number, title)
    page.locator("#action-claim").get_by_role("button").click()
    expect(page.locator("#done")).to_be_visible()
    form = page.locator("#action-complete")
    if title == "签发出生医学证明":  # its own handler form
        form.get_by_label("予以签发", exact=True).check()
        form.get_by_label("证件编号").fill("N110105261201")
    else:
        form.get_by_label("通过", exact=True).check()
    form.get_by_role("button", name="办理").click()
    expect(page.locator("#done")).to_have_text("已办理。")
