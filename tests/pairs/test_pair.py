"""The `pair` step: every ordered pair with chosen > rejected, the GT only ever chosen, and the intensity bins."""

from __future__ import annotations

import pytest

from curation.schema import Pair, Reject
from curation.steps.pair import PairStep, intensity_bin, intensity_of, pair_id
from tests.pairs.records import candidate, scored, task


def run(step: PairStep, record: object) -> list[Pair] | Reject:
    (outcome,) = step.process_batch([record])
    return outcome if isinstance(outcome, Reject) else list(outcome)  # type: ignore[arg-type]


def test_every_ordered_pair_with_a_higher_chosen_score() -> None:
    base = task()
    gt = candidate(base.id, "ground_truth", origin="ground_truth")
    half = candidate(base.id, "half", city="paris")
    wrong = candidate(base.id, "wrong", city="Lyon")
    right = candidate(base.id, "right", text="rewritten but right", city="Paris ")
    pairs = run(PairStep(merge_identical=False), scored(base, [(gt, 1.0), (half, 0.5), (wrong, 0.0), (right, 1.0)]))
    assert isinstance(pairs, list)
    got = {(p.chosen.origin, p.rejected.origin): p.intensity for p in pairs}
    assert got == {
        ("ground_truth", "half"): 0.5,
        ("ground_truth", "wrong"): 1.0,
        ("half", "wrong"): 0.5,
        ("right", "half"): 0.5,
        ("right", "wrong"): 1.0,
    }
    assert all(p.rejected.origin != "ground_truth" for p in pairs)
    assert {p.intensity_bin for p in pairs} == {5, 10}


def test_provenance_is_kept_on_every_pair() -> None:
    base = task(source="glaive", complexity=7)
    gt = candidate(base.id, "ground_truth", origin="ground_truth")
    wrong = candidate(base.id, "perturb:wrong_value", city="Lyon")
    (only,) = run(PairStep(), scored(base, [(gt, 1.0), (wrong, 0.0)]))  # type: ignore[misc]
    assert only.source == "glaive" and only.complexity == 7 and only.kind == base.kind
    assert only.error_type is not None and only.error_type.value == "wrong_param_value"
    assert only.chosen_score.similarity == 1.0 and only.rejected_score.similarity == 0.0
    assert only.pair_id == pair_id(base.id, gt.id, wrong.id)
    assert only.split is None


def test_a_task_without_any_pair_is_rejected_with_the_reason() -> None:
    base = task()
    gt = candidate(base.id, "ground_truth", origin="ground_truth")
    same = candidate(base.id, "same", city="Paris", text="other text")
    outcome = run(PairStep(merge_identical=False), scored(base, [(gt, 1.0), (same, 1.0)]))
    assert isinstance(outcome, Reject)
    assert outcome.reason == "no pair"
    assert "similarities [1.0]" in outcome.detail


def test_minimum_margin_drops_small_gaps() -> None:
    base = task()
    gt = candidate(base.id, "ground_truth", origin="ground_truth")
    close = candidate(base.id, "close", city="paris")
    far = candidate(base.id, "far", city="Lyon")
    pairs = run(PairStep(min_margin=0.3), scored(base, [(gt, 1.0), (close, 0.75), (far, 0.0)]))
    assert isinstance(pairs, list)
    assert sorted((p.chosen.origin, p.rejected.origin) for p in pairs) == [
        ("close", "far"),
        ("ground_truth", "far"),
    ]


def test_identical_answers_are_merged_and_failed_requests_left_out() -> None:
    base = task()
    gt = candidate(base.id, "ground_truth", origin="ground_truth")
    twin_a = candidate(base.id, "model-a", city="Lyon", text="<tool_call>...</tool_call>")
    twin_b = candidate(base.id, "model-b", city="Lyon", text='{"name": "get_weather"}')
    failed = candidate(base.id, "model-c", city=None, request_error="timeout")
    step = PairStep()
    pairs = run(step, scored(base, [(gt, 1.0), (twin_a, 0.0), (twin_b, 0.0), (failed, 0.0)]))
    assert isinstance(pairs, list)
    assert [(p.chosen.origin, p.rejected.origin) for p in pairs] == [("ground_truth", "model-a")]
    assert step.counters == {
        "candidate merged: identical answer": 1,
        "candidate skipped: request error": 1,
        "pairs": 1,
    }


def test_misaligned_scores_are_a_reject_not_a_crash() -> None:
    base = task()
    gt = candidate(base.id, "ground_truth", origin="ground_truth")
    wrong = candidate(base.id, "wrong", city="Lyon")
    record = scored(base, [(gt, 1.0), (wrong, 0.0)])
    broken = record.model_copy(update={"scores": record.scores[:1]})
    outcome = run(PairStep(), broken)
    assert isinstance(outcome, Reject) and outcome.reason == "scores misaligned"


def test_pair_ids_are_stable_and_distinct() -> None:
    assert pair_id("t#1", "a", "b") == pair_id("t#1", "a", "b")
    assert len({pair_id("t#1", "a", "b"), pair_id("t#1", "b", "a"), pair_id("t#2", "a", "b")}) == 3


@pytest.mark.parametrize(
    ("chosen", "rejected", "expected_bin"),
    [
        (1.0, 0.9, 1),  # 0.09999999999999998 in floating point
        (0.1, 0.0, 1),
        (1.0, 0.89, 2),  # 0.11
        (0.3, 0.1, 2),  # 0.19999999999999998
        (0.2, 0.0, 2),
        (0.1 + 0.2, 0.0, 3),  # 0.30000000000000004
        (1.0, 0.7, 3),  # 0.30000000000000004
        (1.0, 2 / 3, 4),  # 1/3
        (2 / 3, 0.0, 7),
        (0.7, 0.0, 7),
        (1.0, 0.3, 7),  # 0.7
        (1.0, 0.2, 8),  # 0.8
        (0.95, 0.05, 9),  # 0.8999999999999999
        (1.0, 0.0, 10),
        (1.0, 1e-12, 10),
        (1e-12 + 1e-3, 0.0, 1),
    ],
)
def test_intensity_bins_have_exact_float_edges(chosen: float, rejected: float, expected_bin: int) -> None:
    assert intensity_bin(intensity_of(chosen, rejected)) == expected_bin


@pytest.mark.parametrize("bad", [0.0, -0.1, 1.5])
def test_intensity_outside_the_unit_interval_is_an_error(bad: float) -> None:
    with pytest.raises(ValueError, match="outside"):
        intensity_bin(bad)
