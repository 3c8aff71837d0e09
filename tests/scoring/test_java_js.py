"""Java and JavaScript argument text read with BFCL's type rules (the cases of BFCL's own converter tests)."""

from __future__ import annotations

from typing import Any

import pytest

from curation.scoring.java_js import convert_argument, split_top_level

CASES: list[tuple[str, str, str, str | None, Any]] = [
    ("java", "true", "boolean", None, True),
    ("java", "123", "integer", None, 123),
    ("java", "-123", "integer", None, -123),
    ("java", "3.14f", "float", None, 3.14),
    ("java", "3e-3F", "float", None, 3e-3),
    ("java", "3.14", "float", None, "3.14"),  # a double literal is not a float
    ("java", "3.14", "double", None, 3.14),
    ("java", "123L", "long", None, 123),
    ("java", "abc", "long", None, "abc"),
    ("java", "abc", "String", None, "abc"),
    ("java", "123", "any", None, "123"),
    ("java", "new int[]{1, 2, 3}", "Array", "integer", [1, 2, 3]),
    ("java", "new int[] { }", "Array", "integer", []),
    ("java", "new long[]{1L, 2L}", "Array", "long", [1, 2]),
    ("java", 'new String[]{"a", "b,c"}', "Array", "String", ["a", "b,c"]),
    ("java", 'new ArrayList<>(Arrays.asList("a", "b"))', "ArrayList", "String", ["a", "b"]),
    ("java", "new ArrayList<Double>() {{ add(1.0); add(2.0); }}", "ArrayList", "double", [1.0, 2.0]),
    ("java", "new ArrayList<>()", "ArrayList", None, []),
    (
        "java",
        'new HashMap<String, Object>() {{ put("k1", 1); put("k2", "v"); put("k3", true); }}',
        "HashMap",
        None,
        {"k1": 1, "k2": "v", "k3": True},
    ),
    ("java", "new HashMap<>()", "HashMap", None, {}),
    ("java", "someVariable", "HashMap", None, "someVariable"),
    ("java", "x", "Set", None, "x"),  # BFCL raises NotImplementedError here
    ("javascript", "'abc'", "String", None, "abc"),
    ("javascript", "abc", "String", None, "abc"),
    ("javascript", "123n", "Bigint", None, 123),
    ("javascript", "3.14", "float", None, 3.14),
    ("javascript", "false", "Boolean", None, False),
    ("javascript", "[1, 'two', true]", "array", None, [1, "two", True]),
    ("javascript", "new Array(4, 5)", "array", "integer", [4, 5]),
    ("javascript", "[[1, 2], [3, 4]]", "array", "array", [[1, 2], [3, 4]]),
    (
        "javascript",
        "{'key1': 123, key2: 'v', k3: [1, 2], k4: {a: null}}",
        "dict",
        None,
        {"key1": 123, "key2": "v", "k3": [1, 2], "k4": {"a": None}},
    ),
    ("javascript", "{}", "dict", None, {}),
    ("javascript", "initialStateObject", "dict", None, "initialStateObject"),
]


@pytest.mark.parametrize(("language", "text", "type_name", "item_type", "value"), CASES)
def test_convert(language: str, text: str, type_name: str, item_type: str | None, value: Any) -> None:
    converted = convert_argument(text, language, type_name, item_type)
    assert converted == value
    assert type(converted) is type(value)


def test_split_top_level_respects_strings_and_brackets() -> None:
    assert split_top_level("1, 'a,b', [2, 3], {x: (4, 5)}") == ["1", " 'a,b'", " [2, 3]", " {x: (4, 5)}"]
