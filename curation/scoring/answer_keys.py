"""Keys that tell when two candidate turns must get the same verdict, so that one task's candidates share the work.

Candidates of one task often give the same calls: the ground truth and its reformatted copies, two policies that
agree, a rewrite that only reorders keys or calls. The checker and the similarity are pure functions of the calls,
so a verdict worked out once holds for every candidate with the same key.

* ``identity_key``: equal keys mean the same call names and the same argument values, of the same Python types, in
  the same order at every depth (``tool_schema.exact_key``: True is not 1, 1 is not 1.0, -0.0 is not 0.0, a list is
  not a tuple). Every verdict, its detail included, holds for both. None for calls that hold something other than
  plain data (a subclass, an object): such a turn shares nothing.
* ``arrangement_free_key``: equal keys mean the same calls up to the order of the calls and of their top-level
  arguments. Exactness and the similarity do not depend on either order (every argument is checked on its own,
  parallel calls are matched one to one, the similarity takes the best match per ground-truth call), but the
  detail of a failure does (it names the first failing argument): only an exact verdict may be shared this way.
"""

from __future__ import annotations

from collections.abc import Sequence

from curation.schema import ToolCall
from curation.tool_schema import exact_key


def identity_key(calls: Sequence[ToolCall]) -> bytes | None:
    """Equal for calls identical in names, values, types and order; None when a value cannot be keyed."""
    return exact_key(tuple([(call.name, call.arguments) for call in calls]))


def arrangement_free_key(calls: Sequence[ToolCall]) -> bytes | None:
    """Equal for the same calls in any order, with their top-level arguments in any order; None as above."""
    each: list[bytes] = []
    for call in calls:
        try:
            # Argument names are unique, so sorting the items never compares two values.
            key = exact_key((call.name, sorted(call.arguments.items())))
        except TypeError:  # an argument name that is not a string (not from JSON)
            return None
        if key is None:
            return None
        each.append(key)
    return exact_key(sorted(each))
