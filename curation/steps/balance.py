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
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, TypeVar

from pydantic import Field, PrivateAttr, model_validator

from curation.records_io import KEY_COLUMNS, key_values
from curation.registry import steps
from curation.schema import ErrorType, Pair, Split
from curation.steps.base import Outcome, RejectRecord, Step
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


@dataclass(frozen=True)
class PairKeys:
    """What balance needs to know of a pair: its key columns (records_io.KEY_COLUMNS), never the whole record."""

    pair_id: str
    task_id: str
    trajectory_id: str
    source: str
    intensity_bin: int
    complexity: int
    error_type: str | None

    @property
    def error_name(self) -> str:
        """As error_name(pair), from the key column."""
        return self.error_type or NO_ERROR_TYPE


# The key columns of a Pair file, in PairKeys' order after the id (PairKeys is built from them positionally).
KEY_FIELDS = tuple(name for name, _, _ in KEY_COLUMNS[Pair])


def keys_of(pair: Pair) -> PairKeys:
    return PairKeys(pair.pair_id, *key_values(pair))


@steps.register("balance")
class Balance(Step):
    """BMDS: complexity cap, water-filled quotas per source then per intensity bin, split by task.

    A selection step: the runner hands select() the key columns of every pair, and streams the pairs afterwards;
    the unselected ones are rejected unread, the selected ones get their split in process().
    """

    name = "balance"
    description = "Pair -> Pair (global): balanced selection to a target size, train/validation split by task"
    input_type = Pair
    output_type = Pair
    parallel: ClassVar[bool] = True  # after select(), each pair only needs its own decision
    selection_keys: ClassVar[tuple[str, ...]] = KEY_FIELDS

    target_size: int = Field(default=30_000, ge=1, description="pairs to select, train and validation together")
    validation_size: int = Field(default=500, ge=0, description="pairs of the selection that go to validation")
    max_complexity: int = Field(default=50, ge=1, description="drop pairs whose task complexity exceeds this")
    seed: int = Field(default=0, description="seeds the tie-breaks and the choice of validation tasks")
    split_by: Literal["task", "trajectory"] = Field(
        default="task", description="unit kept whole in one split: a task, or all tasks of one trajectory"
    )

    _splits: dict[str, Split] = PrivateAttr(default_factory=dict)  # selected pair id -> split
    _rejections: dict[str, tuple[str, str]] = PrivateAttr(default_factory=dict)  # pair id -> (reason, detail)
    _report: dict[str, Any] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _validation_fits(self) -> Balance:
        if self.validation_size >= self.target_size:
            raise ValueError(f"validation_size ({self.validation_size}) must be below target_size ({self.target_size})")
        return self

    def _rank(self, key: str) -> str:
        return seeded_rank(self.seed, key)

    # -- the runner's two passes ------------------------------------------------------------------------------
    def select(self, columns: dict[str, list[Any]]) -> None:
        self.select_pairs(
            [PairKeys(*row) for row in zip(columns["id"], *(columns[name] for name in KEY_FIELDS), strict=True)]
        )

    def verdict(self, identifier: str) -> tuple[str, str] | None:
        return self._rejections.get(identifier)

    def process(self, record: Pair) -> list[Pair]:
        split = self._splits.get(record.pair_id)
        if split is None:
            reason, detail = self._rejections.get(record.pair_id, ("not in the selected pool", "select() never saw it"))
            raise RejectRecord(reason, detail)
        return [record.model_copy(update={"split": split})]

    def process_batch(self, batch: Sequence[Any]) -> list[Outcome]:
        """Called on the whole pool at once (outside the runner, say), select first."""
        if not self._splits and not self._rejections:
            self.select_pairs([keys_of(pair) for pair in batch])
        return super().process_batch(batch)

    # -- the selection ----------------------------------------------------------------------------------------
    def select_pairs(self, pool: Sequence[PairKeys]) -> None:
        """Decide every pair of the pool: a split for the selected ones, a (reason, detail) for the others."""
        self._splits, self._rejections = {}, {}
        groups: dict[str, dict[int, list[PairKeys]]] = defaultdict(lambda: defaultdict(list))
        for pair in pool:
            if pair.complexity > self.max_complexity:
                self._rejections[pair.pair_id] = (
                    f"complexity > {self.max_complexity}",
                    f"complexity {pair.complexity} > {self.max_complexity}",
                )
            else:
                groups[pair.source][pair.intensity_bin].append(pair)

        source_quota = water_fill(
            self.target_size, {source: sum(map(len, bins.values())) for source, bins in groups.items()}, self._rank
        )
        bin_quota: dict[str, dict[int, int]] = {}
        selected: list[PairKeys] = []
        for source, bins in groups.items():
            bin_quota[source] = water_fill(
                source_quota[source], {b: len(members) for b, members in bins.items()}, lambda b: self._rank(str(b))
            )
            for b, members in bins.items():
                # Most complex first; equal complexity in seeded hash order of the pair id.
                ordered = sorted(members, key=lambda p: (-p.complexity, self._rank(p.pair_id)))
                quota = bin_quota[source][b]
                selected.extend(ordered[:quota])
                rejection = (f"not selected: quota of {source}/bin {b} filled", f"quota {quota} of {len(members)}")
                for pair in ordered[quota:]:
                    self._rejections[pair.pair_id] = rejection

        self._splits = self._split(selected)
        self._report = self._build_report(pool, selected, self._splits, source_quota, bin_quota)
        assert len(self._splits) + len(self._rejections) == len({p.pair_id for p in pool}), "every pair is decided"

    def validation_room(self, selected: int) -> int:
        """validation_size, scaled down in proportion when the pool falls short of the target [ours]: a short
        pool must not end up all validation and no train."""
        if selected >= self.target_size:
            return self.validation_size
        return round(self.validation_size * selected / self.target_size)

    def _unit(self, pair: PairKeys) -> str:
        return pair.task_id if self.split_by == "task" else pair.trajectory_id

    def _split(self, selected: Sequence[PairKeys]) -> dict[str, Split]:
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
        pool: Sequence[PairKeys],
        chosen: Sequence[PairKeys],
        splits: Mapping[str, Split],
        source_quota: Mapping[str, int],
        bin_quota: Mapping[str, Mapping[int, int]],
    ) -> dict[str, Any]:
        eligible = [p for p in pool if p.complexity <= self.max_complexity]
        total = len(chosen)
        n_sources = len(source_quota)

        def tally(items: Sequence[PairKeys], key: Callable[[PairKeys], Any]) -> Counter[Any]:
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
        available_error, selected_error = tally(eligible, lambda p: p.error_name), tally(chosen, lambda p: p.error_name)
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
                "pairs": len(pool),
                "eligible": len(eligible),
                "over_complexity": len(pool) - len(eligible),
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
