"""Golden tests of the ToolAlpaca adapter on our demo data (curation/demo_data/toolalpaca), and unit tests of its
tool building (OpenAPI parameters, request bodies, $ref, the Function_Description fallback).

Expected values are written out by hand from the demo files, never computed by the code under test.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from curation.schema import Reject, Trajectory
from curation.sources.base import RawRecord
from curation.sources.toolalpaca import ToolAlpacaAdapter, parse_action_input
from curation.sources.toolalpaca_tools import api_tools, resolve_refs

DEMO = Path(__file__).resolve().parents[2] / "curation" / "demo_data" / "toolalpaca"


@pytest.fixture(scope="module")
def demo() -> dict[str, Trajectory | Reject]:
    items = list(ToolAlpacaAdapter().read(DEMO))
    by_id = {item.id if isinstance(item, Trajectory) else item.record_id: item for item in items}
    assert len(by_id) == len(items)
    return by_id


def get(demo: dict[str, Trajectory | Reject], key: str) -> Trajectory:
    item = demo[f"toolalpaca:{key}"]
    assert isinstance(item, Trajectory), item
    return item


def shape(item: Trajectory) -> list[tuple[str, str, list[tuple[str, dict[str, Any]]]]]:
    return [(m.role, m.content, [(c.name, c.arguments) for c in m.tool_calls]) for m in item.messages]


def test_one_outcome_per_instruction(demo: dict[str, Trajectory | Reject]) -> None:
    assert len(demo) == 32  # 4 API entries x 8 instructions
    rejects = {item.record_id: item.reason for item in demo.values() if isinstance(item, Reject)}
    assert rejects == {
        "toolalpaca:train_data/Open Library/4": "generation failed upstream",
        "toolalpaca:train_data/Open Library/6": "bad Action_Input JSON",
        "toolalpaca:eval_simulated/Frankfurter/5": "Action_Input holds a placeholder",
        "toolalpaca:eval_simulated/Cat Facts/4": "bad Action_Input JSON",
    }
    error = demo["toolalpaca:train_data/Open Library/4"]
    assert isinstance(error, Reject) and error.detail.startswith("Could not parse LLM output")
    assert sum(isinstance(item, Trajectory) for item in demo.values()) == 28


def test_instance_with_thought_call_observation_and_answer(demo: dict[str, Trajectory | Reject]) -> None:
    item = get(demo, "train_data/Open Library/1")
    assert shape(item) == [
        ("user", "Who published the book with ISBN 9780140328721, and how many pages does it have?", []),
        (
            "assistant",
            "I can look the edition up directly by its ISBN.",
            [("getBookByISBN", {"isbn": "9780140328721"})],
        ),
        (
            "tool",
            'Status Code: 200. Response: {"title":"Fantastic Mr Fox","publishers":["Puffin"],'
            '"publish_date":"October 1, 1988","number_of_pages":96}',
            [],
        ),
        (
            "assistant",
            'ISBN 9780140328721 is "Fantastic Mr Fox", published by Puffin on October 1, 1988. It has 96 pages.',
            [],
        ),
    ]
    assert item.messages[2].name == "getBookByISBN"
    assert item.meta["final_thought"] == "I now know the final answer."
    assert item.subset == "train_data" and item.license == "Apache-2.0" and item.meta["api"] == "Open Library"


def test_hint_suffix_is_stripped(demo: dict[str, Trajectory | Reject]) -> None:
    assert get(demo, "train_data/Open Library/2").messages[0].content == (
        "List a few works by the author with Open Library ID OL23919A."
    )


def test_get_details_is_a_tool_with_the_users_reply(demo: dict[str, Trajectory | Reject]) -> None:
    item = get(demo, "train_data/Open Library/7")
    roles = [(m.role, m.name) for m in item.messages]
    assert roles == [
        ("user", None),
        ("assistant", None),
        ("tool", "getDetails"),
        ("assistant", None),
        ("tool", "searchBooks"),
        ("assistant", None),
    ]
    assert item.messages[2].content == "The Hobbit by J.R.R. Tolkien."
    assert item.tools[0].name == "getDetails"


def test_unset_arguments_are_dropped_and_noted(demo: dict[str, Trajectory | Reject]) -> None:
    item = get(demo, "train_data/Open Library/3")
    assert item.messages[1].tool_calls[0].arguments == {"q": "novel", "author": "Ursula K. Le Guin"}
    assert item.meta["dropped_unset_arguments"] == [{"step": 0, "arguments": ["limit"]}]
    golden = get(demo, "eval_simulated/Frankfurter/3")
    assert golden.messages[1].tool_calls[0].arguments == {"from": "GBP"}


def test_fenced_action_input_is_read(demo: dict[str, Trajectory | Reject]) -> None:
    item = get(demo, "train_data/Sunrise Sunset/2")
    assert item.messages[1].tool_calls[0].arguments == {"lat": 1.3521, "lng": 103.8198}
    assert item.meta["repaired_action_inputs"] == [0]


def test_invented_user_turns_are_cut(demo: dict[str, Trajectory | Reject]) -> None:
    in_output = get(demo, "train_data/Sunrise Sunset/3")
    assert in_output.messages[-1].content == "On 21 December 2024 the sun sets in Denver at 4:39 PM."
    assert in_output.meta["cut_invented_user_turn"] == "in the output"
    in_thought = get(demo, "train_data/Sunrise Sunset/6")
    assert [m.role for m in in_thought.messages] == ["user", "assistant", "tool", "assistant"]
    assert in_thought.messages[-1].content == "On 2 April 2024 the sun rises in Tokyo at 5:29 AM."
    assert in_thought.meta["cut_invented_user_turn"] == "at step 1 of 2"


def test_instance_without_steps_is_a_text_answer(demo: dict[str, Trajectory | Reject]) -> None:
    item = get(demo, "train_data/Sunrise Sunset/4")
    assert [m.role for m in item.messages] == ["user", "assistant"]
    assert item.messages[1].tool_calls == () and item.messages[1].content.startswith("Civil twilight is")


def test_golden_answers_are_one_turn_of_calls(demo: dict[str, Trajectory | Reject]) -> None:
    item = get(demo, "eval_simulated/Frankfurter/4")
    assert shape(item) == [
        ("user", "How much is 50 pounds in dollars right now, and what was the rate on New Year's Day 2023?", []),
        (
            "assistant",
            "",
            [
                ("convertCurrency", {"amount": 50, "from": "GBP", "to": "USD"}),
                ("getHistoricalRates", {"date": "2023-01-01", "from": "GBP", "to": "USD"}),
            ],
        ),
    ]
    assert item.meta["golden_steps"] == 2
    optional = get(demo, "eval_simulated/Frankfurter/7")
    assert [c.name for c in optional.messages[1].tool_calls] == ["convertCurrency", "getLatestRates"]
    assert optional.meta["optional_steps"] == [1]
    assert get(demo, "eval_simulated/Cat Facts/0").messages[1].tool_calls[0].arguments == {}
    ask = get(demo, "eval_simulated/Frankfurter/6").messages[1].tool_calls[0]
    assert ask.name == "getDetails" and ask.arguments["Question"].startswith("How much money")


def test_tools_from_openapi_with_request_body(demo: dict[str, Trajectory | Reject]) -> None:
    tools = {tool.name: tool for tool in get(demo, "eval_simulated/Frankfurter/0").tools}
    assert list(tools) == ["getDetails", "getLatestRates", "convertCurrency", "getHistoricalRates"]
    convert = tools["convertCurrency"].parameters
    assert convert["required"] == ["amount", "from", "to"]
    assert convert["properties"]["amount"] == {"type": "number", "description": "The amount to convert"}
    latest = tools["getLatestRates"].parameters
    assert latest["required"] == [] and set(latest["properties"]) == {"from", "to"}
    assert tools["getHistoricalRates"].parameters["required"] == ["date"]  # a path parameter
    assert tools["getLatestRates"].description.startswith("Get the latest exchange rates for a base currency.\nOutput:")
    sun = {tool.name: tool for tool in get(demo, "train_data/Sunrise Sunset/0").tools}
    assert sun["getSunTimes"].parameters["properties"]["formatted"]["enum"] == [0, 1]


# -- tool building from a copy of a demo entry -------------------------------------------------------------------


def _entry(name: str = "Open Library") -> dict[str, Any]:
    entries = json.loads((DEMO / "train_data.json").read_text())
    return dict(next(entry for entry in entries if entry["Name"] == name))


def test_function_description_fallback_when_the_spec_is_unreadable() -> None:
    entry = _entry()
    entry["Documentation"] = '{"openapi": "3.0.0", "paths": '  # truncated
    tools = {tool.name: tool for tool in api_tools(entry)}
    search = tools["searchBooks"].parameters
    assert search["required"] == ["q"]
    assert search["properties"]["q"] == {
        "type": "string",
        "description": "Free-text query: title words, subject or keywords.",
    }
    assert search["properties"]["limit"]["type"] == "integer"
    sun = _entry("Sunrise Sunset")
    sun["Documentation"] = "not json"
    formatted = {t.name: t for t in api_tools(sun)}["getSunTimes"].parameters["properties"]["formatted"]
    assert formatted["enum"] == ["0", "1"] and formatted["type"] == "integer"


def test_unreadable_tools_reject_every_instruction() -> None:
    entry = _entry()
    entry["Documentation"] = "not json"
    entry["Function_Description"] = {"searchBooks": "Search books.\nParameters: {broken\nOutput: x", "components": ""}
    raw = RawRecord("train_data:0", entry, "")
    results = list(ToolAlpacaAdapter().convert_safely(raw))
    assert len(results) == 8
    assert {item.reason for item in results if isinstance(item, Reject)} == {"unreadable tool documentation"}


def test_extra_answers_and_missing_instances_are_counted() -> None:
    entry = _entry()
    entry["Instructions"] = [*entry["Instructions"][:6], "An instruction without an instance.", "Another."]
    entry["Instances"] = entry["Instances"][:7]
    results = list(ToolAlpacaAdapter().convert_safely(RawRecord("train_data:0", entry, "")))
    assert len(results) == 8
    last = results[-1]
    assert isinstance(last, Reject) and last.reason == "no answer for instruction"
    entry["Instructions"] = entry["Instructions"][:5]
    results = list(ToolAlpacaAdapter().convert_safely(RawRecord("train_data:0", entry, "")))
    assert len(results) == 7  # 5 instructions + 2 instances without an instruction
    assert [item.reason for item in results[5:] if isinstance(item, Reject)] == ["answer without instruction"] * 2


def test_entry_level_problems() -> None:
    adapter = ToolAlpacaAdapter()
    (not_entry,) = adapter.convert_safely(RawRecord("f:0", ["x"], '["x"]'))
    assert isinstance(not_entry, Reject) and not_entry.reason == "not an API entry"
    (no_instructions,) = adapter.convert_safely(RawRecord("f:1", {"Name": "X"}, "{}"))
    assert isinstance(no_instructions, Reject) and no_instructions.reason == "no instructions"
    entry = _entry()
    entry["Instances"] = "none"
    results = list(adapter.convert_safely(RawRecord("f:2", entry, "")))
    assert len(results) == 8 and {r.reason for r in results if isinstance(r, Reject)} == {"bad Instances"}


def test_external_tools_are_added() -> None:
    entry = _entry("Sunrise Sunset")
    entry["external_tools"] = ["retrieval", "datetime", "unknown"]
    assert [tool.name for tool in api_tools(entry)] == [
        "getDetails",
        "getSunTimes",
        "getGoldenHour",
        "retrievalDataFromFile",
        "getCurrentDateTime",
    ]


def test_refs_are_resolved_and_cycles_end() -> None:
    spec = {
        "paths": {},
        "components": {
            "schemas": {
                "Money": {
                    "type": "object",
                    "properties": {"amount": {"type": "number"}, "currency": {"$ref": "#/components/schemas/Code"}},
                },
                "Code": {"type": "string", "description": "ISO 4217"},
                "Loop": {"$ref": "#/components/schemas/Loop"},
            }
        },
    }
    assert resolve_refs({"$ref": "#/components/schemas/Money"}, spec) == {
        "type": "object",
        "properties": {"amount": {"type": "number"}, "currency": {"type": "string", "description": "ISO 4217"}},
    }
    assert resolve_refs({"$ref": "#/components/schemas/Loop", "description": "d"}, spec) == {"description": "d"}
    assert resolve_refs({"$ref": "https://example.com/x.json"}, spec) == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{}", {}),
        ('{"a": 1}', {"a": 1}),
        ('```json\n{"a": [1, 2]}\n```', {"a": [1, 2]}),
        ('{"animeId": 1535} (animeId for "Death Note")', {"animeId": 1535}),
        ({"a": 1}, {"a": 1}),
    ],
)
def test_parse_action_input_accepts(text: Any, expected: dict[str, Any]) -> None:
    assert parse_action_input(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"animeId": ${animeId from searchAnime}}', "Action_Input holds a placeholder"),
        ("{'limit': 3}", "bad Action_Input JSON"),
        ("", "bad Action_Input JSON"),
        ("[1, 2]", "bad Action_Input"),
        ('{"x": NaN}', "bad Action_Input JSON"),
        (None, "bad Action_Input"),
    ],
)
def test_parse_action_input_rejects(text: Any, reason: str) -> None:
    from curation.sources.base import SourceError

    with pytest.raises(SourceError) as raised:
        parse_action_input(text)
    assert raised.value.reason == reason


def test_registered_as_a_source() -> None:
    from curation.registry import sources

    try:
        registered = sources.get("toolalpaca")
    except ImportError as error:  # another adapter module of the registry is not written yet
        pytest.skip(f"the source registry cannot load all adapters yet: {error}")
    assert registered is ToolAlpacaAdapter and ToolAlpacaAdapter.license == "Apache-2.0"
