"""The forms of the task actions: what each offers (return targets, departments, colleagues,
the handler form's fields) and how a posted form becomes one action on the case.

Input the page itself must get right (a choice from its own lists, a whole number) is checked
here and reported by input name; whether the action is allowed now, and a missing reason,
are for the engine to say.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from runtime.definitions.spec import FieldSpec, FormSpec, Party
from runtime.flows import actions
from runtime.flows.actions import Staff
from runtime.flows.engine import Flow
from runtime.forms.plans import PerForm
from runtime.forms.state import value_fields
from runtime.forms.validation import validate
from runtime.web.fieldtypes import field_types
from runtime.web.workwords import wt

# Fields of a handler form that the 办理 form already asks as the engine's own outcome and
# opinion: shown once, not twice. (The birth pack's `decision` offers 退回补正, which is the
# separate 退回 action here, with its target step.)
ENGINE_FIELDS = frozenset({"decision", "outcome", "opinion"})
# Field types the 办理 form renders itself. Optional fields of other types (pickers of a
# record, a department or a person) are left out: the actions 转办 and 委派 and the case
# itself say those. A handler form that requires one is left to the opinion alone.
SIMPLE_TYPES = frozenset({"text", "textarea", "integer", "decimal", "date", "select", "radio"})
POSITIONS = ("before", "after", "alongside")

Step = Callable[[Flow], Any]


class Invalid(Exception):
    """Input the page's own lists or formats do not allow; errors by input name."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(", ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Choices:
    role: str | None  # the task's role: a transfer goes to the new department's pool in it
    targets: list[tuple[str, str]]  # steps it can return to: (id, title)
    departments: list[tuple[str, str]]  # (code, name)
    colleagues: list[tuple[int, str]]  # staff of the task's department but me: (id, name)
    handler: FormSpec | None  # the handler form's own simple fields


def handler_fields(form: FormSpec | None) -> FormSpec | None:
    """The handler form's simple fields, without those the engine asks itself; None when
    nothing is left or the form requires a field rendered only on its own page. Made once
    per published version."""
    return None if form is None else _handler_fields(form)


def _simple_fields(form: FormSpec) -> FormSpec | None:
    fields = [f for f in value_fields(form.fields) if f.id not in ENGINE_FIELDS]
    kept = tuple(f for f in fields if f.type in SIMPLE_TYPES and not _reads_engine(f))
    needed = any(f.required or f.required_when for f in fields if f not in kept)
    return dataclasses.replace(form, fields=kept, validations=()) if kept and not needed else None


_handler_fields = PerForm(_simple_fields)


def _reads_engine(spec: FieldSpec) -> bool:
    sources = (spec.visible_when, spec.required_when, spec.readonly_when, spec.compute)
    return any(s and any(name in s for name in ENGINE_FIELDS) for s in sources)


def parse(action: str, posted: Mapping[str, str], staff: Staff, no: int, choices: Choices,
          lang: str) -> Step:
    """The action the posted form asks for, as a step for `cases.act`."""
    return PARSERS[action](posted, staff, no, choices, lang)


def _text(posted: Mapping[str, str], name: str) -> str | None:
    value = (posted.get(name) or "").strip()
    return value or None


def _pick(posted: Mapping[str, str], name: str, allowed: list[Any]) -> Any:
    value = (posted.get(name) or "").strip()
    for option in allowed:
        if str(option) == value:
            return option
    raise Invalid({name: wt("bad_choice")})


def _complete(posted: Mapping[str, str], staff: Staff, no: int, choices: Choices,
              lang: str) -> Step:
    data: dict[str, Any] = {}
    if choices.handler is not None:
        raw = {f.id: posted.get(f.id, "") for f in choices.handler.fields}
        result = validate(choices.handler, raw, field_types())
        if not result.ok:
            raise Invalid({path: "；".join(found) for path, found in result.as_dict(lang).items()})
        data = result.data
    outcome = (posted.get("outcome") or actions.APPROVE).strip()
    opinion = _text(posted, "opinion")
    return lambda f: actions.complete(f, staff, no, outcome=outcome, opinion=opinion, data=data)


def _transfer(posted: Mapping[str, str], staff: Staff, no: int, choices: Choices,
              lang: str) -> Step:
    code = _pick(posted, "department", [c for c, _ in choices.departments])
    reason = _text(posted, "reason")
    return lambda f: actions.transfer(f, staff, no, Party(department=code, role=choices.role),
                                      reason)


def _delegate(posted: Mapping[str, str], staff: Staff, no: int, choices: Choices,
              lang: str) -> Step:
    user = _pick(posted, "user", [u for u, _ in choices.colleagues])
    note = _text(posted, "note")
    return lambda f: actions.delegate(f, staff, no, user, note)


def _add_signer(posted: Mapping[str, str], staff: Staff, no: int, choices: Choices,
                lang: str) -> Step:
    user = _pick(posted, "user", [u for u, _ in choices.colleagues])
    position = _pick(posted, "position", list(POSITIONS))
    note = _text(posted, "note")
    return lambda f: actions.add_signer(f, staff, no, user, position, note)


def _extend(posted: Mapping[str, str], staff: Staff, no: int, choices: Choices,
            lang: str) -> Step:
    days = (posted.get("days") or "").strip()
    if not days.isdigit() or len(days) > 4:
        raise Invalid({"days": wt("bad_number")})
    reason = _text(posted, "reason")
    return lambda f: actions.request_extension(f, staff, no, int(days), reason)


def _decide(posted: Mapping[str, str], staff: Staff, no: int, choices: Choices,
            lang: str) -> Step:
    approve = _pick(posted, "decision", ["approve", "refuse"]) == "approve"
    note = _text(posted, "note")
    return lambda f: actions.decide_extension(f, staff, no, approve, note)


def _copy(posted: Mapping[str, str], staff: Staff, no: int, choices: Choices,
          lang: str) -> Step:
    if _text(posted, "user"):
        user = _pick(posted, "user", [u for u, _ in choices.colleagues])
        return lambda f: actions.copy_to(f, staff, no, user_id=user)
    if _text(posted, "department"):
        code = _pick(posted, "department", [c for c, _ in choices.departments])
        return lambda f: actions.copy_to(f, staff, no, to=Party(department=code))
    raise Invalid({"department": wt("copy_whom")})


Parser = Callable[[Mapping[str, str], Staff, int, Choices, str], Step]
PARSERS: dict[str, Parser] = {
    "claim": lambda p, s, n, c, lang: lambda f: actions.claim(f, s, n),
    "complete": _complete,
    "return": lambda p, s, n, c, lang: (
        lambda f: actions.return_to(f, s, n, (p.get("target") or "").strip(),
                                    _text(p, "reason"))),
    "transfer": _transfer,
    "delegate": _delegate,
    "add_signer": _add_signer,
    "withdraw": lambda p, s, n, c, lang: (
        lambda f: actions.withdraw(f, s, n, _text(p, "reason"))),
    "extend": _extend,
    "decide_extension": _decide,
    "remind": lambda p, s, n, c, lang: lambda f: actions.remind(f, s, n, _text(p, "note")),
    "supervise": lambda p, s, n, c, lang: (
        lambda f: actions.supervise(f, s, n, _text(p, "note"))),
    "copy": _copy,
}
