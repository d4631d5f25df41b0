"""A small table as a download: CSV (UTF-8 with a byte-order mark, for Excel) or XLSX
(openpyxl), every cell neutralised against formulas. The name says what was downloaded."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from flask import Response, abort
from openpyxl import Workbook

from runtime.masking import neutralise_cell

FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def download(fmt: str, name: str, header: Sequence[str],
             rows: Sequence[Sequence[Any]]) -> Response:
    """`rows` under `header` as `name`.csv or `name`.xlsx; an unknown format is a 404."""
    if fmt not in FORMATS:
        abort(404)
    body = _csv(header, rows) if fmt == "csv" else _xlsx(name, header, rows)
    response = Response(body, mimetype=FORMATS[fmt])
    filename = f"{name}.{fmt}"
    response.headers["Content-Disposition"] = (
        f"attachment; filename={quote(filename)}; filename*=UTF-8''{quote(filename)}")
    return response


def _cells(row: Sequence[Any]) -> list[Any]:
    return [neutralise_cell(cell) for cell in row]


def _csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(_cells(header))
    writer.writerows(_cells(row) for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _xlsx(name: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_sheet_title(name))
    sheet.append(_cells(header))
    for row in rows:
        sheet.append(_cells(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_title(name: str) -> str:
    """Excel's limits: 31 characters, none of []:*?/\\."""
    cleaned = "".join("_" if c in "[]:*?/\\" else c for c in name)
    return cleaned[:31] or "sheet"
