"""Tool-schema repair: the Python, Java and JavaScript type names that sources use, turned into JSON Schema.

Sources describe parameters in many dialects: BFCL says "dict", "float", "tuple", "any", "String"; APIGen gives a
flat {param: {"type": "List[int]", ...}} map with "str, optional"; ToolAlpaca embeds OpenAPI. Everything
downstream (validation, the checker, prompts) sees one dialect: JSON Schema with "object", "string", "integer",
"number", "boolean", "array", "null". The original type name is kept under "x-original-type" when it differs, so
nothing is lost.
"""

from __future__ import annotations

import json
import marshal
import re
from functools import lru_cache
from typing import Any

ORIGINAL_TYPE_KEY = "x-original-type"

_SCALAR_TYPES: dict[str, str] = {
    # strings
    "str": "string",
    "string": "string",
    "char": "string",
    "character": "string",
    "text": "string",
    "date": "string",
    "datetime": "string",
    # integers
    "int": "integer",
    "integer": "integer",
    "long": "integer",
    "short": "integer",
    "byte": "integer",
    "bigint": "integer",
    # numbers
    "float": "number",
    "double": "number",
    "number": "number",
    "decimal": "number",
    "bigdecimal": "number",
    # booleans
    "bool": "boolean",
    "boolean": "boolean",
    # objects
    "dict": "object",
    "object": "object",
    "map": "object",
    "hashmap": "object",
    "mapping": "object",
    "json": "object",
    # arrays
    "list": "array",
    "array": "array",
    "tuple": "array",
    "set": "array",
    "arraylist": "array",
    "sequence": "array",
    "iterable": "array",
    # null
    "none": "null",
    "null": "null",
    "nonetype": "null",
}
_ANY_TYPES = {"any", "", "typing.any", "object?"}
_JSON_SCHEMA_TYPES = {"object", "string", "integer", "number", "boolean", "array", "null"}
_SCHEMA_KEYS = {"type", "properties", "required", "items", "enum", "description", "default", "anyOf", "oneOf"}


def type_from_name(name: str) -> tuple[dict[str, Any], bool]:
    """JSON Schema for a type name such as "List[int]" or "str, optional"; the flag says "optional".

    Unknown names give an unconstrained schema (``{}``) with the original kept under ``x-original-type``.
    """
    # Sources repeat the same few type names millions of times: parse each once, hand out fresh copies.
    schema_json, optional = _type_from_name_cached(name)
    return json.loads(schema_json), optional


@lru_cache(maxsize=4096)
def _type_from_name_cached(name: str) -> tuple[str, bool]:
    schema, optional = _parse_type_name(name)
    return json.dumps(schema), optional


def _parse_type_name(name: str) -> tuple[dict[str, Any], bool]:
    text = name.strip()
    optional = False
    # "str, optional" (APIGen), "Optional[int]" (Python)
    if re.search(r",\s*optional\s*$", text, flags=re.IGNORECASE):
        text = re.sub(r",\s*optional\s*$", "", text, flags=re.IGNORECASE).strip()
        optional = True
    match = re.fullmatch(r"(?:typing\.)?Optional\[(.*)\]", text, flags=re.IGNORECASE)
    if match:
        text, optional = match.group(1).strip(), True
    schema = _schema_for_type_text(text)
    if schema.get("type") != text:
        schema[ORIGINAL_TYPE_KEY] = name
    return schema, optional


def _schema_for_type_text(text: str) -> dict[str, Any]:
    lowered = text.lower()
    if lowered.endswith("[]"):  # Java's String[]
        items, _ = type_from_name(text[:-2])
        items.pop(ORIGINAL_TYPE_KEY, None)
        return {"type": "array", "items": items}
    generic = re.fullmatch(r"(?:typing\.)?(\w+)\s*[\[<](.*)[\]>]", text)
    if generic:
        outer, inner = generic.group(1).lower(), generic.group(2)
        outer_type = _SCALAR_TYPES.get(outer)
        if outer_type == "array":
            first = _split_top_level(inner)[0] if inner.strip() else ""
            items, _ = type_from_name(first) if first and outer != "tuple" else ({}, False)
            items.pop(ORIGINAL_TYPE_KEY, None)
            return {"type": "array", "items": items} if items else {"type": "array"}
        if outer_type == "object":
            return {"type": "object"}
        if outer in {"union"}:
            return {}
        return {"type": outer_type} if outer_type else {}
    if lowered in _ANY_TYPES:
        return {}
    mapped = _SCALAR_TYPES.get(lowered)
    return {"type": mapped} if mapped else {}


def _split_top_level(text: str) -> list[str]:
    """Split "int, List[str]" on commas that are not inside brackets."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        if char in "[<(":
            depth += 1
        elif char in "]>)":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return parts


def normalize_schema(schema: Any) -> dict[str, Any]:
    """A JSON Schema for one value, with every nested type name repaired."""
    if not isinstance(schema, dict):
        return {}
    result: dict[str, Any] = {}
    type_value = schema.get("type")
    optional = False
    if isinstance(type_value, str):
        if type_value in _JSON_SCHEMA_TYPES:
            result["type"] = type_value
        else:
            repaired, optional = type_from_name(type_value)
            result.update(repaired)
    elif isinstance(type_value, list):  # JSON Schema unions: ["string", "null"]
        names = [type_from_name(t)[0].get("type") for t in type_value if isinstance(t, str)]
        kept = sorted({n for n in names if n})
        if kept:
            result["type"] = kept[0] if len(kept) == 1 else kept
    for key, value in schema.items():
        if key == "type":
            continue
        if key == "properties":  # a non-map "properties" (null, a list) describes no parameter we can use
            mapping = value if isinstance(value, dict) else {}
            result["properties"] = {str(name): normalize_schema(sub) for name, sub in mapping.items()}
        elif key == "items":
            result["items"] = normalize_schema(value) if isinstance(value, dict) else {}
        elif key == "additionalProperties" and isinstance(value, dict):
            result["additionalProperties"] = normalize_schema(value)
        elif key in {"anyOf", "oneOf", "allOf"} and isinstance(value, list):
            result[key] = [normalize_schema(sub) for sub in value]
        elif key == "required":
            if isinstance(value, list):
                result["required"] = [str(name) for name in value if isinstance(name, str)]
            # BFCL and OpenAPI sometimes write "required": true on a property; the parent decides instead.
        elif key != ORIGINAL_TYPE_KEY or key not in result:
            result[key] = value
    if optional:
        result["x-optional"] = True
    if "properties" in result and "type" not in result:
        result["type"] = "object"
    return result


def _is_flat_parameter_map(parameters: dict[str, Any]) -> bool:
    """APIGen's {param: {"type": ..., "description": ...}} map, as opposed to a JSON Schema object."""
    if not parameters or not all(isinstance(value, dict) for value in parameters.values()):
        return False
    # Every value is a dict, so a "type" key is a parameter named "type" (xlam's card example, row 0), never a
    # JSON Schema type name; "properties" is a parameter only if it looks like one spec rather than a map of them.
    return "properties" not in parameters or isinstance(parameters["properties"].get("type"), str)


def normalize_parameters(parameters: Any) -> dict[str, Any]:
    """The JSON Schema object for a tool's parameters, whatever dialect the source used.

    A flat parameter map becomes {"type": "object", "properties": ..., "required": [...]} where a parameter is
    required unless it has a default or is marked optional.
    """
    if not isinstance(parameters, dict):
        return {"type": "object", "properties": {}}
    if _is_flat_parameter_map(parameters):
        properties = {name: normalize_schema(spec) for name, spec in parameters.items()}
        required = [
            name
            for name, spec in parameters.items()
            if "default" not in spec and not properties[name].get("x-optional")
        ]
        return {"type": "object", "properties": properties, "required": required}
    schema = normalize_schema(parameters)
    schema["type"] = "object"
    schema.setdefault("properties", {})
    properties = schema["properties"]
    # Drop required names that are not parameters at all only if the schema lists properties; keep order.
    if "required" in schema:
        schema["required"] = [name for name in dict.fromkeys(schema["required"]) if name in properties]
    return schema


def exact_key(value: Any) -> bytes | None:
    """A key for caching what is worked out from ``value`` (a tool's schema, say): equal only for values that are
    the same data, types and key order included (1, 1.0 and True differ, as do a list and a tuple). None when
    ``value`` holds something other than plain Python data (a subclass, an object), or is nested too deeply.
    (marshal writes any buffer, a bytearray say, as bytes: no source reader puts one in a schema.)"""
    try:
        # marshal version 2: types kept exactly, and no back-references, so equal data always gives equal bytes.
        return marshal.dumps(value, 2)
    except ValueError:
        return None


def value_type_error(value: Any, schema: dict[str, Any], path: str) -> str | None:
    """Why ``value`` does not match ``schema`` (a normalized JSON Schema), or None when it does.

    The rules are BFCL's: an int is accepted where a number (float) is expected, a bool is never an int or a
    number, an unconstrained schema accepts anything. Nested arrays and objects are checked recursively.
    """
    expected = schema.get("type")
    if expected is None:
        return None
    if not (isinstance(expected, str) and expected in _FITS.get(type(value), ())):
        allowed = expected if isinstance(expected, list) else [expected]
        if not any(_is_instance(value, name) for name in allowed):
            return f"{path} should be {' or '.join(map(str, allowed))}, got {kind_of(value)} {value!r:.80}"
    if isinstance(value, list):
        items = schema.get("items")
        if isinstance(items, dict):
            item_type = items.get("type")
            if item_type is None:
                return None
            # Items that are scalars of a fitting type pass with no call (and no path text) of their own.
            leaf_fit = isinstance(item_type, str)
            for index, item in enumerate(value):
                if leaf_fit and item_type in _LEAF_FITS.get(type(item), ()):
                    continue
                problem = value_type_error(item, items, f"{path}[{index}]")
                if problem:
                    return problem
    elif isinstance(value, dict):
        properties = schema.get("properties")
        if isinstance(properties, dict):
            for key, item in value.items():
                if key in properties:
                    problem = value_type_error(item, properties[key], f"{path}.{key}")
                    if problem:
                        return problem
    return None


# The type names that a value of exactly this Python type fits, as _is_instance decides (a shortcut for the common
# case; subclasses and unions take the full path). Leaves: fitting values with nothing inside them to check.
_LEAF_FITS: dict[type, frozenset[str]] = {
    str: frozenset({"string"}),
    int: frozenset({"integer", "number"}),
    float: frozenset({"number"}),
    bool: frozenset({"boolean"}),
    tuple: frozenset({"array"}),  # not looked into: only lists are
    type(None): frozenset({"null"}),
}
_FITS: dict[type, frozenset[str]] = {**_LEAF_FITS, list: frozenset({"array"}), dict: frozenset({"object"})}


def _is_instance(value: Any, type_name: str) -> bool:
    if type_name == "string":
        return isinstance(value, str)
    if type_name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if type_name == "boolean":
        return isinstance(value, bool)
    if type_name == "array":
        return isinstance(value, (list, tuple))
    if type_name == "object":
        return isinstance(value, dict)
    if type_name == "null":
        return value is None
    return True  # a type we do not know constrains nothing


def kind_of(value: Any) -> str:
    """The JSON Schema type name of a JSON value (an int is "integer", a float "number", a bool "boolean")."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__
