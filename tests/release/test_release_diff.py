"""Diffs between releases: pairs added, removed, and changed (swapped, rescored, moved between splits)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from curation.release import ReleaseError, build_release, load_release
from curation.release_diff import PairSummary, classify, diff_releases
from curation.review import ReviewStore
from curation.workspace import Workspace
from tests.release.conftest import RunSpec, make_pair, make_pool
from tests.release.test_release_build import balanced_pairs


def test_review_between_two_versions_shows_as_removed_and_swapped(
    workspace: Workspace, toy_run: Callable[..., Path]
) -> None:
    pairs = balanced_pairs(toy_run())
    v1 = build_release(workspace, "toy", "toolpref", "v1", plots=False)
    store = ReviewStore(workspace.review_db)
    store.record(pairs[0].pair_id, "reject")
    store.record(pairs[1].pair_id, "swap")
    store.close()
    v2 = build_release(workspace, "toy", "toolpref", "v2", plots=False)

    diff = diff_releases(v1, v2)
    assert (diff.a, diff.b) == ("toolpref@v1", "toolpref@v2")
    assert diff.added == []
    assert diff.removed == [(pairs[0].pair_id, pairs[0].source)]
    assert [(c.pair_id, c.kinds) for c in diff.changed] == [(pairs[1].pair_id, ("swapped",))]
    assert diff.unchanged == len(pairs) - 2
    # And back: what v2 removed, v1 has in addition.
    assert diff_releases(v2, v1).added == [(pairs[0].pair_id, pairs[0].source)]


def test_a_different_run_shows_added_removed_and_rescored(workspace: Workspace, toy_run: Callable[..., Path]) -> None:
    # Balance keeps every pair and puts all in train, so the two selections differ only where the pools do.
    spec = RunSpec(recipe="a", target_size=100, validation_size=0)
    pool = make_pool()
    toy_run(pool, spec)
    rescored = make_pair(5, "glaive", rejected_similarity=0.125)
    extra = make_pair(40, "hermes")
    changed_pool = [rescored if p.pair_id == rescored.pair_id else p for p in pool[1:]] + [extra]
    assert len(changed_pool) == len(pool)
    toy_run(changed_pool, RunSpec(recipe="b", target_size=100, validation_size=0))
    a = build_release(workspace, "a", "toolpref", "v1", plots=False)
    b = build_release(workspace, "b", "toolpref", "v2", plots=False)

    diff = diff_releases(a, b)
    assert diff.added == [(extra.pair_id, "hermes")]
    assert diff.removed == [(pool[0].pair_id, pool[0].source)]
    assert len(diff.changed) == 1
    change = diff.changed[0]
    assert (change.pair_id, change.source, change.kinds) == (rescored.pair_id, "glaive", ("rescored",))
    old = next(p for p in pool if p.pair_id == rescored.pair_id).rejected_score.similarity
    assert change.detail == f"scores 1/{old:g} -> 1/0.125 (chosen/rejected)"
    assert diff.unchanged == len(pool) - 2


def summary(
    chosen: str, rejected: str, scores: tuple[float, float], split: str = "train", digest: str = "x"
) -> PairSummary:
    return PairSummary(split, "apigen", digest, chosen, rejected, scores[0], scores[1])


@pytest.mark.parametrize(
    ("after", "kinds", "detail"),
    [
        (summary("r", "c", (0.5, 1.0)), ("swapped",), "chosen and rejected exchanged"),
        (
            summary("r", "c", (0.25, 1.0)),
            ("swapped", "rescored"),
            "chosen and rejected exchanged; scores 0.5/1 -> 0.25/1 (chosen/rejected)",
        ),
        (summary("c", "r", (1.0, 0.5), split="validation"), ("split",), "train -> validation"),
        (summary("c", "r", (1.0, 0.5), digest="y"), ("content",), "other fields of the record differ"),
    ],
)
def test_changes_are_classified(after: PairSummary, kinds: tuple[str, ...], detail: str) -> None:
    before = summary("c", "r", (1.0, 0.5))
    found_kinds, found_detail = classify(before, after)
    assert found_kinds == kinds
    assert found_detail.startswith(detail)


def test_a_folder_that_is_no_release_is_refused(
    workspace: Workspace, toy_run: Callable[..., Path], tmp_path: Path
) -> None:
    toy_run()
    release = build_release(workspace, "toy", "toolpref", "v1", plots=False)
    with pytest.raises(ReleaseError, match="not a release folder"):
        load_release(tmp_path)
    for parquet in (release.path / "pairs").glob("*.parquet"):
        parquet.unlink()
    with pytest.raises(ReleaseError, match="has no pairs config"):
        diff_releases(release, release)
