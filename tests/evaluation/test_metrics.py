"""TRBench metrics on hand-built cases, and the evaluator's plumbing with judges whose answers are known.

The judges here are test doubles on purpose: the subject is the two-order rule, Avg / W-Avg and the parse
rates, whose right values can only be written down for answers we choose. Real models run in test_eval_cli.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from curation.genrm import ChoiceResult
from evaluation.bench import load_bench
from evaluation.evaluate import evaluate_gen
from evaluation.judges import Completion, Conversation
from evaluation.metrics import (
    JudgedRow,
    PairOutcome,
    accuracy,
    disc_outcome,
    genrm_outcomes,
    parse_rates,
    token_stats,
)

ONE = ChoiceResult(choice=1, strict=True)
TWO = ChoiceResult(choice=2, strict=True)
NONE = ChoiceResult(choice=None, strict=False)


def _rows(uuid: int, category: str, first: ChoiceResult, second: ChoiceResult) -> list[JudgedRow]:
    return [JudgedRow(uuid, category, 1, first), JudgedRow(uuid, category, 2, second)]


def test_a_judge_that_always_answers_1_scores_zero() -> None:
    rows = [row for uuid in range(5) for row in _rows(uuid, "simple", ONE, ONE)]
    outcomes, incomplete = genrm_outcomes(rows)
    metrics = accuracy(outcomes)
    assert incomplete == 0
    assert metrics["w_avg"] == 0.0 and metrics["avg"] == 0.0 and metrics["pairs"] == 5
    assert sum(row.correct for row in rows) == 5  # half the rows are right, no pair is


def test_avg_is_the_mean_of_categories_and_w_avg_the_mean_of_pairs() -> None:
    rows = (
        _rows(0, "simple", ONE, TWO)  # right in both orders
        + _rows(1, "simple", ONE, ONE)  # right once: wrong
        + _rows(2, "multi_turn_base", ONE, TWO)
    )
    metrics = accuracy(genrm_outcomes(rows)[0])
    assert metrics["categories"]["simple"] == {"pairs": 2, "correct": 1, "accuracy": 50.0}
    assert metrics["categories"]["multi_turn_base"] == {"pairs": 1, "correct": 1, "accuracy": 100.0}
    assert metrics["avg"] == 75.0  # (50 + 100) / 2
    assert metrics["w_avg"] == 66.67  # 2 of 3 pairs
    assert list(metrics["categories"]) == ["simple", "multi_turn_base"]  # METHOD.md's order


def test_a_pair_with_one_order_missing_is_left_out_and_counted() -> None:
    rows = [*_rows(0, "simple", ONE, TWO), JudgedRow(1, "simple", 1, ONE)]
    outcomes, incomplete = genrm_outcomes(rows)
    assert [o.uuid for o in outcomes] == [0] and incomplete == 1


def test_disc_needs_a_strictly_higher_chosen_score() -> None:
    outcomes = [
        disc_outcome(0, "simple", 1.5, 0.2),
        disc_outcome(1, "simple", 0.3, 0.3),  # a tie is wrong
        disc_outcome(2, "parallel", -1.0, 2.0),
    ]
    assert [o.correct for o in outcomes] == [True, False, False]
    assert accuracy(outcomes)["w_avg"] == 33.33


def test_parse_rates_and_choice_counts() -> None:
    rows = [
        JudgedRow(0, "simple", 1, ONE),
        JudgedRow(0, "simple", 2, ChoiceResult(choice=2, strict=False)),
        JudgedRow(1, "simple", 1, NONE),
        JudgedRow(1, "simple", 2, NONE, error="timeout"),
    ]
    rates = parse_rates(rows)
    assert rates == {
        "rows": 4, "strict": 1, "loose_only": 1, "unparsed": 2, "request_errors": 1, "strict_rate": 0.25,
        "parsed_rate": 0.5, "choices": {"1": 1, "2": 1, "none": 2},
    }  # fmt: skip


def test_token_statistics() -> None:
    assert token_stats([4, 1, None, 3, 2]) == {
        "known": 4, "mean": 2.5, "median": 2.5, "p90": 3.7, "min": 1, "max": 4, "total": 10,
    }  # fmt: skip
    assert token_stats([None]) == {"known": 0}


class AlwaysOne:
    def generate(self, conversations: Sequence[Conversation]) -> list[Completion]:
        return [Completion("Response 1 is better.\n<choice>\n1\n</choice>", output_tokens=9) for _ in conversations]


class Oracle:
    """Knows each prompt's answer; answers strictly for label 1, loosely for label 2."""

    def __init__(self, answers: dict[str, str]) -> None:
        self.answers = answers

    def generate(self, conversations: Sequence[Conversation]) -> list[Completion]:
        texts = {"1": "<choice>\n1\n</choice>", "2": "<choice>2</choice>"}
        return [Completion(texts[self.answers[c[0]["content"]]], output_tokens=3) for c in conversations]


def test_the_evaluator_applies_the_two_order_rule_on_a_built_benchmark(small_bench: Path) -> None:
    bench = load_bench(small_bench, "think")
    metrics, predictions = evaluate_gen(bench, AlwaysOne())
    assert metrics["w_avg"] == 0.0 and metrics["avg"] == 0.0
    assert metrics["row_accuracy"] == 50.0
    assert metrics["parse"]["strict_rate"] == 1.0 and metrics["parse"]["choices"]["2"] == 0
    assert len(predictions) == len(bench.rows) and metrics["output_tokens"]["mean"] == 9

    answers = {row["prompt"][0]["content"]: row["reward_model"]["ground_truth"] for row in bench.rows}
    metrics, _ = evaluate_gen(bench, Oracle(answers))
    assert metrics["w_avg"] == 100.0 and metrics["avg"] == 100.0
    assert metrics["parse"]["strict_rate"] == 0.5 and metrics["parse"]["loose_only"] == len(bench.rows) // 2
    assert len(metrics["categories"]) == 9


def test_outcomes_are_plain_records() -> None:
    with pytest.raises(AttributeError):
        PairOutcome(0, "simple", True).correct = False  # type: ignore[misc]
