"""Matching candidate calls to expected calls: an assignment is found wherever one exists (where greedy fails
too), lazily, and the search stops at the first expected call that no assignment can match."""

from __future__ import annotations

import itertools
import random

from curation.scoring.assignment import match_all


def test_greedy_trap() -> None:
    # Row 0 fits columns 0 and 1, row 1 only column 0: greedy gives column 0 to row 0 and strands row 1.
    fits = [[True, True], [True, False]]
    owners, unmatched = match_all(2, lambda r, c: fits[r][c])
    assert unmatched is None
    assert owners == [1, 0]


def test_stops_at_the_first_row_nothing_can_match() -> None:
    fits = [[True, False, False], [True, False, False], [False, True, True]]
    asked: list[tuple[int, int]] = []

    def fit(row: int, column: int) -> bool:
        asked.append((row, column))
        return fits[row][column]

    owners, unmatched = match_all(3, fit)
    assert unmatched == 1
    assert owners == [0, None, None]
    assert all(row < 2 for row, _ in asked)  # row 2 is never tried


def test_agrees_with_brute_force_on_random_graphs() -> None:
    rng = random.Random(7)
    for _ in range(400):
        size = rng.randint(1, 5)
        fits = [[rng.random() < 0.45 for _ in range(size)] for _ in range(size)]
        perfect = any(all(fits[r][c] for r, c in enumerate(p)) for p in itertools.permutations(range(size)))
        owners, unmatched = match_all(size, lambda r, c, f=fits: f[r][c])
        assert (unmatched is None) == perfect
        if perfect:
            assert sorted(owners) == list(range(size))  # type: ignore[type-var]
            assert all(fits[row][column] for column, row in enumerate(owners))  # type: ignore[index]


def test_exact_turns_cost_what_greedy_costs() -> None:
    asked: list[tuple[int, int]] = []

    def fits(row: int, column: int) -> bool:
        asked.append((row, column))
        return row == column

    assert match_all(3, fits) == ([0, 1, 2], None)
    assert asked == [(0, 0), (1, 1), (2, 2)]
