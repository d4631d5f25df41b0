"""Prefill from the signed-in account: fields that declare a source take the account's value
and are locked, so the request can never change them; the submission remembers the source."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runtime.definitions.spec import FormSpec

SOURCES = ("account.name", "account.mobile", "account.id_number", "account.uscc")


def prefilled(form: FormSpec, account: Mapping[str, Any]) -> dict[str, Any]:
    """Field id -> value, for each field whose source the account has a value for.
    `account` maps a source such as `account.mobile` to the account's value."""
    return {f.id: account[f.prefill] for f in form.all_fields()
            if f.prefill and account.get(f.prefill) not in (None, "")}


def sources(form: FormSpec, locked: Mapping[str, Any]) -> dict[str, str]:
    """What the submission records: field id -> the source its value came from."""
    return {f.id: f.prefill for f in form.all_fields() if f.id in locked and f.prefill}
