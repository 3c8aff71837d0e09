"""What the checker needs of a tool's schema, worked out once per tool record instead of once per checked pair.

ToolSpec records are frozen, so a plan stays right for as long as its record lives. Plans are kept by the record's
identity; holding the record in the cache keeps its id from being reused.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from curation.memo import BoundedMemo
from curation.schema import ToolSpec

ABSENT: Any = object()  # "no such entry", distinct from None and from every JSON value

_SCALARS = frozenset({str, int, float, bool})

# Declared JSON Schema type -> the Python types of scalars that fit it with no further look (no type: any scalar).
_FAST_TYPES: dict[Any, frozenset[type]] = {
    None: _SCALARS,
    "string": frozenset({str}),
    "integer": frozenset({int}),
    "number": frozenset({int, float}),
    "boolean": frozenset({bool}),
}


class ToolPlan(NamedTuple):
    """What the checker needs of one tool's schema, worked out once per tool instead of once per pair."""

    required: tuple[str, ...]
    properties: dict[str, Any]
    fast_types: dict[str, frozenset[type]]  # per listed parameter; empty: always the full type check
    # Per array parameter whose items schema is a plain scalar type: the Python types of items that fit it.
    item_types: dict[str, frozenset[type]]
    extra: Any  # the schema of unlisted parameters (additionalProperties true or a schema), else ABSENT


# Bounded: cleared when full (the tools of the tasks at hand come back at once).
_PLANS: BoundedMemo[int, tuple[ToolSpec, ToolPlan]] = BoundedMemo(16384)


def _fast_types(schema: Any) -> frozenset[type]:
    declared = schema.get("type") if isinstance(schema, dict) else ABSENT
    return _FAST_TYPES.get(declared, frozenset()) if declared is None or isinstance(declared, str) else frozenset()


def _item_types(schema: Any) -> frozenset[type] | None:
    """For an array schema whose items are checked by their type alone: the item types that fit with no further
    look (as ``_fast_types``); else None."""
    if not isinstance(schema, dict) or schema.get("type") != "array":
        return None
    items = schema.get("items")
    return _fast_types(items) if isinstance(items, dict) else None


def plan_for(tool: ToolSpec) -> ToolPlan:
    cached = _PLANS.get(id(tool))
    if cached is not None and cached[0] is tool:
        return cached[1]
    schema = tool.parameters
    properties = schema.get("properties")
    properties = properties if isinstance(properties, dict) else {}
    extra = schema.get("additionalProperties")
    plan = ToolPlan(
        required=tuple(name for name in schema.get("required", ()) if isinstance(name, str)),
        properties=properties,
        fast_types={name: _fast_types(sub) for name, sub in properties.items()},
        item_types={name: types for name, sub in properties.items() if (types := _item_types(sub))},
        extra=extra if extra is True or isinstance(extra, dict) else ABSENT,
    )
    _PLANS.put(id(tool), (tool, plan))
    return plan
