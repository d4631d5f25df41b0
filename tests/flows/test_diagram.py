"""The designer's process diagram: boxes in columns by depth, and the marks on steps that
can never start, sit on a cycle, loop without bound or carry a checker problem."""

from __future__ import annotations

from runtime.flows.diagram import BOX_WIDTH, GAP_X, draw


def _codes(diagram):
    return {b.id: [m.code for m in b.marks] for b in diagram.boxes if b.marks}


def test_steps_stand_right_of_what_they_come_after_and_parallel_ones_share_a_column():
    diagram = draw([{"id": "a", "task": "t"}, {"id": "b", "task": "t", "after": ["a"]},
                    {"id": "c", "task": "t", "after": ["a"]},
                    {"id": "d", "task": "t", "after": ["b", "c"]}])
    x = {b.id: b.x for b in diagram.boxes}
    assert x["b"] == x["c"] == x["a"] + BOX_WIDTH + GAP_X < x["d"]
    assert {(a.source, a.target) for a in diagram.arrows} == {
        ("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")}
    assert _codes(diagram) == {}
    assert diagram.width >= x["d"] + BOX_WIDTH


def test_a_cycle_marks_its_steps_and_what_waits_on_it_can_never_start():
    diagram = draw([{"id": "a", "task": "t", "after": ["b"]},
                    {"id": "b", "task": "t", "after": ["a"]},
                    {"id": "c", "task": "t", "after": ["b"]},
                    {"id": "d", "task": "t"}])
    assert _codes(diagram) == {"a": ["cycle"], "b": ["cycle"], "c": ["unreachable"]}
    (mark,) = next(b for b in diagram.boxes if b.id == "c").marks
    assert mark.message("en") == ("this step can never start: the step it comes after, 'b', "
                                  "never ends")


def test_a_join_of_any_starts_if_one_step_before_it_can_end():
    steps = [{"id": "a", "task": "t", "after": ["ghost"]}, {"id": "b", "task": "t"},
             {"id": "c", "task": "t", "after": ["a", "b"], "join": "any"},
             {"id": "d", "task": "t", "after": ["a", "b"], "join": {"at_least": 2}}]
    diagram = draw(steps)
    assert _codes(diagram) == {"a": ["unreachable"], "d": ["unreachable"]}
    d = next(b for b in diagram.boxes if b.id == "d")
    assert "only 1 can be" in d.marks[0].message("en")


def test_a_route_back_without_max_is_an_unbounded_loop_and_draws_a_back_arrow():
    diagram = draw([{"id": "a", "task": "t"},
                    {"id": "b", "task": "t", "after": ["a"],
                     "routes": [{"to": "a", "when": "x"}, {"to": "a", "when": "y", "max": 2}]}])
    assert _codes(diagram) == {"b": ["unbounded_loop"]}
    assert [a.kind for a in diagram.arrows].count("route") == 2


def test_a_checker_problem_inside_a_step_is_marked_on_that_step():
    diagram = draw([{"id": "a", "task": "t"}, {"id": "b", "task": "t"}],
                   [("steps[1].when", "未知名称", "unknown name"), ("start_form", "x", "x")])
    assert _codes(diagram) == {"b": ["problem"]}


def test_a_step_without_an_id_is_left_out_rather_than_breaking_the_drawing():
    diagram = draw([{"task": "t"}, {"id": "a", "task": "t", "after": "notalist"}])
    assert [b.id for b in diagram.boxes] == ["a"]
