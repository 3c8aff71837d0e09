"""Pair -> Argilla record, answer -> review verdict, and reading a run's or a release's pairs: no server needed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from curation.argilla import (
    ORDER_METADATA,
    Answer,
    ArgillaError,
    Preference,
    decision_note,
    first_side,
    is_release_ref,
    plan_pull,
    read_pairs,
    record_for_pair,
    run_oriented,
    verdict_for,
)
from curation.records_io import read_records
from curation.release import build_release, swap_pair
from curation.review import ReviewStore, Verdict
from curation.schema import ErrorType, Pair
from curation.workspace import Workspace
from tests.release.conftest import RunSpec, make_pair, make_pool, write_run

WEATHER_CHOSEN = (
    '<tool_call>\n{"name": "get_weather", "arguments": {"location": "Berlin", "unit": "celsius"}}\n</tool_call>'
)
WEATHER_REJECTED = (
    '<tool_call>\n{"name": "get_weather", "arguments": {"location": "Berlinx", "unit": "celsius"}}\n</tool_call>'
)


def weather_pair() -> Pair:
    """Task 0 of the fixtures: get_weather(location=Berlin, unit=celsius); the rejected side says "Berlinx", so
    one of the two arguments matches: similarity 0.5, margin 0.5, bin 5."""
    return make_pair(0, "glaive", ErrorType.wrong_param_value)


def test_a_pair_becomes_a_record_with_its_id_fields_metadata_and_suggestion() -> None:
    pair = weather_pair()
    record = record_for_pair(pair)
    assert record.id == pair.pair_id
    assert record.fields["context"] == "[User]\nWhat's the weather in Berlin right now, in celsius?"
    assert json.loads(record.fields["tools"]) == [
        {
            "name": "get_weather",
            "description": "Current weather for a city.",
            "parameters": {
                "type": "object",
                "properties": {
                    "location": {"type": "string"},
                    "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                },
                "required": ["location"],
            },
        }
    ]
    first = record.metadata[ORDER_METADATA]
    shown = {
        first: record.fields["response_1"],
        ("rejected" if first == "chosen" else "chosen"): record.fields["response_2"],
    }
    assert shown == {"chosen": WEATHER_CHOSEN, "rejected": WEATHER_REJECTED}
    assert {key: value for key, value in record.metadata.items() if key != ORDER_METADATA} == {
        "source": "glaive",
        "error_type": "wrong_param_value",
        "kind": "single",
        "intensity_bin": 5,
        "complexity": 3,
    }
    # The rule's suggestion is the response that shows the chosen (higher-similarity) side, scored by the margin.
    assert record.suggestion == (Preference.first if first == "chosen" else Preference.second)
    assert record.suggestion_score == 0.5


def test_which_side_comes_first_is_a_stable_seeded_coin_per_pair() -> None:
    pairs = make_pool(per_source=40)
    sides = [first_side(pair.pair_id) for pair in pairs]
    assert sides == [first_side(pair.pair_id) for pair in pairs]  # the same on every push
    assert 0.35 < sides.count("chosen") / len(sides) < 0.65  # 160 pairs: both orders, about evenly
    assert {record_for_pair(pair).metadata[ORDER_METADATA] for pair in pairs} == {"chosen", "rejected"}


def test_suggestion_follows_the_scores_and_a_missing_error_type_is_named() -> None:
    pair = weather_pair()
    first = first_side(pair.pair_id)
    chosen_label = Preference.first if first == "chosen" else Preference.second
    rejected_label = Preference.second if first == "chosen" else Preference.first
    # Swapped scores (a pair whose rejected side scored higher): the suggestion points at the rejected side.
    swapped_scores = pair.model_copy(update={"chosen_score": pair.rejected_score, "rejected_score": pair.chosen_score})
    record = record_for_pair(swapped_scores)
    assert (record.suggestion, record.suggestion_score) == (rejected_label, 0.5)
    even = pair.model_copy(update={"rejected_score": pair.chosen_score})
    assert (record_for_pair(even).suggestion, record_for_pair(even).suggestion_score) == (Preference.tie, 0.0)
    assert record_for_pair(pair).suggestion == chosen_label
    assert record_for_pair(pair.model_copy(update={"error_type": None})).metadata["error_type"] == "none"


# Every label, with Response 1 showing either side: the table of curation/argilla.py, written out.
VERDICTS = [
    ("1", "chosen", Verdict.accept),
    ("2", "chosen", Verdict.swap),
    ("1", "rejected", Verdict.swap),
    ("2", "rejected", Verdict.accept),
    ("tie", "chosen", Verdict.reject),
    ("tie", "rejected", Verdict.reject),
    ("both_bad", "chosen", Verdict.reject),
    ("both_bad", "rejected", Verdict.reject),
    ("unsure", "chosen", Verdict.flag),
    ("unsure", "rejected", Verdict.flag),
]


@pytest.mark.parametrize(("label", "first", "verdict"), VERDICTS)
def test_answers_map_to_verdicts(label: str, first: str, verdict: Verdict) -> None:
    assert verdict_for(label, first) == verdict


def test_unknown_labels_and_orders_are_refused_with_the_valid_values() -> None:
    with pytest.raises(ValueError, match=r"unknown preference 'better'.*1, 2, tie, both_bad, unsure"):
        verdict_for("better", "chosen")
    with pytest.raises(ValueError, match=r"response_1_side='left'.*chosen, rejected"):
        verdict_for("1", "left")


def test_notes_keep_the_reviewers_words_and_name_answers_the_verdict_hides() -> None:
    assert decision_note("1", "  fine  ") == "fine"
    assert decision_note("2", "") == ""
    assert decision_note("tie", "") == "[argilla: tie: equally good]"
    assert decision_note("both_bad", "wrong city") == "[argilla: both are wrong] wrong city"
    assert decision_note("unsure", "ask ops") == "[argilla: unsure: needs a second look] ask ops"


def test_plan_pull_skips_what_the_store_already_has_and_reports_what_it_cannot_use() -> None:
    answers = [
        Answer("p2", "bob", "tie", "", "chosen"),
        Answer("p1", "bob", "2", "", "chosen"),
        Answer("p1", "alice", "1", "ok", "chosen"),
        Answer("p3", "alice", "1", "", "rejected"),  # already alice's latest decision on p3: skipped
        Answer("p4", "alice", "1", "", "sideways"),
        Answer("p5", "alice", None, "only a note", "chosen"),
        Answer("p6", "", "1", "", "chosen"),
        Answer("p7", "alice", "both_bad", "", "chosen"),  # alice said reject before, but with another note
    ]
    last = {("p3", "alice"): ("swap", ""), ("p7", "alice"): ("reject", "old note"), ("p1", "carol"): ("accept", "")}
    plan = plan_pull(answers, last)
    assert plan.decisions == [
        ("p1", Verdict.accept, "ok", "alice"),
        ("p1", Verdict.swap, "", "bob"),
        ("p2", Verdict.reject, "[argilla: tie: equally good]", "bob"),
        ("p7", Verdict.reject, "[argilla: both are wrong]", "alice"),
    ]
    assert plan.unchanged == 1
    assert [(item.pair_id, item.reviewer) for item in plan.unusable] == [("p4", "alice"), ("p5", "alice"), ("p6", "")]
    assert "response_1_side='sideways'" in plan.unusable[0].reason
    assert "no answer to 'preference'" in plan.unusable[1].reason
    assert "no known Argilla user" in plan.unusable[2].reason
    assert plan.disagreements == {"p1": {"alice": "accept", "bob": "swap"}}


def test_release_refs_are_told_from_runs(tmp_path: Path) -> None:
    assert is_release_ref("toolpref@v1")
    assert not is_release_ref("demo")
    (tmp_path / "manifest.json").write_text("{}", encoding="utf-8")
    assert is_release_ref(str(tmp_path))
    assert not is_release_ref(str(tmp_path.parent))


def test_a_reviewed_swap_is_undone_before_pushing_a_release_pair() -> None:
    pair = weather_pair()
    released = swap_pair(pair)
    assert released.chosen == pair.rejected  # what a release holds after a swap decision
    assert run_oriented(released).chosen == pair.chosen
    assert run_oriented(released).rejected_score == pair.rejected_score
    assert run_oriented(pair) == pair


def test_read_pairs_of_a_run_and_of_a_release(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "ws")
    run_dir = write_run(workspace, make_pool(per_source=3), RunSpec(recipe="toy", target_size=10, validation_size=2))
    balanced = {pair.pair_id: pair for pair in read_records(next(run_dir.glob("*_balance-*")) / "data.parquet", Pair)}

    described, pairs = read_pairs(workspace, "toy")
    assert described == "run toy"
    assert {pair.pair_id: pair for pair in pairs} == balanced

    ids = sorted(balanced)
    with ReviewStore(workspace.review_db) as store:
        store.record(ids[0], Verdict.reject, reviewer="ada")
        store.record(ids[1], Verdict.swap, reviewer="ada")
    build_release(workspace, "toy", "rel", "v1", plots=False)
    described, pairs = read_pairs(workspace, "rel@v1")
    assert described == "release rel@v1"
    from_release = {pair.pair_id: pair for pair in pairs}
    assert set(from_release) == set(balanced) - {ids[0]}
    swapped = from_release[ids[1]]
    assert (swapped.chosen, swapped.rejected) == (balanced[ids[1]].chosen, balanced[ids[1]].rejected)
    assert from_release[ids[2]] == balanced[ids[2]]


def test_read_pairs_names_what_is_missing(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "ws")
    with pytest.raises(ArgillaError, match="no finished run"):
        read_pairs(workspace, "nothing")
    with pytest.raises(ArgillaError, match="no release rel@v9"):
        read_pairs(workspace, "rel@v9")
