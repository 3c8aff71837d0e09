"""Maximum matching: finds an assignment wherever one exists (where greedy fails too), lazily."""

from __future__ import annotations

import itertools
import random

from curation.scoring.assignment import maximum_matching


def test_greedy_trap() -> None:
    # Row 0 fits columns 0 and 1, row 1 only column 0: greedy gives column 0 to row 0 and strands row 1.
    fits = [[True, True], [True, False]]
    assert maximum_matching(2, 2, lambda r, c: fits[r][c]) == [1, 0]


def test_no_perfect_matching_leaves_rows_alone() -> None:
    fits = [[True, False, False], [True, False, False], [False, True, True]]
    matching = maximum_matching(3, 3, lambda r, c: fits[r][c])
    assert matching.count(None) == 1
    assert matching[2] in (1, 2)
    assert matching[0] == 0 or matching[1] == 0


def test_agrees_with_brute_force_on_random_graphs() -> None:
    rng = random.Random(7)
    for _ in range(300):
        size = rng.randint(1, 5)
        fits = [[rng.random() < 0.4 for _ in range(size)] for _ in range(size)]
        best = max(sum(fits[r][c] for r, c in enumerate(perm)) for perm in itertools.permutations(range(size)))
        matching = maximum_matching(size, size, lambda r, c, f=fits: f[r][c])
        assert all(m is None or fits[r][m] for r, m in enumerate(matching))
        assert len({m for m in matching if m is not None}) == sum(m is not None for m in matching)
        assert sum(m is not None for m in matching) == best


def test_exact_turns_cost_what_greedy_costs() -> None:
    asked: list[tuple[int, int]] = []

    def fits(row: int, column: int) -> bool:
        asked.append((row, column))
        return row == column

    assert maximum_matching(3, 3, fits) == [0, 1, 2]
    assert asked == [(0, 0), (1, 1), (2, 2)]
