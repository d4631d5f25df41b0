"""Rule sets (规则集) decided on a form's data: every rule in the order the rules read each
other, gates (validation, eligibility) failing closed, computes giving values, and each
result able to explain itself clause by clause (the rule, the values it read, the policy
clause it applies).

Pure: no I/O, no flask, no sqlalchemy. What expressions read of the results is `rules`:
`rules.eligible` (every gate of every set holds) and `rules.<set>.<rule>`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from graphlib import TopologicalSorter
from typing import Any

from runtime.decisions import decided
from runtime.definitions.checks.namespaces import ELIGIBLE
from runtime.definitions.spec import (
    BasisSpec,
    CatalogSpec,
    DecisionTableSpec,
    RuleSetSpec,
    RuleSpec,
)
from runtime.expressions import ExpressionError, ExpressionRuntimeError, compile_expression
from runtime.expressions.values import Lazy
from runtime.i18n import Catalogue, Label

Masks = Mapping[str, Callable[[Any], Any]]  # field id -> how its personal number is shown

MESSAGES = Catalogue({
    "not_met": ("不符合「{rule}」", "'{rule}' is not met"),
    "failed": ("「{rule}」无法判断，不能通过（{reason}）",
               "'{rule}' could not be evaluated and does not pass ({reason_en})"),
    "basis": ("依据：{clauses}", "basis: {clauses}"),
    "clause": ("《{item}》第 {clause} 条：{text}", "{item}, clause {clause}: {text}"),
    "document": ("《{item}》", "{item}"),
    "line": ("{title}：{text}", "{title}: {text}"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "used": ("所用的值：{values}", "values used: {values}"),
    "result": ("结果：{value}", "result: {value}"),
    "passed": ("符合", "met"),
    "not_passed": ("不符合", "not met"),
})


@dataclass(frozen=True)
class Clause:
    """A policy clause a rule cites, with its text from the catalog (when found)."""

    catalog: str
    item: str
    clause: str
    item_label: Label
    text: Label

    def describe(self, lang: str = "zh") -> str:
        if not self.clause:
            return MESSAGES.format("document", lang, item=self.item_label.text(lang))
        return MESSAGES.format("clause", lang, item=self.item_label.text(lang),
                               clause=self.clause, text=self.text.text(lang))


@dataclass(frozen=True)
class Result:
    """One rule decided: its value (None when it failed), the values it read, the clauses it
    cites, and the error when it could not be evaluated."""

    ruleset: str
    rule: RuleSpec
    value: Any
    used: Mapping[str, Any]
    basis: tuple[Clause, ...]
    error: ExpressionError | None = None
    applicant: bool = False  # its set shows the results to the applicant (show_applicant)

    @property
    def passed(self) -> bool:
        """A gate holds only when it was evaluated and is true; a value rule always passes."""
        return not self.rule.gate or (self.error is None and bool(self.value))

    def title(self, lang: str = "zh") -> str:
        return self.rule.title.text(lang) if self.rule.title else self.rule.id

    def notice(self, lang: str = "zh") -> str:
        """What the applicant reads when the gate fails: the rule's own words (or its
        title), why it could not be evaluated if so, and the clauses it applies."""
        if self.error is not None:
            text = MESSAGES.format("failed", lang, rule=self.title(lang),
                                   reason=self.error.message(),
                                   reason_en=self.error.message("en"))
        elif self.rule.message is not None:
            text = self.rule.message.text(lang)
        else:
            text = MESSAGES.format("not_met", lang, rule=self.title(lang))
        if self.basis:
            clauses = "; ".join(c.describe(lang) for c in self.basis)
            basis = MESSAGES.format("basis", lang, clauses=clauses)
            text += f" ({basis})" if lang == "en" else f"（{basis}）"
        return text

    def explain(self, lang: str = "zh") -> list[str]:
        """The result clause by clause: rule and result, the values read, the basis."""
        if self.rule.gate and self.error is None:
            value = MESSAGES.format("passed" if self.passed else "not_passed", lang)
        elif self.error is not None:
            value = self.error.message(lang)
        else:
            value = _shown(self.value, lang)
        lines = [MESSAGES.format("line", lang, title=self.title(lang),
                                 text=MESSAGES.format("result", lang, value=value))]
        if self.used:
            values = ", ".join(f"{k} = {_shown(v, lang)}" for k, v in self.used.items())
            lines.append(MESSAGES.format("used", lang, values=values))
        lines.extend(MESSAGES.format("basis", lang, clauses=c.describe(lang))
                     for c in self.basis)
        return lines

    def stored(self) -> dict[str, Any]:
        """The result as JSON, kept with the submission (and so with its case)."""
        return {"ruleset": self.ruleset, "rule": self.rule.id, "purpose": self.rule.purpose,
                "value": _json(self.value), "passed": self.passed, "applicant": self.applicant,
                "used": {k: _json(v) for k, v in self.used.items()},
                "explain": {lang: self.explain(lang) for lang in ("zh", "en")},
                "notice": None if self.passed else {lang: self.notice(lang)
                                                    for lang in ("zh", "en")}}


@dataclass(frozen=True)
class Outcome:
    """Every rule of every set decided on one submission's data."""

    results: tuple[Result, ...]

    @property
    def eligible(self) -> bool:
        return all(r.passed for r in self.results)

    def names(self) -> dict[str, Any]:
        """What expressions read as `rules`: `eligible`, and each set's values by rule id."""
        values: dict[str, Any] = {ELIGIBLE: self.eligible}
        for result in self.results:
            values.setdefault(result.ruleset, {})[result.rule.id] = _json(result.value)
        return values

    def refusals(self) -> list[Result]:
        """The failing gates to tell the applicant, all at once (一次性告知): each that does
        not merely repeat another failing gate it reads (`eligible: a and b` when `a` fails)."""
        failing = {(r.ruleset, r.rule.id) for r in self.results if not r.passed}
        return [r for r in self.results if not r.passed and not any(
            (r.ruleset, name) in failing for name in _reads(r.rule))]

    def stored(self) -> dict[str, Any]:
        return {"names": self.names(), "results": [r.stored() for r in self.results]}


@dataclass(frozen=True)
class RuleBook:
    """The rule sets on one form's data, the tables they may read, and the catalogs whose
    clauses they cite: what a submit of that form decides."""

    rulesets: tuple[RuleSetSpec, ...] = ()
    tables: Mapping[str, DecisionTableSpec] = field(default_factory=dict)
    catalogs: Mapping[str, CatalogSpec] = field(default_factory=dict)

    @property
    def gates(self) -> bool:
        """Whether a failing rule refuses the submission (a set with `gate: submission`)."""
        return any(s.gate == "submission" for s in self.rulesets)

    def decide(self, data: Mapping[str, Any], masks: Masks | None = None) -> Outcome:
        return decide_rules(self.rulesets, data, tables=self.tables, catalogs=self.catalogs,
                            masks=masks)

    def refusals(self, outcome: Outcome) -> list[Result]:
        """The failing gates of the sets that gate the submission."""
        gating = {s.id for s in self.rulesets if s.gate == "submission"}
        return [r for r in outcome.refusals() if r.ruleset in gating]


def read_rules(scope: Mapping[str, Any], reads: frozenset[str],
               book: RuleBook | None) -> Mapping[str, Any]:
    """`scope`, with `rules` added when an expression that `reads` those names needs it (a
    form's compute, visible or required condition): the form's rule sets decided on the
    values at hand, with the same logic a submit uses. A rule that cannot be evaluated fails
    only the expressions that read it, with an error naming the rule (fail closed)."""
    if book is None or not book.rulesets or "rules" not in reads:
        return scope
    found: dict[str, Outcome] = {}

    def outcome() -> Outcome:
        if "o" not in found:
            found["o"] = book.decide(scope)
        return found["o"]

    def one_set(set_id: str) -> Any:
        if set_id == ELIGIBLE:
            failed = [r for r in outcome().results if r.error is not None and r.rule.gate]
            if failed:
                raise _rule_failed(failed[0])
            return outcome().eligible
        results = {r.rule.id: r for r in outcome().results if r.ruleset == set_id}

        def value(rule_id: str) -> Any:
            result = results[rule_id]
            if result.error is not None:
                raise _rule_failed(result)
            return _json(result.value)
        return Lazy(results, value)
    return {**scope, "rules": Lazy((ELIGIBLE, *(s.id for s in book.rulesets)), one_set)}


def _rule_failed(result: Result) -> ExpressionRuntimeError:
    error = result.error
    assert error is not None
    return ExpressionRuntimeError("rule_failed", rule=f"{result.ruleset}.{result.rule.id}",
                                  reason=error.message(), reason_en=error.message("en"))


def with_rules(data: Mapping[str, Any], stored: Mapping[str, Any] | None) -> dict[str, Any]:
    """A case's data: the submission's, with its stored rule results readable as `rules`."""
    return {**data, "rules": stored["names"]} if stored else dict(data)


def decide_rules(rulesets: Iterable[RuleSetSpec], data: Mapping[str, Any], *,
                 tables: Mapping[str, DecisionTableSpec] | None = None,
                 catalogs: Mapping[str, CatalogSpec] | None = None,
                 masks: Masks | None = None) -> Outcome:
    """Every rule of `rulesets` on `data` (a form's validated data); `tables` are what the
    rules read as `decisions`, `catalogs` give the cited clauses' texts, `masks` hide the
    personal numbers among the values a result shows it used (by field id)."""
    results: list[Result] = []
    for ruleset in rulesets:
        results.extend(_decide_set(ruleset, data, tables or {}, catalogs or {}, masks or {}))
    return Outcome(tuple(results))


def _decide_set(ruleset: RuleSetSpec, data: Mapping[str, Any],
                tables: Mapping[str, DecisionTableSpec],
                catalogs: Mapping[str, CatalogSpec], masks: Masks) -> list[Result]:
    scope: dict[str, Any] = {**data, "decisions": decided(tables, data)}
    by_id = {rule.id: rule for rule in ruleset.rules}
    results = []
    for rule_id in _in_order(ruleset.rules):
        result = _decide(ruleset.id, by_id[rule_id], scope, catalogs, masks)
        if ruleset.show_applicant:
            result = replace(result, applicant=True)
        scope[rule_id] = result.value
        results.append(result)
    return results


def _decide(ruleset_id: str, rule: RuleSpec, scope: Mapping[str, Any],
            catalogs: Mapping[str, CatalogSpec], masks: Masks) -> Result:
    basis = tuple(_clauses(rule.basis, catalogs))
    used = {name: _masked(masks, name, scope.get(name)) for name in sorted(_reads(rule))
            if name != "decisions"}
    try:
        value = compile_expression(rule.expression).evaluate(scope)
    except ExpressionError as error:
        error.__traceback__ = None
        return Result(ruleset_id, rule, None, used, basis, error)
    return Result(ruleset_id, rule, value, used, basis)


def _masked(masks: Masks, name: str, value: Any) -> Any:
    mask = masks.get(name)
    return mask(value) if mask is not None and value not in (None, "") else value


def _in_order(rules: tuple[RuleSpec, ...]) -> list[str]:
    """Rule ids after the rules they read (the checker refuses cycles); in written order
    where the rules do not read each other."""
    ids = [rule.id for rule in rules]
    graph = {rule.id: _reads(rule) & set(ids) for rule in rules}
    sorter = TopologicalSorter(graph)
    sorter.prepare()
    order: list[str] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready(), key=ids.index)
        order.extend(ready)
        sorter.done(*ready)
    return order


def _reads(rule: RuleSpec) -> frozenset[str]:
    try:
        return compile_expression(rule.expression).names
    except ExpressionError:
        return frozenset()


def _clauses(basis: tuple[BasisSpec, ...],
             catalogs: Mapping[str, CatalogSpec]) -> Iterable[Clause]:
    for cited in basis:
        catalog = catalogs.get(cited.catalog)
        entry = next((i for i in catalog.items if i.code == cited.item), None) \
            if catalog else None
        label = entry.label if entry else Label(cited.item)
        texts = {c.code: c.text for c in entry.clauses} if entry else {}
        for code in cited.clauses or ("",):
            yield Clause(cited.catalog, cited.item, code, label, texts.get(code, Label("")))


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _shown(value: Any, lang: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return MESSAGES.format("yes" if value else "no", lang)
    return str(_json(value))
