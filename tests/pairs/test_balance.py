"""BMDS (`balance`) on hand-made pools: water-filling, bins, complexity order, ties, seeds and the split by task."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from curation.schema import ErrorType, Pair, Reject
from curation.steps.balance import Balance, water_fill
from tests.pairs.records import pair


def balance(step: Balance, pool: list[Pair]) -> tuple[list[Pair], list[Reject]]:
    outcomes = step.process_batch(pool)
    assert len(outcomes) == len(pool), "one outcome per input pair"
    kept = [out[0] for out in outcomes if not isinstance(out, Reject)]
    assert all(len(out) == 1 for out in outcomes if not isinstance(out, Reject))
    rejects = [out for out in outcomes if isinstance(out, Reject)]
    return kept, rejects  # type: ignore[return-value]


def by_name(key: str) -> str:
    return key


# -- water-filling ------------------------------------------------------------------------------------------------
def test_water_fill_passes_the_quota_of_a_short_key_on() -> None:
    assert water_fill(12, {"a": 2, "b": 10, "c": 10}, by_name) == {"a": 2, "b": 5, "c": 5}
    assert water_fill(10, {"a": 2, "b": 3, "c": 100}, by_name) == {"a": 2, "b": 3, "c": 5}


def test_water_fill_gives_remainders_in_tie_order() -> None:
    assert water_fill(7, {"a": 10, "b": 10}, by_name) == {"a": 4, "b": 3}
    assert water_fill(7, {"a": 10, "b": 10}, lambda k: "0" if k == "b" else "1") == {"a": 3, "b": 4}
    assert water_fill(5, {"a": 1, "b": 9, "c": 9}, by_name) == {"a": 1, "b": 2, "c": 2}


def test_water_fill_with_too_little_or_nothing() -> None:
    assert water_fill(100, {"a": 2, "b": 3}, by_name) == {"a": 2, "b": 3}
    assert water_fill(0, {"a": 2, "b": 3}, by_name) == {"a": 0, "b": 0}
    assert water_fill(4, {"a": 0, "b": 3, "c": 3}, by_name) == {"a": 0, "b": 2, "c": 2}
    assert water_fill(4, {}, by_name) == {}


@given(
    total=st.integers(min_value=0, max_value=500),
    capacities=st.dictionaries(st.text(min_size=1, max_size=3), st.integers(min_value=0, max_value=80), max_size=8),
)
def test_water_fill_is_a_max_min_fair_share(total: int, capacities: dict[str, int]) -> None:
    quotas = water_fill(total, capacities, by_name)
    assert sum(quotas.values()) == min(total, sum(capacities.values()))
    assert all(0 <= quotas[k] <= capacities[k] for k in capacities)
    # A key held below its capacity gets at least as much as any other key, give or take one remainder unit.
    for key, quota in quotas.items():
        if quota < capacities[key]:
            assert all(quota >= other - 1 for other in quotas.values())


# -- BMDS ---------------------------------------------------------------------------------------------------------
def test_sources_get_equal_quotas_and_a_short_source_passes_its_share_on() -> None:
    pool = (
        [pair(f"a{i}", source="a") for i in range(2)]
        + [pair(f"b{i}", source="b") for i in range(10)]
        + [pair(f"c{i}", source="c") for i in range(10)]
    )
    kept, rejects = balance(Balance(target_size=12, validation_size=0), pool)
    assert Counter(p.source for p in kept) == {"a": 2, "b": 5, "c": 5}
    assert Counter(r.reason for r in rejects) == {
        "not selected: quota of b/bin 10 filled": 5,
        "not selected: quota of c/bin 10 filled": 5,
    }


def test_inside_a_source_every_intensity_bin_gets_an_equal_quota() -> None:
    pool = (
        [pair("low", intensity_bin=1)]
        + [pair(f"mid{i}", intensity_bin=5) for i in range(10)]
        + [pair(f"high{i}", intensity_bin=10) for i in range(10)]
    )
    kept, _ = balance(Balance(target_size=9, validation_size=0), pool)
    assert Counter(p.intensity_bin for p in kept) == {1: 1, 5: 4, 10: 4}


def test_sources_first_then_bins() -> None:
    # Source a is rich in bin 2 only; source b spreads over bins 3 and 4. Target 8: 4 per source, b 2 + 2.
    pool = [pair(f"a{i}", source="a", intensity_bin=2) for i in range(10)] + [
        pair(f"b{i}", source="b", intensity_bin=3 + i % 2) for i in range(10)
    ]
    kept, _ = balance(Balance(target_size=8, validation_size=0), pool)
    assert Counter((p.source, p.intensity_bin) for p in kept) == {("a", 2): 4, ("b", 3): 2, ("b", 4): 2}


def test_the_most_complex_pairs_are_taken_first() -> None:
    pool = [pair(f"p{c}", complexity=c) for c in range(1, 11)]
    random.Random(3).shuffle(pool)
    kept, _ = balance(Balance(target_size=3, validation_size=0), pool)
    assert sorted(p.complexity for p in kept) == [8, 9, 10]


def test_complexity_cap() -> None:
    pool = [pair("at-cap", complexity=50), pair("over-cap", complexity=51), pair("small", complexity=3)]
    kept, rejects = balance(Balance(target_size=10, validation_size=0), pool)
    assert sorted(p.pair_id for p in kept) == ["at-cap", "small"]
    (reject,) = rejects
    assert (reject.record_id, reject.reason, reject.detail) == ("over-cap", "complexity > 50", "complexity 51 > 50")
    kept, rejects = balance(Balance(target_size=10, validation_size=0, max_complexity=3), pool)
    assert [p.pair_id for p in kept] == ["small"]
    assert {r.reason for r in rejects} == {"complexity > 3"}


def test_ties_are_broken_by_a_seeded_hash_independent_of_input_order() -> None:
    pool = [pair(f"tie{i:02d}", complexity=5) for i in range(30)]

    def chosen(seed: int, order_seed: int) -> set[str]:
        shuffled = list(pool)
        random.Random(order_seed).shuffle(shuffled)
        kept, _ = balance(Balance(target_size=6, validation_size=2, seed=seed), shuffled)
        return {f"{p.pair_id}:{p.split}" for p in kept}

    reference = chosen(seed=0, order_seed=0)
    assert len(reference) == 6
    assert all(chosen(seed=0, order_seed=k) == reference for k in range(1, 5))
    assert any(chosen(seed=s, order_seed=0) != reference for s in range(1, 6))


def test_split_is_by_task_and_validation_gets_exactly_its_size() -> None:
    pool = [pair(f"multi{t}-{k}", task_id=f"apigen:m{t}#1") for t in range(10) for k in range(3)]
    pool += [pair(f"single{t}", task_id=f"apigen:s{t}#1") for t in range(10)]
    kept, rejects = balance(Balance(target_size=40, validation_size=5, seed=7), pool)
    assert not rejects
    assert Counter(p.split for p in kept) == {"train": 35, "validation": 5}
    splits_of_task: dict[str, set[str | None]] = {}
    for p in kept:
        splits_of_task.setdefault(p.task.id, set()).add(p.split)
    assert all(len(splits) == 1 for splits in splits_of_task.values())


def test_split_by_trajectory_keeps_every_step_of_a_trajectory_together() -> None:
    pool = [
        pair(f"t{t}-step{s}", task_id=f"apigen:t{t}#{s}", trajectory_id=f"apigen:t{t}")
        for t in range(8)
        for s in (1, 3)
    ]
    kept, _ = balance(Balance(target_size=16, validation_size=4, split_by="trajectory", seed=1), pool)
    by_trajectory: dict[str, set[str | None]] = {}
    for p in kept:
        by_trajectory.setdefault(p.task.trajectory_id, set()).add(p.split)
    assert all(len(splits) == 1 for splits in by_trajectory.values())
    assert Counter(p.split for p in kept)["validation"] == 4


def test_balance_report_target_vs_achieved() -> None:
    pool = [pair(f"a{i}", source="a", intensity_bin=1 + i % 2) for i in range(4)]
    pool += [pair(f"b{i}", source="b", error=ErrorType.wrong_function_name) for i in range(20)]
    pool += [pair("huge", source="b", complexity=99)]
    step = Balance(target_size=10, validation_size=2)
    balance(step, pool)
    report = step.report()
    assert report["target"] == {"total": 10, "train": 8, "validation": 2}
    assert report["achieved"] == {"total": 10, "train": 8, "validation": 2}
    assert report["shortfall"] == 0
    assert report["pool"] == {"pairs": 25, "eligible": 24, "over_complexity": 1, "max_complexity": 50}
    a, b = report["sources"]["a"], report["sources"]["b"]
    assert (a["available"], a["target"], a["quota"], a["achieved"]) == (4, 5.0, 4, 4)
    assert (b["available"], b["target"], b["quota"], b["achieved"]) == (20, 5.0, 6, 6)
    assert a["train"] + a["validation"] == 4 and b["train"] + b["validation"] == 6
    assert report["bins"]["1"]["achieved"] == 2 and report["bins"]["2"]["achieved"] == 2
    assert report["bins"]["10"] == {"available": 20, "target": 1.0, "achieved": 6}
    assert report["source_bins"]["a"]["1"] == {"available": 2, "quota": 2, "achieved": 2}
    errors = report["error_types"]
    assert errors["wrong_param_value"]["achieved"] == 4 and errors["wrong_function_name"]["achieved"] == 6
    assert errors["wrong_function_name"]["achieved_share"] == 0.6
    assert errors["wrong_function_name"]["target_share"] == 0.27
    assert report["tasks"]["train"] + report["tasks"]["validation"] == 10


def test_a_small_pool_is_taken_whole_and_the_shortfall_reported() -> None:
    pool = [pair(f"p{i}") for i in range(5)]
    step = Balance(target_size=30_000, validation_size=500)
    kept, rejects = balance(step, pool)
    assert len(kept) == 5 and not rejects
    assert step.report()["shortfall"] == 29_995
    assert Counter(p.split for p in kept) == {"train": 5}  # 500 / 30,000 of 5 pairs rounds to no validation


def test_validation_shrinks_in_proportion_when_the_pool_is_short() -> None:
    pool = [pair(f"p{i}", task_id=f"apigen:{i}#1") for i in range(60)]
    kept, _ = balance(Balance(target_size=120, validation_size=12), pool)
    assert Counter(p.split for p in kept) == {"train": 54, "validation": 6}


def test_validation_must_be_smaller_than_the_target() -> None:
    with pytest.raises(ValidationError, match="validation_size"):
        Balance(target_size=10, validation_size=10)
    assert Balance().target_size == 30_000 and Balance().validation_size == 500
