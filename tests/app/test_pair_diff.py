"""Call-by-call differences between the chosen and the rejected turn of a pair."""

from __future__ import annotations

from app.pair_diff import ABSENT, Change, diff_calls, match_calls
from curation.schema import ToolCall


def call(name: str, **arguments: object) -> ToolCall:
    return ToolCall(name=name, arguments=arguments)


def changes(rows: list) -> list[tuple[str, str, str, str, Change]]:  # type: ignore[type-arg]
    return [(r.function, r.argument, r.chosen, r.rejected, r.change) for r in rows]


def test_changed_missing_and_extra_arguments() -> None:
    chosen = [call("send_email", to="a@x.org", subject="Hi", body="Noon?")]
    rejected = [call("send_email", to="b@x.org", body="Noon?", cc="c@x.org")]
    assert changes(diff_calls(chosen, rejected)) == [
        ("send_email", "to", '"a@x.org"', '"b@x.org"', Change.changed),
        ("send_email", "subject", '"Hi"', ABSENT, Change.missing),
        ("send_email", "body", '"Noon?"', '"Noon?"', Change.same),
        ("send_email", "cc", ABSENT, '"c@x.org"', Change.extra),
    ]


def test_a_number_of_another_type_is_a_change() -> None:
    rows = diff_calls([call("tip", bill=10, percent=15)], [call("tip", bill=10.0, percent="15")])
    assert [(r.argument, r.change) for r in rows] == [("bill", Change.changed), ("percent", Change.changed)]


def test_parallel_calls_match_regardless_of_order() -> None:
    chosen = [call("get_weather", location="Paris"), call("get_weather", location="Oslo"), call("get_time", zone="UTC")]
    rejected = [
        call("get_time", zone="UTC"),
        call("get_weather", location="Oslo"),
        call("get_weather", location="Lima"),
    ]
    assert match_calls(chosen, rejected) == [(0, 2), (1, 1), (2, 0)]
    differing = [r for r in diff_calls(chosen, rejected) if r.change is not Change.same]
    assert [(r.call, r.chosen, r.rejected) for r in differing] == [("1 ↔ 3", '"Paris"', '"Lima"')]


def test_a_wrong_function_name_is_matched_and_marked() -> None:
    rows = diff_calls([call("get_weather", location="Paris")], [call("get_wether", location="Paris")])
    assert changes(rows) == [
        ("get_weather → get_wether", "(function)", '"get_weather"', '"get_wether"', Change.renamed),
        ("get_weather → get_wether", "location", '"Paris"', '"Paris"', Change.same),
    ]


def test_missing_and_extra_calls() -> None:
    chosen = [call("a", x=1), call("b", y=2)]
    assert changes(diff_calls(chosen, [call("b", y=2)])) == [
        ("a", "(whole call)", '{"x": 1}', ABSENT, Change.call_missing),
        ("b", "y", "2", "2", Change.same),
    ]
    rows = diff_calls([call("a", x=1)], [call("a", x=1), call("a", x=1)])
    assert [(r.call, r.change) for r in rows] == [("1 ↔ 1", Change.same), ("– ↔ 2", Change.call_extra)]


def test_text_answers_have_no_rows() -> None:
    assert diff_calls([], []) == []
    assert [r.change for r in diff_calls([], [call("a")])] == [Change.call_extra]
