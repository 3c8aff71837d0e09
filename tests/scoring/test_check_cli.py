"""`toolpref check --bfcl DIR --outputs FILE.jsonl`, run through the real CLI on the shared BFCL v4 sample, and the
ground truth of every BFCL record in ../shared/sources scored exact with similarity 1.0."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from curation.cli import app
from curation.schema import Reject
from curation.scoring.answers import expected_from_calls
from curation.scoring.bfcl_scoring import language_of
from curation.scoring.check import CheckOptions, check_calls
from curation.scoring.parse import parse_response
from curation.scoring.similarity import toolrm_similarity
from curation.sources.bfcl import BfclRecord, ground_truth_calls, load_bfcl, parse_call_string

REPO = Path(__file__).resolve().parents[2]
SHARED_BFCL = REPO.parent / "shared" / "sources" / "bfcl"
V4 = SHARED_BFCL / "v4"

pytestmark = pytest.mark.skipif(not V4.is_dir(), reason=f"the shared BFCL sample is not beside the repo ({V4})")


def run_check(tmp_path: Path, lines: list[Any], *extra: str) -> tuple[int, list[dict[str, Any]], str]:
    outputs = tmp_path / "outputs.jsonl"
    outputs.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines))
    out = tmp_path / "scores.jsonl"
    result = CliRunner().invoke(app, ["check", "--bfcl", str(V4), "--outputs", str(outputs), "--out", str(out), *extra])
    scores = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    return result.exit_code, scores, result.output


def test_scores_outputs_of_every_kind(tmp_path: Path) -> None:
    lines = [
        # decoded form, right (int given for the float acceleration)
        {
            "id": "simple_python_28",
            "output": [{"calculate_displacement": {"initial_velocity": 10, "time": 5, "acceleration": 9.8}}],
        },
        # raw text, wrong value
        {
            "id": "simple_python_66",
            "text": "[ecology_data.precipitation_stats(location='Amazon rainforest', time_frame='one_year')]",
        },
        # parallel in the other order, as Hermes text with reasoning
        {
            "id": "parallel_4",
            "text": "<think>two people</think>"
            '<tool_call>{"name": "calculate_bmi", "arguments": {"height": 5.6, "weight": 60}}</tool_call>'
            '<tool_call>{"name": "calculate_bmi", "arguments": {"height": 6.0, "weight": 80}}</tool_call>',
        },
        # unparsable text
        {"id": "parallel_4", "text": '<tool_call>{"name": "calculate_bmi"'},
        # irrelevance: a text answer is right, a call is not
        {"id": "irrelevance_18", "text": "I cannot compute that with these tools."},
        {"id": "irrelevance_18", "output": [{"some_tool": {}}]},
        # live_relevance: any call
        {"id": "live_relevance_0-0-0", "text": "Sorry, no."},
        # JavaScript, BFCL's decoded source text
        {
            "id": "simple_javascript_14",
            "output": [
                {
                    "chartDataAccessorFactory": {
                        "chart": "{nm: 'BarChart', mn: 'chartModule'}",
                        "library": "visualizationLibrary",
                        "configObject": "config",
                    }
                }
            ],
        },
        # multi-turn: one text per turn, positional arguments allowed as BFCL runs these as Python
        {
            "id": "multi_turn_base_21",
            "text": [
                "[echo(content='To be discussed', file_name='ProjectOverview.txt')]",
                "[diff('ProjectOverview.txt', 'Draft.txt')]",
                "[post_tweet(content='Initial summary of the project. To be discussed.', tags=['#ProjectUpdate'], "
                "mentions=['@manager', '@team_lead']), "
                "authenticate_twitter(username='tech_guru', password='securePass123')]",
            ],
        },
        {"id": "multi_turn_base_21", "output": [[], [], []]},
    ]
    code, scores, output = run_check(tmp_path, lines)
    assert code == 0, output
    table = [(s["id"], s["category"], s["exact"], s["error_type"]) for s in scores]
    assert table == [
        ("simple_python_28", "simple_python", True, None),
        ("simple_python_66", "simple_python", False, "wrong_param_value"),
        ("parallel_4", "parallel", True, None),
        ("parallel_4", "parallel", False, "parse_error"),
        ("irrelevance_18", "irrelevance", True, None),
        ("irrelevance_18", "irrelevance", False, "unexpected_call"),
        ("live_relevance_0-0-0", "live_relevance", False, "missing_call"),
        ("simple_javascript_14", "simple_javascript", True, None),
        ("multi_turn_base_21", "multi_turn_base", True, None),
        ("multi_turn_base_21", "multi_turn_base", False, "missing_call"),
    ]
    assert scores[0]["similarity"] == 1.0
    assert scores[1]["similarity"] == 0.5
    assert "time_frame" in scores[1]["detail"]
    assert scores[-1]["detail"].startswith("turn 0:")
    assert set(scores[0]) == {"id", "category", "exact", "error_type", "similarity", "detail"}
    # the summary table goes to stderr (mixed into the runner's output here)
    assert "simple_python" in output and "accuracy" in output


def test_bad_lines_are_reported_not_fatal(tmp_path: Path) -> None:
    lines = [
        "not json at all",
        {"no_id": 1},
        {"id": "simple_python_999999", "text": "f(a=1)"},
        {"id": "simple_python_28"},
        {"id": "simple_python_28", "output": {"calculate_displacement": {}}},
        {"id": "memory_45-healthcare-15", "text": "It is 42."},
        {"id": "multi_turn_base_21", "output": [{"echo": {}}]},
        {
            "id": "simple_python_28",
            "output": [{"calculate_displacement": {"initial_velocity": 10, "time": 5, "acceleration": 9.8}}],
        },
    ]
    code, scores, output = run_check(tmp_path, lines)
    assert code == 1
    assert [s["id"] for s in scores] == ["multi_turn_base_21", "simple_python_28"]
    assert scores[0]["error_type"] == "wrong_call_count"  # one entry for three turns
    for expected in (
        "outputs.jsonl:1: not JSON",
        "outputs.jsonl:2: a line is a JSON object with a string 'id'",
        "unknown id 'simple_python_999999'",
        "exactly one of 'output'",
        "must be a list of calls",
        "memory is scored on the final answer text",
        "6 line(s) not scored",
    ):
        assert expected in " ".join(output.split()), expected


def test_missing_inputs_exit_with_a_message(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["check", "--bfcl", str(V4), "--outputs", str(tmp_path / "none.jsonl")])
    assert result.exit_code == 2 and "no such file" in result.output
    outputs = tmp_path / "o.jsonl"
    outputs.write_text("")
    result = CliRunner().invoke(app, ["check", "--bfcl", str(tmp_path / "nowhere"), "--outputs", str(outputs)])
    assert result.exit_code == 2 and "nowhere" in result.output


def test_stdout_and_options(tmp_path: Path) -> None:
    outputs = tmp_path / "o.jsonl"
    outputs.write_text(
        json.dumps(
            {
                "id": "simple_python_66",
                "text": "[ecology_data_precipitation_stats(location='AMAZON rainforest', time_frame='six_months')]",
            }
        )
        + "\n"
    )
    plain = CliRunner().invoke(app, ["check", "--bfcl", str(V4), "--outputs", str(outputs)])
    assert json.loads(plain.stdout.splitlines()[0])["error_type"] == "wrong_function_name"
    renamed = CliRunner().invoke(app, ["check", "--bfcl", str(V4), "--outputs", str(outputs), "--underscore-names"])
    assert json.loads(renamed.stdout.splitlines()[0])["exact"] is True
    exact = CliRunner().invoke(
        app, ["check", "--bfcl", str(V4), "--outputs", str(outputs), "--underscore-names", "--exact-strings"]
    )
    assert json.loads(exact.stdout.splitlines()[0])["error_type"] == "wrong_param_value"


# -- every BFCL record's ground truth ----------------------------------------------------------------------------


def bfcl_records() -> list[BfclRecord]:
    records = []
    for version in ("v3", "v4"):
        for item in load_bfcl(SHARED_BFCL / version):
            assert not isinstance(item, Reject), item  # the shared sample is clean
            records.append(item)
    return records


def test_ground_truth_of_every_shared_bfcl_record_scores_exact() -> None:
    seen: dict[str, int] = {}
    for record in bfcl_records():
        options = CheckOptions(language=language_of(record.category))
        if record.possible_answer is not None:
            truth = ground_truth_calls(record)
            assert truth, record.id
            result = check_calls(truth, record.possible_answer, record.tools, options)
            assert result.exact, (record.id, result)
            assert toolrm_similarity(truth, truth) == 1.0
        elif record.turn_answers is not None:
            order = {f["name"]: list((f.get("parameters") or {}).get("properties") or {}) for f in record.raw_functions}
            for turn in record.turn_answers:
                truth = tuple(parse_call_string(text, order) for text in turn)
                # the call strings, as a model would write them, read by our parser
                parsed = parse_response("[" + ", ".join(turn) + "]", order)
                assert parsed.ok, (record.id, parsed.error)
                assert parsed.calls == truth
                assert check_calls(parsed.calls, expected_from_calls(truth, record.tools), record.tools).exact
                assert toolrm_similarity(parsed.calls, truth) == 1.0
        else:
            continue
        seen[record.category] = seen.get(record.category, 0) + 1
    assert len(seen) >= 14, seen  # every AST and multi-turn category of v3 and v4


def test_ground_truth_through_the_cli(tmp_path: Path) -> None:
    lines = []
    for record in load_bfcl(V4):
        assert not isinstance(record, Reject)
        if record.possible_answer is not None:
            calls = ground_truth_calls(record) or ()
            lines.append({"id": record.id, "output": [{c.name: c.arguments} for c in calls]})
    code, scores, output = run_check(tmp_path, lines)
    assert code == 0, output
    assert len(scores) == len(lines) > 100
    assert all(s["exact"] and s["similarity"] == 1.0 for s in scores), [s for s in scores if not s["exact"]]
