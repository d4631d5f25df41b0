"""Rule sets decide: rules in the order they read each other, gates failing closed, values
with caps, decision tables read when needed, refusals listed at once without repeats, and
each result explained with its values and clauses."""

from runtime.definitions.spec import DecisionTableSpec, RuleSetSpec, from_data
from runtime.rulesets import decide_rules, with_rules


def ruleset(*rules: dict) -> RuleSetSpec:
    spec = from_data({"kind": "RuleSet", "id": "rd", "version": 1, "title": "研发补助",
                      "form": "apply", "rules": list(rules)})
    assert isinstance(spec, RuleSetSpec)
    return spec


RULES = ruleset(
    {"id": "total", "purpose": "eligibility", "expression": "enough and local",
     "title": "全部条件"},
    {"id": "enough", "purpose": "eligibility", "expression": "spend / staff >= 10000",
     "message": {"zh": "人均研发投入不足", "en": "Too little spend per head"}},
    {"id": "local", "purpose": "eligibility", "expression": "registered"},
    {"id": "amount", "purpose": "compute", "expression": "min(spend * 0.1, 500000)",
     "title": {"zh": "补助金额", "en": "Amount"}},
    {"id": "level", "purpose": "score", "expression": "decisions.grade.level"},
)
GRADE = from_data({"kind": "DecisionTable", "id": "grade", "version": 1, "title": "档次",
                   "form": "apply", "hit_policy": "unique", "outputs": [{"id": "level"}],
                   "rows": [{"when": "spend > 0", "then": {"level": "A"}},
                            {"when": "spend > 100", "then": {"level": "B"}}]})
assert isinstance(GRADE, DecisionTableSpec)


def test_values_with_caps_and_rules_read_in_dependency_order() -> None:
    outcome = decide_rules([RULES], {"spend": 8000000, "staff": 10, "registered": True})
    assert outcome.names() == {"eligible": True, "rd": {
        "enough": True, "local": True, "total": True, "amount": 500000, "level": None}}
    order = [r.rule.id for r in outcome.results]
    assert order.index("total") > max(order.index("enough"), order.index("local"))


def test_a_gate_that_cannot_be_evaluated_fails_closed_and_names_itself() -> None:
    outcome = decide_rules([RULES], {"spend": 8000000, "staff": 0, "registered": True})
    assert not outcome.eligible
    [refused] = outcome.refusals()  # 'total' reads 'enough': it is not listed again
    assert refused.rule.id == "enough"
    assert refused.notice() == "「enough」无法判断，不能通过（第 7 列：除数为零）"
    assert refused.notice("en") == ("'enough' could not be evaluated and does not pass "
                                    "(column 7: division by zero)")


def test_every_failing_gate_is_listed_once_in_the_applicants_words() -> None:
    outcome = decide_rules([RULES], {"spend": 1000, "staff": 10, "registered": None})
    assert [r.notice() for r in outcome.refusals()] == ["人均研发投入不足", "不符合「local」"]


def test_a_table_is_decided_only_for_the_rule_that_reads_it() -> None:
    outcome = decide_rules([RULES], {"spend": 50000, "staff": 1, "registered": True},
                           tables={"grade": GRADE})
    level = next(r for r in outcome.results if r.rule.id == "level")
    assert level.value is None and level.error is not None
    assert "决策表 'grade' 要求唯一命中" in level.error.message()
    assert outcome.eligible  # a value rule that fails refuses nothing; only its value is empty


def test_a_result_explains_itself_and_the_case_reads_the_stored_names() -> None:
    outcome = decide_rules([RULES], {"spend": 2000000, "staff": 10, "registered": True})
    amount = next(r for r in outcome.results if r.rule.id == "amount")
    assert amount.explain() == ["补助金额：结果：200000.0", "所用的值：spend = 2000000"]
    assert amount.explain("en") == ["Amount: result: 200000.0", "values used: spend = 2000000"]
    data = with_rules({"spend": 1}, outcome.stored())
    assert data["rules"]["rd"]["amount"] == 200000.0 and data["rules"]["eligible"] is True
