"""`balance`: balanced multi-dimensional sampling (BMDS, METHOD.md step 9) and the train/validation split.

1. Pairs whose task is more complex than ``max_complexity`` (GT calls + arguments) are dropped.
2. The target size is shared out by water-filling: an equal quota per source, the unused quota of a short
   source passed on to the others; inside a source, an equal quota per intensity bin the same way. Remainders
   of the integer division go to the sources (bins) first in a seeded hash order.
3. Inside a (source, bin) group the most complex pairs are taken first; ties are broken by a seeded hash of the
   pair id, so the selection is a pure function of the pool and the seed.
4. The selected pairs are split by task (or by trajectory): whole tasks, in seeded hash order, go to validation
   until it holds ``validation_size`` pairs; no task has pairs in both splits. When the pool falls short of the
   target, the validation size shrinks in proportion [ours].

Every pair not selected is a reject with a countable reason ("not selected: quota of apigen/bin 3 filled").
``report()`` puts the target-versus-achieved balance report into stats.json.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, ClassVar, Literal, TypeVar

from pydantic import Field, PrivateAttr, model_validator

from curation.registry import steps
from curation.schema import ErrorType, Pair, Split
from curation.steps.base import Outcome, Step, reject_for
from curation.steps.pair import INTENSITY_BINS

K = TypeVar("K", bound=Hashable)

# FC-RewardBench's error mix of rejected responses (METHOD.md): a reference profile, not a balancing dimension.
# Its "missing optional parameter" (5%) has no ErrorType of its own.
REFERENCE_ERROR_PROFILE: dict[str, float] = {
    ErrorType.wrong_param_value.value: 0.43,
    ErrorType.wrong_function_name.value: 0.27,
    ErrorType.wrong_call_count.value: 0.16,
    ErrorType.missing_required_param.value: 0.03,
    ErrorType.wrong_param_type.value: 0.03,
    ErrorType.unexpected_param.value: 0.01,
    ErrorType.parse_error.value: 0.01,
}
NO_ERROR_TYPE = "none"


def seeded_rank(seed: int, key: str) -> str:
    """A reproducible pseudo-random order: sort by the hash of the seed and the key."""
    return hashlib.sha256(f"{seed}\x00{key}".encode()).hexdigest()


def water_fill(total: int, capacities: Mapping[K, int], tie_order: Callable[[K], str]) -> dict[K, int]:
    """Share ``total`` as equally as possible among keys without giving any key more than its capacity.

    Keys are visited from the smallest capacity up: a key whose capacity is below the fair share of what is
    left gets all of it, and the rest is shared among the others. When the rest does not divide evenly, the
    keys first in ``tie_order`` get one more. Returns a quota per key; the quotas sum to min(total, capacity).
    """
    quotas = {key: 0 for key in capacities}
    remaining = min(total, sum(capacities.values()))
    open_keys = sorted((key for key, cap in capacities.items() if cap > 0), key=lambda k: (capacities[k], tie_order(k)))
    for index, key in enumerate(open_keys):
        left = len(open_keys) - index
        fair = remaining // left
        if capacities[key] <= fair:
            quotas[key] = capacities[key]
            remaining -= capacities[key]
            continue
        # Every key from here on has capacity above the fair share: give each the share, the remainder by order.
        rest = open_keys[index:]
        extra = remaining - fair * left
        for rank, other in enumerate(sorted(rest, key=tie_order)):
            quotas[other] = fair + (1 if rank < extra else 0)
        break
    return quotas


def error_name(pair: Pair) -> str:
    """The rejected side's ErrorType as a report key ("none" when the checker gave none)."""
    return pair.error_type.value if pair.error_type else NO_ERROR_TYPE


@steps.register("balance")
class Balance(Step):
    """BMDS: complexity cap, water-filled quotas per source then per intensity bin, split by task."""

    name = "balance"
    description = "Pair -> Pair (global): balanced selection to a target size, train/validation split by task"
    input_type = Pair
    output_type = Pair
    batch_size: ClassVar[int | None] = None  # global: quotas need the whole pool

    target_size: int = Field(default=30_000, ge=1, description="pairs to select, train and validation together")
    validation_size: int = Field(default=500, ge=0, description="pairs of the selection that go to validation")
    max_complexity: int = Field(default=50, ge=1, description="drop pairs whose task complexity exceeds this")
    seed: int = Field(default=0, description="seeds the tie-breaks and the choice of validation tasks")
    split_by: Literal["task", "trajectory"] = Field(
        default="task", description="unit kept whole in one split: a task, or all tasks of one trajectory"
    )

    _report: dict[str, Any] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _validation_fits(self) -> Balance:
        if self.validation_size >= self.target_size:
            raise ValueError(f"validation_size ({self.validation_size}) must be below target_size ({self.target_size})")
        return self

    def _rank(self, key: str) -> str:
        return seeded_rank(self.seed, key)

    def process_batch(self, batch: Sequence[Any]) -> list[Outcome]:
        pairs: list[Pair] = list(batch)
        outcomes: list[Outcome | None] = [None] * len(pairs)
        groups: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
        for index, pair in enumerate(pairs):
            if pair.complexity > self.max_complexity:
                outcomes[index] = reject_for(
                    pair, f"complexity > {self.max_complexity}", f"complexity {pair.complexity} > {self.max_complexity}"
                )
            else:
                groups[pair.source][pair.intensity_bin].append(index)

        source_quota = water_fill(
            self.target_size, {source: sum(map(len, bins.values())) for source, bins in groups.items()}, self._rank
        )
        bin_quota: dict[str, dict[int, int]] = {}
        selected: list[int] = []
        for source, bins in groups.items():
            bin_quota[source] = water_fill(
                source_quota[source], {b: len(members) for b, members in bins.items()}, lambda b: self._rank(str(b))
            )
            for b, members in bins.items():
                # Most complex first; equal complexity in seeded hash order of the pair id.
                ordered = sorted(members, key=lambda i: (-pairs[i].complexity, self._rank(pairs[i].pair_id)))
                quota = bin_quota[source][b]
                selected.extend(ordered[:quota])
                for i in ordered[quota:]:
                    outcomes[i] = reject_for(
                        pairs[i], f"not selected: quota of {source}/bin {b} filled", f"quota {quota} of {len(members)}"
                    )

        splits = self._split([pairs[i] for i in selected])
        for i in selected:
            outcomes[i] = [pairs[i].model_copy(update={"split": splits[pairs[i].pair_id]})]
        self._report = self._build_report(pairs, selected, splits, source_quota, bin_quota)
        done = [outcome for outcome in outcomes if outcome is not None]
        assert len(done) == len(pairs), "every pair is either selected or rejected"
        return done

    def validation_room(self, selected: int) -> int:
        """validation_size, scaled down in proportion when the pool falls short of the target [ours]: a short
        pool must not end up all validation and no train."""
        if selected >= self.target_size:
            return self.validation_size
        return round(self.validation_size * selected / self.target_size)

    def _unit(self, pair: Pair) -> str:
        return pair.task.id if self.split_by == "task" else pair.task.trajectory_id

    def _split(self, selected: Sequence[Pair]) -> dict[str, Split]:
        """Whole tasks (or trajectories) to validation, in seeded order, until it holds validation_size pairs."""
        by_unit: dict[str, list[str]] = defaultdict(list)
        for pair in selected:
            by_unit[self._unit(pair)].append(pair.pair_id)
        splits: dict[str, Split] = {}
        room = self.validation_room(len(selected))
        for unit in sorted(by_unit, key=self._rank):
            members = by_unit[unit]
            split: Split = "train"
            if 0 < len(members) <= room:
                split, room = "validation", room - len(members)
            for identifier in members:
                splits[identifier] = split
        return splits

    def _build_report(
        self,
        pairs: Sequence[Pair],
        selected: Sequence[int],
        splits: Mapping[str, Split],
        source_quota: Mapping[str, int],
        bin_quota: Mapping[str, Mapping[int, int]],
    ) -> dict[str, Any]:
        eligible = [p for p in pairs if p.complexity <= self.max_complexity]
        chosen = [pairs[i] for i in selected]
        total = len(chosen)
        n_sources = len(source_quota)

        def tally(items: Sequence[Pair], key: Callable[[Pair], Any]) -> Counter[Any]:
            return Counter(key(p) for p in items)

        available_source, selected_source = tally(eligible, lambda p: p.source), tally(chosen, lambda p: p.source)
        split_source = tally(chosen, lambda p: (p.source, splits[p.pair_id]))
        sources = {
            source: {
                "available": available_source[source],
                "target": round(self.target_size / n_sources, 1),
                "quota": source_quota[source],
                "achieved": selected_source[source],
                "train": split_source[(source, "train")],
                "validation": split_source[(source, "validation")],
            }
            for source in sorted(source_quota)
        }
        available_bin, selected_bin = (
            tally(eligible, lambda p: p.intensity_bin),
            tally(chosen, lambda p: p.intensity_bin),
        )
        bins = {
            str(b): {
                "available": available_bin[b],
                # Perfect balance inside every source: each source's quota spread evenly over the ten bins.
                "target": round(sum(source_quota.values()) / INTENSITY_BINS, 1),
                "achieved": selected_bin[b],
            }
            for b in range(1, INTENSITY_BINS + 1)
        }
        available_cell = tally(eligible, lambda p: (p.source, p.intensity_bin))
        selected_cell = tally(chosen, lambda p: (p.source, p.intensity_bin))
        source_bins = {
            source: {
                str(b): {"available": available_cell[(source, b)], "quota": q, "achieved": selected_cell[(source, b)]}
                for b, q in sorted(quotas.items())
            }
            for source, quotas in sorted(bin_quota.items())
        }
        available_error, selected_error = tally(eligible, error_name), tally(chosen, error_name)
        error_types = {
            name: {
                "available": available_error[name],
                "achieved": selected_error[name],
                "achieved_share": round(selected_error[name] / total, 4) if total else 0.0,
                "target_share": REFERENCE_ERROR_PROFILE.get(name, 0.0),
            }
            for name in sorted(set(available_error) | set(REFERENCE_ERROR_PROFILE))
        }
        units = {
            split: {self._unit(p) for p in chosen if splits[p.pair_id] == split} for split in ("train", "validation")
        }
        achieved_split = Counter(splits[p.pair_id] for p in chosen)
        return {
            "target": {
                "total": self.target_size,
                "train": self.target_size - self.validation_size,
                "validation": self.validation_size,
            },
            "achieved": {"total": total, "train": achieved_split["train"], "validation": achieved_split["validation"]},
            "validation_target_scaled": self.validation_room(total),
            "shortfall": max(0, self.target_size - total),
            "pool": {
                "pairs": len(pairs),
                "eligible": len(eligible),
                "over_complexity": len(pairs) - len(eligible),
                "max_complexity": self.max_complexity,
            },
            "split_by": self.split_by,
            f"{self.split_by}s": {split: len(members) for split, members in units.items()},
            "sources": sources,
            "bins": bins,
            "source_bins": source_bins,
            "error_types": error_types,
            "error_type_target_note": "target_share is FC-RewardBench's error mix (reference only, not balanced on)",
        }

    def report(self) -> dict[str, Any]:
        return self._report
