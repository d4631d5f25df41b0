"""Warnings: said by the checker, naming what to look at, without refusing the pack."""

from runtime.packs import PackSource, check_pack

PACK = "kind: Pack\nid: case\nversion: 1\nformat: 1\ntitle: 测试包\n"
FORM = """kind: Form
id: apply
version: 1
title: 申请
fields:
  - {id: spend, type: money, label: 研发投入}
  - {id: secret, type: money, label: 内部值, visible_when: "false"}
  - {id: kept, type: money, label: 保留值, visible_when: "false", keep_hidden: true}
  - id: later
    type: section
    label: 以后
    visible_when: "False"
    fields:
      - {id: staff, type: integer, label: 人数}
"""
RULES = """kind: RuleSet
id: rd
version: 1
title: 研发补助
form: apply
rules:
  - {id: enough, purpose: eligibility, expression: "spend >= 1000000"}
  - {id: per_head, purpose: compute, expression: "spend / staff"}
  - {id: inner, purpose: eligibility, expression: "secret > 0 and kept > 0"}
"""


def check(form: str = FORM) -> list[tuple[str, str, str]]:
    result = check_pack(PackSource("case", {"pack.yaml": PACK.encode(),
                                            "forms/apply.yaml": form.encode(),
                                            "rules/rd.yaml": RULES.encode()}))
    assert result.ok, [p.render() for p in result.problems]  # a warning refuses nothing
    assert all(w.warning and w.as_dict()["warning"] for w in result.warnings)
    return [(w.code, w.path, w.message("zh") + " | " + w.message("en"))
            for w in result.warnings]


def test_a_rule_reading_an_always_hidden_field_is_warned_of_naming_rule_and_field() -> None:
    found = check()
    assert [(code, path) for code, path, _ in found] == [
        ("rule_reads_hidden", "rules[1].expression"),
        ("rule_reads_hidden", "rules[2].expression")]
    assert "'per_head'" in found[0][2] and "'staff'" in found[0][2]  # in a hidden section
    assert "'inner'" in found[1][2] and "'secret'" in found[1][2]
    assert "kept" not in found[1][2]  # it keeps its value while hidden


def test_a_field_hidden_only_sometimes_is_not_warned_of() -> None:
    sometimes = FORM.replace('visible_when: "false"}', 'visible_when: "spend > 0"}').replace(
        'visible_when: "False"', 'visible_when: "spend > 0"')
    assert check(sometimes) == []
