"""Starting cases in a batch (批量发起): one application per row of a CSV or XLSX list — the
enterprises a data match found eligible (免申即享), the targets of an inspection plan — each
row validated by the start form as if typed in, and all rows refused together, each error
named by its row and field, when any is wrong. Each row's idempotency key is drawn from the
list's content, so running the same list twice starts nothing twice.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from runtime.casework.submissions import (
    RULES_PATH,
    masks_of,
    own_files,
    region_of,
    submit_validated,
)
from runtime.definitions.spec import CatalogSpec, FormSpec
from runtime.expressions import ExpressionError, check_expression, compile_expression
from runtime.flows.applicant import CONFIRM
from runtime.forms.checks import CUSTOM, FieldError
from runtime.forms.fieldtypes import FieldTypes
from runtime.forms.references import Resolver
from runtime.forms.sizes import size_errors
from runtime.forms.validation import validate
from runtime.i18n import Label
from runtime.rulesets import RuleBook
from runtime.store import audit
from runtime.store.accounts import Citizen, citizen_by_uscc
from runtime.store.queries import definition
from runtime.store.submissions import Owner, Receipt, Submission

MAX_ROWS = 5000
OwnerOf = Callable[[Mapping[str, Any]], Owner | None]  # the account a row is about, if any


class ListError(ValueError):
    """A list that cannot be read as rows: not CSV or XLSX, no header, too many rows."""


@dataclass
class Batch:
    """What came of a batch: receipts when every row held, else the errors by row number
    (counted as a spreadsheet shows them: the header is row 1) and field."""

    receipts: list[Receipt] = field(default_factory=list)
    errors: dict[int, dict[str, list[str]]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def read_rows(name: str, content: bytes) -> list[dict[str, str]]:
    """The rows of a CSV (UTF-8, a BOM allowed) or XLSX list, by the header's field ids."""
    if name.lower().endswith(".xlsx"):
        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
        table = [["" if v is None else str(v) for v in row]
                 for row in sheet.iter_rows(values_only=True)] if sheet is not None else []
    elif name.lower().endswith(".csv"):
        try:
            table = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        except UnicodeDecodeError:
            raise ListError("CSV 须为 UTF-8 编码 / a CSV list must be UTF-8") from None
    else:
        raise ListError("名单须为 .csv 或 .xlsx 文件 / a list is a .csv or .xlsx file")
    if not table or not any(table[0]):
        raise ListError("名单第一行须为字段编号 / the first row names the fields")
    if len(table) - 1 > MAX_ROWS:
        raise ListError(f"名单最多 {MAX_ROWS} 行 / at most {MAX_ROWS} rows")
    header = [h.strip() for h in table[0]]
    return [dict(zip(header, (cell.strip() for cell in row), strict=False))
            for row in table[1:] if any(cell.strip() for cell in row)]


def start_batch(session: Session, form: FormSpec, rows: Sequence[Mapping[str, str]],
                types: FieldTypes, *, owner: Owner, list_id: str,
                catalogs: Mapping[str, CatalogSpec] | None = None,
                resolver: Resolver | None = None, lang: str = "zh",
                book: RuleBook | None = None,
                owner_of: OwnerOf | None = None,
                keys: Sequence[str] | None = None) -> Batch:
    """Validate every row and decide the rule sets on its form (`book`: a row whose gates
    fail is refused with every failing clause, as a submit is); when all hold, submit each
    (its case starts as its form says, the rules' results kept with it), else store nothing
    and say what is wrong where. `owner_of` may name the account a row is about (免申即享:
    the enterprise by its credit code), which then owns that submission instead of `owner`
    and can follow and confirm it. `keys`: each row's idempotency key, when the caller has
    better ones than the list's identity and the row's place."""
    batch, valid, decided = Batch(), [], []
    columns = {name for row in rows for name in row}
    unknown = sorted(columns - {f.id for f in form.all_fields()})
    if unknown:  # the header row: a column the form does not have
        batch.errors[1] = {name: ["表单中没有此字段" if lang == "zh" else
                                  "the form has no such field"] for name in unknown}
    for number, row in enumerate(rows, start=2):
        result = validate(form, row, types, catalogs=catalogs, resolver=resolver)
        if result.ok:
            result.errors.update(size_errors(form, result.data))
        outcome = None
        if result.ok and book is not None and book.rulesets:
            outcome = book.decide(result.data, masks_of(form, types))
            for refused in book.refusals(outcome):
                result.errors.setdefault(RULES_PATH, []).append(
                    FieldError(CUSTOM, Label(refused.notice("zh"), refused.notice("en"))))
        if not result.ok:
            batch.errors[number] = result.as_dict(lang)
        valid.append(result.data)
        decided.append(outcome.stored() if outcome else None)
    if batch.errors:
        return batch
    for index, data in enumerate(valid):
        batch.receipts.append(submit_validated(
            session, form=form, data=data,
            idempotency_key=keys[index] if keys else f"batch:{list_id}:{index}",
            owner=(owner_of(data) if owner_of else None) or owner,
            region_code=region_of(form, data),
            attachments=own_files(form, data, frozenset()), rules=decided[index],
            submitter=f"{owner.kind}:{owner.id}", started_by=owner))
    return batch


@dataclass(frozen=True)
class Record:
    """A register record as a query over records reads it: its tracking number and data."""

    tracking_no: str
    data: Mapping[str, object]


def rows_from_records(form: FormSpec, register: FormSpec, records: Sequence[Record],
                      where: str) -> tuple[list[dict[str, object]], list[str]]:
    """One start-form row per record of `register` for which `where` holds, and its key:
    the fields the two forms share are copied, and a record picker of the start form that
    chooses from the register names the record (so a write-back updates it). The same
    record under the same query is keyed alike: a rerun starts nothing twice."""
    fields = {f.id: f for f in register.all_fields()}
    problems = list(check_expression(where, dict.fromkeys(fields, "any")))
    if problems:
        raise ListError(f"筛选条件 `{where}`：{problems[0].message('zh')} / the filter "
                        f"`{where}`: {problems[0].message('en')}")
    expression = compile_expression(where)
    digest = hashlib.sha256(where.encode()).hexdigest()[:16]
    rows, keys = [], []
    for record in records:
        scope = {**dict.fromkeys(fields), **record.data}
        try:
            if not expression.evaluate(scope):
                continue
        except ExpressionError as error:
            raise ListError(f"记录 {record.tracking_no}：筛选条件无法计算（{error.message('zh')}）"
                            f" / record {record.tracking_no}: the filter could not be "
                            f"evaluated ({error.message('en')})") from None
        rows.append(_row_of(form, register, record))
        keys.append(f"records:{register.id}:{digest}:{record.tracking_no}")
    return rows, keys


def _row_of(form: FormSpec, register: FormSpec, record: Record) -> dict[str, object]:
    row: dict[str, object] = {}
    for item in form.all_fields():
        if item.related_form == register.id:
            row[item.id] = record.tracking_no
        elif record.data.get(item.id) not in (None, "", []):
            row[item.id] = record.data[item.id]
    return row


def list_id(content: bytes) -> str:
    """A list's identity: the same file gives the same keys, so a rerun repeats nothing."""
    return hashlib.sha256(content).hexdigest()[:32]




def enterprise_owner(session: Session, form: FormSpec) -> OwnerOf:
    """The enterprise account a row names by the form's first credit-code (`uscc`) field,
    if one has registered with that code: its submission is the enterprise's own."""
    field_id = next((f.id for f in form.all_fields() if f.type == "uscc"), None)

    def owner_of(data: Mapping[str, Any]) -> Owner | None:
        code = data.get(field_id) if field_id else None
        account = citizen_by_uscc(session, str(code)) if code else None
        return Owner("citizen", account.id) if account is not None else None
    return owner_of


def adopt_waiting(session: Session, account: Citizen) -> list[str]:
    """An enterprise that registers after a batch named it (by its credit code in the start
    form's first `uscc` field) takes over the submissions still waiting for its confirmation
    that staff were left holding: they move to its 我的办件, where it answers them. Their
    tracking numbers; audited each; the caller commits."""
    if not account.uscc:
        return []
    waiting = session.scalars(select(Submission).where(
        Submission.owner_kind == "staff", Submission.status == CONFIRM))
    forms: dict[tuple[str, int], FormSpec | None] = {}
    adopted = []
    for row in waiting:
        key = (row.form_id, row.form_version)
        if key not in forms:
            found = definition(session, "Form", row.form_id, row.form_version)
            forms[key] = found.spec if found and isinstance(found.spec, FormSpec) else None
        form = forms[key]
        field_id = next((f.id for f in form.all_fields() if f.type == "uscc"), None) \
            if form is not None else None
        if field_id is None or str(row.data.get(field_id) or "") != account.uscc:
            continue
        row.owner_kind, row.owner_id = "citizen", account.id
        audit.record(session, action="submission.adopt",
                     actor=audit.Actor(f"c{account.id}", account.mobile, "citizen"),
                     target=("submission", row.tracking_no), after={"owner": account.id})
        adopted.append(row.tracking_no)
    return adopted

