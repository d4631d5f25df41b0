"""The page wizard of a form with pages: which page a move lands on, and which errors it
shows there. Submit shows every error and lands on the first page that has one; next stays
on a page that has errors; back always moves. Pure: the caller passes the errors by path
(`Validation.as_dict`), so the wizard neither validates nor knows a language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from runtime.definitions.spec import FieldSpec, FormSpec

PREV, NEXT, SUBMIT = "prev", "next", "submit"
Errors = Mapping[str, list[str]]


def pages(form: FormSpec) -> list[FieldSpec]:
    """The form's pages, in order (none: the form is one page)."""
    return [f for f in form.fields if f.type == "page"]


def parse_step(posted: str) -> int:
    """The page a posted form was on (`_step`); 0 for anything that is not a small number."""
    return int(posted) if posted.isdigit() and len(posted) < 3 else 0


def step_after(form: FormSpec, action: str, step: int, errors: Errors) -> int:
    """The page to show after `action` on page `step`, given the submission's errors."""
    last = max(len(pages(form)) - 1, 0)
    if action == PREV:
        return max(step - 1, 0)
    if action == NEXT and not page_errors(form, errors, step):
        return min(step + 1, last)
    if action == SUBMIT and errors:
        return first_page_with_errors(form, errors, default=step)
    return min(step, last)


def shown_errors(form: FormSpec, action: str, step: int, errors: Errors) -> dict[str, list[str]]:
    """Submit shows every error; next, those of the page being left; other moves, none."""
    if action == SUBMIT:
        return dict(errors)
    if action == NEXT:
        return page_errors(form, errors, step)
    return {}


def page_errors(form: FormSpec, errors: Errors, step: int) -> dict[str, list[str]]:
    """The errors of the fields on page `step` (all of them when the form has no pages)."""
    found = pages(form)
    if not found:
        return dict(errors)
    on_page = found[step].fields
    ids = {f.id for f in on_page} | {c.id for f in on_page for c in f.fields}
    return {path: messages for path, messages in errors.items() if _top_id(path) in ids}


def first_page_with_errors(form: FormSpec, errors: Errors, *, default: int) -> int:
    return next((index for index in range(len(pages(form)))
                 if page_errors(form, errors, index)), default)


def _top_id(path: str) -> str:
    """`items[0].amount` -> `items`; `address.region` -> `address`."""
    return re.split(r"[\[.]", path)[0]
