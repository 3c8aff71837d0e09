"""exact_key: the cache key of tool schemas in ingest and validate tells apart what equality does not."""

from __future__ import annotations

from curation.tool_schema import exact_key


class Text(str):
    pass


def test_equal_data_gives_equal_keys() -> None:
    first = {"type": "object", "properties": {"n": {"type": "integer", "default": 1}}, "required": ["n"]}
    second = {"type": "object", "properties": {"n": {"type": "integer", "default": 1}}, "required": ["n"]}
    assert exact_key(first) == exact_key(second) is not None


def test_values_equal_in_python_but_not_as_data_give_different_keys() -> None:
    variants = [{"d": 1}, {"d": 1.0}, {"d": True}, {"d": [1]}, {"d": (1,)}, {"d": "1"}, {"d": -0.0}, {"d": 0.0}]
    keys = [exact_key(variant) for variant in variants]
    assert None not in keys
    assert len(set(keys)) == len(variants)
    assert exact_key({"a": 1, "b": 2}) != exact_key({"b": 2, "a": 1})  # key order shows in the output


def test_values_that_are_not_plain_data_have_no_key() -> None:
    assert exact_key({"d": Text("x")}) is None
    assert exact_key({"d": object()}) is None
    deep: list[object] = []
    for _ in range(5000):
        deep = [deep]
    assert exact_key(deep) is None
