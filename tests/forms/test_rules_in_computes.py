"""A form's computes and conditions read its rule sets' results (`rules.<set>.<rule>`),
decided on the values at hand with the same logic a submit uses; a rule that cannot be
evaluated leaves the computed field empty and the failure names the rule."""

from runtime.definitions.spec import FormSpec, RuleSetSpec, from_data
from runtime.forms.state import form_state
from runtime.forms.validation import validate
from runtime.providers import default_field_types
from runtime.rulesets import RuleBook


def _form() -> FormSpec:
    spec = from_data({"kind": "Form", "id": "apply", "version": 1, "title": "申请", "fields": [
        {"id": "spend", "type": "integer", "label": "研发投入"},
        {"id": "staff", "type": "integer", "label": "人数"},
        {"id": "amount", "type": "decimal", "label": "补助金额", "compute": "rules.rd.amount"},
        {"id": "per_head", "type": "decimal", "label": "人均",
         "compute": "rules.rd.per_head"},
        {"id": "bank", "type": "text", "label": "收款账号",
         "visible_when": "rules.eligible"}]})
    assert isinstance(spec, FormSpec)
    return spec


def _book() -> RuleBook:
    spec = from_data({"kind": "RuleSet", "id": "rd", "version": 1, "title": "研发补助",
                      "form": "apply", "rules": [
                          {"id": "enough", "purpose": "eligibility",
                           "expression": "spend >= 1000000"},
                          {"id": "amount", "purpose": "compute",
                           "expression": "min(spend * 0.1, 500000)"},
                          {"id": "per_head", "purpose": "compute",
                           "expression": "spend / staff"}]})
    assert isinstance(spec, RuleSetSpec)
    return RuleBook((spec,))


FORM, BOOK = _form(), _book()


def test_a_compute_reads_a_rules_amount_with_its_cap() -> None:
    state = form_state(FORM, {"spend": 3200000, "staff": 10}, rules=BOOK)
    assert state.data["amount"] == 320000
    assert state.data["per_head"] == 320000
    assert state.fields["bank"].visible  # eligible: every gate holds
    capped = form_state(FORM, {"spend": 8000000, "staff": 10}, rules=BOOK)
    assert capped.data["amount"] == 500000


def test_a_condition_reads_whether_the_gates_hold() -> None:
    state = form_state(FORM, {"spend": 500000, "staff": 10}, rules=BOOK)
    assert not state.fields["bank"].visible
    assert state.data["amount"] == 50000


def test_a_rule_that_fails_leaves_the_field_empty_and_names_the_rule() -> None:
    state = form_state(FORM, {"spend": 3200000, "staff": 0}, rules=BOOK)
    assert state.data["per_head"] is None  # spend / 0: never a value
    assert state.data["amount"] == 320000  # the other rule still gives its value
    [failure] = [f for f in state.failures if f.path == "per_head"]
    assert "rd.per_head" in failure.error.message()
    assert "rd.per_head" in failure.error.message("en")


def test_without_the_rule_sets_the_compute_fails_closed() -> None:
    state = form_state(FORM, {"spend": 3200000, "staff": 10})
    assert state.data["amount"] is None
    assert not state.fields["bank"].visible


def test_a_submit_validates_on_the_same_rule_results() -> None:
    result = validate(FORM, {"spend": "3200000", "staff": "10", "bank": "622202"},
                      default_field_types(), rules=BOOK)
    assert result.ok, result.errors
    assert result.data["amount"] == 320000 and result.data["bank"] == "622202"
