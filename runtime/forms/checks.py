"""The checks of one field's value (required, lengths, ranges, pattern, options, row counts),
bound once per field to its limits and to the errors they report.

A FieldError holds its message code, the label it names and the parameters; the words, in
Chinese or English, are made only when someone reads them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from runtime.definitions.spec import CatalogSpec, FieldSpec
from runtime.forms.fieldpattern import anchored, whole_match
from runtime.forms.messages import MESSAGES
from runtime.i18n import Label

CUSTOM = "custom"  # a form's own rule: the label is the rule's message


@dataclass(frozen=True)
class FieldError:
    """One problem with one value, as `message(lang)` shows it."""

    code: str
    label: Label
    params: tuple[tuple[str, Any], ...] = ()
    # (zh, en) of a code a field type brings itself (FieldType.messages); else MESSAGES's.
    words: tuple[str, str] | None = field(default=None, compare=False)

    @property
    def zh(self) -> str:
        return self.message("zh")

    @property
    def en(self) -> str:
        return self.message("en")

    def message(self, lang: str = "zh") -> str:
        lang = "en" if lang == "en" else "zh"
        if self.code == CUSTOM:
            return self.label.text(lang)
        if self.words is not None:
            return self.words[lang == "en"].format(label=self.label.text(lang),
                                                   **dict(self.params))
        return MESSAGES.format(self.code, lang, label=self.label.text(lang), **dict(self.params))


Catalogs = Mapping[str, CatalogSpec]
# One check of a filled value; each applies only to the kind of value it is about.
Check = Callable[[Any, Catalogs], FieldError | None]
_NUMBERS = (int, float)


class FieldChecks:
    """Everything checked of one field's value, in the order the errors are shown."""

    __slots__ = ("label", "required", "checks", "messages", "_empty", "_required",
                 "_parse_errors")

    def __init__(self, label: Label, checks: tuple[Check, ...], empty: tuple[FieldError, ...],
                 messages: Mapping[str, tuple[str, str]] | None = None):
        self.label, self.required = label, FieldError("required", label)
        self.checks = checks
        self.messages = messages or {}  # the words of the field type's own parse errors
        self._empty = empty  # the problems of an empty value that is not required
        self._required = (self.required,)  # those of an empty value that is
        self._parse_errors: dict[str, FieldError] = {}  # errors are values: made once a code

    def problems(self, value: Any, required: bool, catalogs: Catalogs) -> Sequence[FieldError]:
        if not value and (value is None or value == "" or value == []):  # truthy: not empty
            return self._required if required else self._empty
        found: tuple[FieldError, ...] = ()  # no list made for the usual value with none
        for check in self.checks:
            error = check(value, catalogs)  # a plain loop: a comprehension costs a frame
            if error is not None:
                found = (*found, error)
        return found

    def parse_error(self, code: str, params: Mapping[str, Any]) -> FieldError:
        if params:
            return FieldError(code, self.label, tuple(params.items()), self.messages.get(code))
        if (error := self._parse_errors.get(code)) is None:
            made = FieldError(code, self.label, (), self.messages.get(code))
            error = self._parse_errors.setdefault(code, made)
        return error


def field_checks(spec: FieldSpec, *, table: bool, choice: bool,
                 messages: Mapping[str, tuple[str, str]] | None = None,
                 max_length: int | None = None) -> FieldChecks:
    """The checks of `spec`, each bound to its limit and its error. A table checks its row
    count (an empty optional table too); any other field its text or its number. `messages`
    are the words of its type's own parse errors; `max_length`, when given, is the longest
    text instead of the spec's (its type's default for a field that declares none)."""
    label = spec.label or Label(spec.id)
    options = [_options(spec, label)] if choice else []
    if table:
        rows = list(_row_checks(spec, label))
        empty = tuple(error for check in rows if (error := check([], {})) is not None)
        return FieldChecks(label, tuple(rows + options), empty, messages)
    longest = spec.max_length if max_length is None else max_length
    return FieldChecks(label, tuple([*_text_checks(spec, label, longest),
                                     *_number_checks(spec, label), *options]), (), messages)


def _text_checks(spec: FieldSpec, label: Label, longest: int | None) -> Iterator[Check]:
    if spec.min_length is not None:
        yield _too_short(label, spec.min_length)
    if longest is not None:
        yield _too_long(label, longest)
    if spec.pattern is not None:
        yield _pattern(spec.pattern, FieldError("pattern", label))


def _number_checks(spec: FieldSpec, label: Label) -> Iterator[Check]:
    if spec.min is not None:
        yield _too_small(label, spec.min)
    if spec.max is not None:
        yield _too_large(label, spec.max)


def _row_checks(spec: FieldSpec, label: Label) -> Iterator[Check]:
    if spec.min_rows is not None:
        yield _too_few_rows(label, spec.min_rows)
    if spec.max_rows is not None:
        yield _too_many_rows(label, spec.max_rows)


def _too_short(label: Label, limit: int) -> Check:
    error = FieldError("too_short", label, (("limit", limit),))
    return lambda value, _: error if isinstance(value, str) and len(value) < limit else None


def _too_long(label: Label, limit: int) -> Check:
    error = FieldError("too_long", label, (("limit", limit),))
    return lambda value, _: error if isinstance(value, str) and len(value) > limit else None


def _pattern(pattern: str, error: FieldError) -> Check:
    whole = anchored(pattern)
    return lambda value, _: (error if isinstance(value, str) and not whole_match(whole, value)
                             else None)


def _too_small(label: Label, limit: float) -> Check:
    error = FieldError("too_small", label, (("limit", _number(limit)),))
    # A number, not a bool; written out, as a helper's call per value shows on a big form.
    return lambda value, _: (error if isinstance(value, _NUMBERS) and not isinstance(value, bool)
                             and value < limit else None)


def _too_large(label: Label, limit: float) -> Check:
    error = FieldError("too_large", label, (("limit", _number(limit)),))
    return lambda value, _: (error if isinstance(value, _NUMBERS) and not isinstance(value, bool)
                             and value > limit else None)


def _too_few_rows(label: Label, limit: int) -> Check:
    error = FieldError("too_few_rows", label, (("limit", limit),))
    return lambda rows, _: error if len(rows) < limit else None


def _too_many_rows(label: Label, limit: int) -> Check:
    error = FieldError("too_many_rows", label, (("limit", limit),))
    return lambda rows, _: error if len(rows) > limit else None


def _options(spec: FieldSpec, label: Label) -> Check:
    """A choice must be one of the options or of the codes of its catalog."""
    texts = frozenset(str(o.value) for o in spec.options)
    catalog_id, error = spec.options_from or "", FieldError("not_option", label)

    def check(value: Any, catalogs: Catalogs) -> FieldError | None:
        if not isinstance(value, list) and str(value) in texts:
            return None  # the common case, without asking the catalog
        catalog = catalogs.get(catalog_id)
        codes = catalog.codes() if catalog else frozenset()
        chosen = value if isinstance(value, list) else [value]
        return error if any(str(c) not in texts and str(c) not in codes for c in chosen) else None

    return check


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value
