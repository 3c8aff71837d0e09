"""One-to-one assignment of candidate calls to expected calls: bipartite matching, never greedy alone.

Greedy matching (BFCL's: each expected call takes the first candidate that fits it) fails when an early expected
call takes the only candidate a later one could use. Here each expected call, in order, first takes a free
candidate that fits (the greedy step, enough for nearly every turn); when none is free it searches for an
augmenting path (Kuhn's algorithm), which re-routes earlier pairs when that frees a candidate. A call for which
no augmenting path exists can never be matched (Kuhn's invariant), so the search stops there: no perfect matching.

Whether a pair fits is asked lazily through a callback, so a pair is only checked when the search needs it: an
exact turn costs what greedy costs, and a wrong one stops at its first unmatchable call, as BFCL's does.
"""

from __future__ import annotations

from collections.abc import Callable


def match_all(size: int, fits: Callable[[int, int], bool]) -> tuple[list[int | None], int | None]:
    """Try to pair each of ``size`` rows with its own column among ``size`` columns, where ``fits(row, column)``.

    Returns the row owning each column so far, and None when every row is matched (a perfect matching), else the
    first row, in order, that no re-routing can match (rows after it are not tried).
    """
    owner: list[int | None] = [None] * size

    def augment(row: int, seen: list[bool]) -> bool:
        for column in range(size):
            if not seen[column] and fits(row, column):
                seen[column] = True
                current = owner[column]
                if current is None or augment(current, seen):
                    owner[column] = row
                    return True
        return False

    for row in range(size):
        free = next((column for column in range(size) if owner[column] is None and fits(row, column)), None)
        if free is not None:
            owner[free] = row
        elif not augment(row, [False] * size):
            return owner, row
    return owner, None
