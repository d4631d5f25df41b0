"""The staff workbench (工作台): the task lists, a task's page with the actions open now, the
joint-handling overview of a case and the user's messages. Thin: an action's POST reads the
case once, parses the form into a command through the action registry, applies it with one
use-case call and redirects. A task or case the user may not see is a 404, as if it did not
exist."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, abort, current_app, g, redirect, render_template, request
from flask.typing import ResponseReturnValue

from runtime import access
from runtime.casework import cases as casework
from runtime.definitions.spec import CatalogSpec, FormSpec
from runtime.flows import handler, registry
from runtime.flows.actions import POOL_PERMISSIONS, Staff, may_see, pool_memberships
from runtime.flows.case import Case, Copy, TaskState
from runtime.flows.commands import POSITIONS
from runtime.flows.errors import FlowError
from runtime.flows.plan import Plan
from runtime.flows.registry import Action, Choices, Invalid, open_actions
from runtime.forms.state import value_fields
from runtime.store import accounts, cases, inbox, notifications, records
from runtime.store.cases import CaseEvent, CaseRow, CopyRow, Task
from runtime.store.files import FILE_FIELD_TYPES, Attachment, attachment
from runtime.store.models import utcnow
from runtime.store.references import StoreResolver
from runtime.store.submissions import Submission
from runtime.web import attachments, casepages, paging, taskforms
from runtime.web.auth.audit import origin
from runtime.web.auth.guard import deny, login_required
from runtime.web.casepages import Names
from runtime.web.database import db, store
from runtime.web.fieldtypes import field_types
from runtime.web.formpage import catalogs_for
from runtime.web.lang import current_lang, lang_url, mark, text
from runtime.web.records import shown_value, submission_form
from runtime.web.workwords import has, work_text

bp = Blueprint("workbench", __name__, url_prefix="/work")
ACTIONS_EXTENSION = "lowcode.actions"
bp.add_app_template_global(work_text, "work_text")
bp.add_app_template_filter(casepages.china, "china")
bp.add_app_template_global(casepages.working_days, "working_days")
COLOURS = ("green", "yellow", "red")


def works() -> bool:
    """Whether the signed-in user works tasks (a dispatcher dispatch tasks) or supervises
    them."""
    principal = g.get("principal")
    return any(access.allowed(principal, p) for p in (*POOL_PERMISSIONS, "tasks.supervise"))


@bp.app_template_global("unread_count")
def unread_count() -> int:
    """The menu's badge: unread messages of a staff user who works tasks (read by this
    request's page with its own statement when it did: `views.saved_filters_and_unread`)."""
    if "unread_count" in g:
        return int(g.unread_count)
    return notifications.unread(db(), g.principal) if g.get("user") and works() else 0


def _staff(names: Names) -> Staff:
    return Staff(g.principal, g.user.display_name, department_path=names.path)


# --- lists ------------------------------------------------------------------------------

@bp.get("/tasks")
@login_required
def tasks() -> ResponseReturnValue:
    if not works():
        deny("tasks.act")
    default = "todo" if pool_memberships(g.principal) else "overdue"
    name = request.args.get("list") or default
    if name not in inbox.LISTS:
        abort(404)
    colour = request.args.get("colour") if request.args.get("colour") in COLOURS else None
    q = (request.args.get("q") or "").strip()[:64] or None
    try:
        found = inbox.page(db(), name, g.principal, after=request.args.get("after") or None,
                           filters=inbox.Filters(q, colour))
    except ValueError:  # a keyset token that no page of ours wrote
        abort(400)
    rows = casepages.rows(found.tasks, Names.read(db()), utcnow())
    template = "_task_rows.html" if request.htmx else "pages/tasks.html"
    return render_template(template, list=name, lists=inbox.LISTS, rows=rows, after=found.after,
                           q=q or "", colour=colour or "", done=_done())


def _done() -> str | None:
    done = request.args.get("done")
    return done if done in actions() else None


def init_app(app: Flask, extra: Iterable[Action]) -> None:
    """Give `app` its own table of actions: the built-in ones and `extra`, registered alike."""
    app.extensions[ACTIONS_EXTENSION] = registry.registry(extra)


def actions() -> Mapping[str, Action]:
    """The current app's table of actions."""
    return current_app.extensions[ACTIONS_EXTENSION]


# --- one task ---------------------------------------------------------------------------

@dataclass
class Context:
    """A task as its page needs it: the case as read (row, plan, state, task rows), the task,
    who looks, what they see. An action's POST reads no history (`events` empty) and names
    no people: it only acts and redirects."""

    loaded: casework.Loaded
    task: TaskState
    staff: Staff
    names: Names
    copies: list[CopyRow]
    events: list[CaseEvent]

    @property
    def row(self) -> CaseRow:
        return self.loaded.row

    @property
    def plan(self) -> Plan:
        return self.loaded.plan

    @property
    def case(self) -> Case:
        return self.loaded.case

    @property
    def rows(self) -> dict[int, Task]:
        return self.loaded.tasks


def _context(tracking_no: str, no: int, *, page: bool = True) -> Context:
    loaded = casework.Loaded.find(db(), tracking_no)
    if loaded is None:
        abort(404)
    row = loaded.row
    task = loaded.case.task(no)
    if task is None:
        abort(404)
    events = cases.history(db(), row.id) if page else []
    names = Names.read(db(), _people(loaded.case, events) if page else ())
    staff = _staff(names)
    copies = cases.copies_of(db(), row.id)
    if not may_see(staff, loaded.case, task, copied=_copied_to_me(copies)):
        deny("tasks.act")
    return Context(loaded, task, staff, names, copies, events)


def _people(case: Case, events: list[CaseEvent]) -> list[int | None]:
    ids: list[int | None] = [e.actor_id for e in events]
    ids += [e.detail.get("user") for e in events if e.detail]
    for t in case.tasks:
        ids += [t.user_id, t.completed_by, t.delegated_by, *t.after_signers]
    return [i for i in ids if isinstance(i, int)]


def _copied_to_me(copies: Iterable[CopyRow | Copy]) -> bool:
    mine = {m.department_code for m in g.principal.memberships}
    return any(c.user_id == g.user.id or (c.user_id is None and c.department in mine)
               for c in copies)


@bp.get("/tasks/<tracking_no>/<int:no>")
@login_required
def task(tracking_no: str, no: int) -> ResponseReturnValue:
    return _task_page(_context(tracking_no, no), done=_done())


@bp.post("/tasks/<tracking_no>/<int:no>/<action>")
@login_required
def act(tracking_no: str, no: int, action: str) -> ResponseReturnValue:
    """Run one action: the case is read once, the form parsed into the action's command, the
    command applied in one transaction. A refusal shows the engine's reason beside the
    action's form, with what was typed, and changes nothing."""
    entry = actions().get(action)
    if entry is None:
        abort(404)
    context = _context(tracking_no, no, page=False)
    if action == "complete" and taskforms.row_action(request.form):
        # A handler form's sub-table row added or removed: the page again, nothing done.
        return _task_page(_context(tracking_no, no), failed=action)
    try:
        command = entry.parse(request.form, _choices(context, *_handler_form(context)),
                              current_lang())
        state = casework.apply(db(), context.row.id, context.staff, no, command, table=actions(),
                               loaded=context.loaded, origin=origin())
    except Invalid as invalid:
        return _task_page(_context(tracking_no, no), failed=action, errors=invalid.errors,
                          status=422)
    except FlowError as error:
        status = 422 if error.about_input else 409
        return _task_page(_context(tracking_no, no), failed=action,
                          error=error.message(current_lang()), status=status)
    return redirect(_after(context, state, action), code=303)


def _after(context: Context, state: casework.Loaded, action: str) -> str:
    """Back to the task when the user may still see it (a transfer may hand it away), judged
    on the case as the action wrote it: nothing is read again."""
    task, tracking_no = state.case.task(context.task.no), context.row.tracking_no
    added = state.effects.copies if state.effects else []
    copied = _copied_to_me([*context.copies, *added])
    if task is not None and may_see(context.staff, state.case, task, copied=copied):
        return lang_url("workbench.task", tracking_no=tracking_no, no=task.no, done=action)
    return lang_url("workbench.tasks", done=action)


def _handler_form(context: Context) -> tuple[FormSpec | None, dict[str, CatalogSpec]]:
    """The task's handler form (its latest version) and the catalogs of its pack, if any of
    its fields draws options from one."""
    form_id = context.plan.template(context.task.step).content.form
    pack_id = context.plan.template_pack(context.task.step) or context.row.process_pack
    head = store().heads.get(db, "Form", form_id, None, pack_id) if form_id else None
    if head is None or not isinstance(head.spec, FormSpec):
        return None, {}
    return head.spec, catalogs_for(head.pack_id, head.spec)


def _choices(context: Context, form: FormSpec | None,
             catalogs: dict[str, CatalogSpec]) -> Choices:
    step = context.plan.steps[context.task.step]
    names, department = context.names, context.task.department
    working = accounts.roles_granting(db(), "tasks.act")  # whom a task can be delegated to
    staff = accounts.staff_of(db(), department, working) if department else []
    _, application = _application(context.row)
    return Choices(
        role=context.task.role,
        targets=[(s, casepages.step_title(context.plan, s)) for s in step.can_return_to],
        departments=[(code, names.department(code)) for code in names.departments],
        colleagues=[(u.id, u.display_name) for u in staff if u.id != g.user.id],
        handler=form, types=field_types(), resolver=StoreResolver(db(), g.principal),
        catalogs=catalogs, handler_posted=taskforms.posted(form, request.form),
        application=tuple((f.id, text(f.label)) for f in value_fields(application.fields))
        if application else ())


def _task_page(context: Context, *, failed: str | None = None, error: str | None = None,
               errors: dict[str, str] | None = None, status: int = 200,
               done: str | None = None) -> ResponseReturnValue:
    now, lang, task = utcnow(), current_lang(), context.task
    form, catalogs = _handler_form(context)
    typed = failed == "complete"
    open_now = open_actions(context.plan, context.case, context.staff, task.no, now, actions())
    page = render_template(
        "pages/task.html", c=context, task=task,
        row=casepages.rows([context.rows[task.no]], context.names, now)[0],
        title=casepages.step_title(context.plan, task.step),
        elements=casepages.elements(context.plan, context.case, task,
                                    casepages.catalogs_of(db(), context.plan, context.row),
                                    context.names, context.copies, now, form),
        submission=_submission(context.row), rule_results=_rule_results(context.row, lang),
        timeline=casepages.timeline(context.events, context.plan, context.case,
                                    context.names, lang, _field_words(context.row)),
        diagram=casepages.diagram(context.plan, context.case, context.names, task.step),
        open=open_now, choices=_choices(context, form, catalogs), positions=POSITIONS,
        outcomes=_outcomes(form), opinion_required=handler.opinion_required(form),
        returned=casepages.returned(context.events, context.plan, context.case, task.no,
                                    context.names) if task.live else None,
        handler=taskforms.shown(form, catalogs, request.form if typed else None,
                                errors or {} if typed else {}),
        failed=failed,
        error=error,
        errors=errors or {}, posted=request.form if failed else {}, done=done)
    return page, status


def _outcomes(form: FormSpec | None) -> list[tuple[str, str]]:
    """(outcome, its words): those the handler form offers, in its own words (a dispatch
    record offers 派出 alone); both, in the action's words, when it names none."""
    words = handler.outcome_words(form)
    return [(o, text(words[o]) if o in words else work_text(o)) for o in handler.OUTCOMES
            if not words or o in words]


def _application(row: CaseRow) -> tuple[Submission | None, FormSpec | None]:
    """The case's submission and the form version it was filled on (read once a request)."""
    found = db().get(Submission, row.submission_id)
    return (found, submission_form(found)) if found is not None else (None, None)


def _submission(row: CaseRow) -> list[tuple[str, Any, list[Attachment]]]:
    """The application as staff read it: personal numbers masked (as on record pages), and
    a file field's files (their names, not their storage keys)."""
    found, form = _application(row)
    if found is None or form is None:
        return []
    files = {f.key: f for f in records.files_of(db(), found)}
    shown = []
    for spec in value_fields(form.fields):
        value = found.data.get(spec.id)
        if value in (None, "", []):
            continue
        if spec.type in FILE_FIELD_TYPES:
            keys = value if isinstance(value, list) else [value]
            shown.append((text(spec.label), "", [files[k] for k in keys if k in files]))
        else:
            shown.append((text(spec.label), shown_value(spec, value), []))
    return shown


@bp.get("/tasks/<tracking_no>/<int:no>/files/<key>")
@login_required
def task_file(tracking_no: str, no: int, key: str) -> ResponseReturnValue:
    """A file of the case's application, to whoever may see the task: downloaded."""
    return attachments.sent(_case_file(_context(tracking_no, no, page=False), key))


@bp.get("/tasks/<tracking_no>/<int:no>/files/<key>/preview")
@login_required
def task_file_preview(tracking_no: str, no: int, key: str) -> ResponseReturnValue:
    """The same file shown inline on the task page, when it is an image or a PDF."""
    return attachments.sent(_case_file(_context(tracking_no, no, page=False), key),
                            inline=True)


def _case_file(context: Context, key: str) -> Attachment:
    """The file `key` when the task's case's application claimed it; else 404."""
    found = attachment(db(), key)
    if found is None or found.submission_id != context.row.submission_id:
        abort(404)
    return found


def _field_words(row: CaseRow) -> casepages.FieldWords | None:
    """The application's fields by label, their values as staff read them (masked): what a
    correction's history lines name and show."""
    _, form = _application(row)
    if form is None:
        return None
    specs = {f.id: f for f in value_fields(form.fields)}

    def words(field_id: str, value: Any) -> tuple[str, str]:
        spec = specs.get(field_id)
        if spec is None:
            return field_id, str(value if value is not None else "")
        shown = shown_value(spec, value) if value not in (None, "", []) else ""
        return text(spec.label), str(shown)
    return words


def _rule_results(row: CaseRow, lang: str) -> list[tuple[list[str], bool | None]]:
    """The rule sets' results kept with the application, each explained clause by clause,
    with whether a gate was met (None for a rule that gives a value)."""
    found = db().get(Submission, row.submission_id)
    stored = (found.rules or {}).get("results", []) if found is not None else []
    return [(r["explain"]["en" if lang == "en" else "zh"],
             r["passed"] if r["purpose"] in ("validation", "eligibility") else None)
            for r in stored]


# --- one case across departments --------------------------------------------------------

@bp.get("/cases/<tracking_no>")
@login_required
def case(tracking_no: str) -> ResponseReturnValue:
    row = cases.case_by_tracking_no(db(), tracking_no)
    if row is None:
        abort(404)
    _, plan, state, rows = cases.load(db(), row.id)
    names = Names.read(db(), [i for t in state.tasks for i in (t.user_id, t.completed_by)
                              if i is not None])
    staff = _staff(names)
    if not _may_see_case(staff, row, state, names):
        deny("records.read")
    now = utcnow()
    return render_template(
        "pages/case.html", row=row, steps=casepages.overview(plan, state, names, now),
        holding=casepages.holding_up(list(rows.values()), names, now),
        diagram=casepages.diagram(plan, state, names), status=state.status, names=names)


def _may_see_case(staff: Staff, row: CaseRow, state: Case, names: Names) -> bool:
    """Whoever may read the application, or may see any of the case's tasks."""
    code = row.department_code
    record = access.RecordRef(department_code=code,
                              department_path=names.path(code) if code else (),
                              region_code=row.region_code)
    if access.allowed(g.principal, "records.read", record):
        return True
    copied = _copied_to_me(cases.copies_of(db(), row.id))
    return any(may_see(staff, state, t, copied=copied) for t in state.tasks)


# --- messages ---------------------------------------------------------------------------

@bp.get("/notifications")
@login_required
def messages() -> ResponseReturnValue:
    if not works():
        deny("tasks.act")
    items, more = notifications.page(db(), g.principal, before=paging.row_id("before"))
    template = "_notification_rows.html" if request.htmx else "pages/notifications.html"
    return render_template(template, items=items, more=more, message=_message)


def _message(item: notifications.Item) -> str:
    key = f"n_{item.notification.key}"
    what = work_text(key) if has(key) else work_text("n_other")
    if item.task is None:
        return what
    title = text({"zh": item.task.title_zh, "en": item.task.title_en})
    return f"{what}{mark('：')}{title}{mark('（')}{item.task.tracking_no}{mark('）')}"


@bp.post("/notifications/read")
@login_required
def read() -> ResponseReturnValue:
    """Mark one message read (`id`) or all of them."""
    wanted = request.form.get("id", "")
    notifications.mark_read(db(), g.principal, [int(wanted)] if wanted.isdigit() else None)
    return redirect(lang_url("workbench.messages"), code=303)
