"""One-to-one assignment of candidate calls to expected calls: a maximum bipartite matching, never greedy alone.

Greedy matching (BFCL's: each expected call takes the first candidate that fits it) fails when an early expected
call takes the only candidate a later one could use. Here greedy only seeds the matching; every expected call it
leaves alone gets an augmenting-path search (Kuhn's algorithm), which re-routes earlier pairs when that frees a
candidate. The result is a maximum matching, so "no perfect matching" means no assignment exists.

Whether a pair fits is asked lazily through a callback: a pair is only checked when the search needs it, so an
exact turn costs what greedy costs, and a wrong one little more.
"""

from __future__ import annotations

from collections.abc import Callable


def maximum_matching(rows: int, columns: int, fits: Callable[[int, int], bool]) -> list[int | None]:
    """The column matched to each row (None for a row left unmatched) in a maximum matching of the pairs that fit.

    Rows are served in order and take the lowest free column that fits, unless that would leave an earlier row
    without one; so when several maximum matchings exist, earlier rows keep earlier columns.
    """
    owner: list[int | None] = [None] * columns
    unmatched: list[int] = []
    for row in range(rows):  # greedy seed
        for column in range(columns):
            if owner[column] is None and fits(row, column):
                owner[column] = row
                break
        else:
            unmatched.append(row)

    def augment(row: int, seen: list[bool]) -> bool:
        for column in range(columns):
            if not seen[column] and fits(row, column):
                seen[column] = True
                current = owner[column]
                if current is None or augment(current, seen):
                    owner[column] = row
                    return True
        return False

    for row in unmatched:
        augment(row, [False] * columns)
    matched: list[int | None] = [None] * rows
    for column, owning_row in enumerate(owner):
        if owning_row is not None:
            matched[owning_row] = column
    return matched
