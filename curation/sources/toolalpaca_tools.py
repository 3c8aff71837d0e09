"""ToolAlpaca's tools: one ToolSpec per function of an API entry, from its OpenAPI spec or its text description.

An entry's ``Documentation`` is an OpenAPI 3 spec serialized as a JSON string; ``Function_Projection`` maps each
function to its ``[path, method]`` (the eval_real specs have no operationIds). Parameters are built the way
ToolAlpaca's own executor (agent/convert_request.py) reads them: the operation's ``parameters`` plus the
properties of an ``application/json`` request body. When the spec cannot be read, the ``Parameters: {json}``
line of ``Function_Description`` (ToolAlpaca's natural-language rendering of the spec) is used instead.
Every agent in ToolAlpaca also has ``getDetails`` (ask the user) and the entry's ``external_tools``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from curation.schema import ToolSpec
from curation.sources.base import SourceError
from curation.tool_schema import normalize_parameters, type_from_name

_REF_DEPTH = 16
_REF_BUDGET = 1000
_BODY_TYPES = ("application/json", "application/x-www-form-urlencoded", "multipart/form-data")

# The tools every ToolAlpaca agent has besides the API's own (texts from ToolAlpaca's agent/tools.py, Apache-2.0).
GET_DETAILS = ToolSpec(
    name="getDetails",
    description=(
        "If the user's question lacks the essential information needed to answer the question effectively, or if "
        "the question contains vague terms or pronouns without sufficient context, invoke the `getDetails` "
        "function to prompt the user for the missing critical details. However, `getDetails` should not be used "
        "in cases where the user omits optional parameters, unless these parameters become necessary in the "
        "course of the conversation.\nOutput: User's response."
    ),
    parameters={
        "type": "object",
        "properties": {
            "Question": {
                "type": "string",
                "description": "The question to prompt user to provide sufficient information.",
            }
        },
        "required": ["Question"],
    },
)
EXTERNAL_TOOLS = {
    "retrieval": ToolSpec(
        name="retrievalDataFromFile",
        description=(
            "Retrieve specified information from a file. This tool can ONLY be used when you receive the message "
            "'The output is too long. You need to use the 'retrievalDataFromFile' function to retrieve the output "
            "from the file: <file_path>'."
        ),
        parameters={
            "type": "object",
            "properties": {
                "file_path": {
                    "type": "string",
                    "description": "The path to the file from which information needs to be retrieved.",
                },
                "query": {"type": "string", "description": "The specific information to be retrieved from the file."},
            },
            "required": ["file_path", "query"],
        },
    ),
    "datetime": ToolSpec(
        name="getCurrentDateTime",
        description="Retrieve the current date and time.",
        parameters={"type": "object", "properties": {}},
    ),
}


def api_tools(entry: dict[str, Any]) -> tuple[ToolSpec, ...]:
    """getDetails, the entry's functions, then its external tools. Raises SourceError when a function has no
    readable parameter schema at all."""
    descriptions = entry.get("Function_Description")
    if not isinstance(descriptions, dict):
        raise SourceError("unreadable tool documentation", "'Function_Description' is not an object")
    projection = entry.get("Function_Projection")
    projection = projection if isinstance(projection, dict) else {}
    spec = _openapi_spec(entry.get("Documentation"))
    names = [name for name in descriptions if name != "components"]
    tools = []
    for name in names:
        summary, parameters_text = split_description(descriptions[name])
        parameters = None
        if spec is not None:
            operation = _operation(spec, projection.get(name), name)
            if operation is not None:
                parameters = _openapi_parameters(spec, *operation)
        if parameters is None:
            parameters = _described_parameters(parameters_text)
        if parameters is None:
            raise SourceError(
                "unreadable tool documentation", f"{name}: no OpenAPI operation and no readable 'Parameters: {{...}}'"
            )
        tools.append(ToolSpec(name=str(name), description=summary, parameters=normalize_parameters(parameters)))
    components = descriptions.get("components")
    if tools and isinstance(components, str) and components.strip():
        # ToolAlpaca appends the shared output formats to the last function's description; so do we.
        last = tools[-1]
        tools[-1] = last.model_copy(update={"description": f"{last.description}\n{components.strip()}"})
    external = entry.get("external_tools") or []
    extra = [EXTERNAL_TOOLS[name] for name in external if isinstance(name, str) and name in EXTERNAL_TOOLS]
    return (GET_DETAILS, *tools, *extra)


def split_description(text: Any) -> tuple[str, str | None]:
    """A Function_Description text -> (description without the Parameters line, the Parameters JSON text)."""
    if not isinstance(text, str):
        return "", None
    match = re.search(r"\nParameters:\s*(.*?)(?=\nOutput:|\Z)", text, flags=re.DOTALL)
    if match is None:
        return text.strip(), None
    description = (text[: match.start()] + text[match.end() :]).strip()
    return description, match.group(1).strip()


def _openapi_spec(documentation: Any) -> dict[str, Any] | None:
    if isinstance(documentation, dict):
        return documentation
    if not isinstance(documentation, str):
        return None
    try:
        spec = json.loads(documentation)
    except (ValueError, RecursionError):
        return None
    return spec if isinstance(spec, dict) and isinstance(spec.get("paths"), dict) else None


def _operation(spec: dict[str, Any], projected: Any, name: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(operation, its path item) by Function_Projection's [path, method], else by operationId."""
    paths = spec["paths"]
    if isinstance(projected, list) and len(projected) == 2 and all(isinstance(part, str) for part in projected):
        path_item = paths.get(projected[0])
        if isinstance(path_item, dict) and isinstance(path_item.get(projected[1].lower()), dict):
            return path_item[projected[1].lower()], path_item
    for path_item in paths.values():
        if isinstance(path_item, dict):
            for operation in path_item.values():
                if isinstance(operation, dict) and operation.get("operationId") == name:
                    return operation, path_item
    return None


def _openapi_parameters(spec: dict[str, Any], operation: dict[str, Any], path_item: dict[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    declared = [*_as_list(path_item.get("parameters")), *_as_list(operation.get("parameters"))]
    for parameter in (resolve_refs(item, spec) for item in declared):
        if not isinstance(parameter, dict) or not isinstance(parameter.get("name"), str):
            continue
        schema = resolve_refs(parameter.get("schema"), spec)
        prop = dict(schema) if isinstance(schema, dict) else {}
        if isinstance(parameter.get("description"), str) and "description" not in prop:
            prop["description"] = parameter["description"]
        properties[parameter["name"]] = prop
        if parameter.get("required") is True:
            required.append(parameter["name"])
    body = resolve_refs(operation.get("requestBody"), spec)
    content = body.get("content") if isinstance(body, dict) else None
    if isinstance(content, dict):
        media = next((content[kind] for kind in _BODY_TYPES if kind in content), None)
        schema = resolve_refs(media.get("schema"), spec) if isinstance(media, dict) else None
        if isinstance(schema, dict) and isinstance(schema.get("properties"), dict):
            properties.update(schema["properties"])
            required.extend(name for name in _as_list(schema.get("required")) if isinstance(name, str))
    return {"type": "object", "properties": properties, "required": list(dict.fromkeys(required))}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def resolve_refs(value: Any, spec: dict[str, Any]) -> Any:
    """``value`` with every local ``$ref`` ("#/components/...") replaced by its target. Cycles and reference
    bombs end as empty schemas: at most ``_REF_DEPTH`` hops deep and ``_REF_BUDGET`` references in all."""
    budget = [_REF_BUDGET]

    def walk(node: Any, hops: int) -> Any:
        if isinstance(node, list):
            return [walk(item, hops) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if not isinstance(ref, str):
            return {key: walk(item, hops) for key, item in node.items()}
        siblings = {key: item for key, item in node.items() if key != "$ref"}
        target = _pointer(spec, ref)
        budget[0] -= 1
        if hops >= _REF_DEPTH or budget[0] < 0 or not isinstance(target, dict):
            return siblings
        return {**walk(target, hops + 1), **siblings}

    return walk(value, 0)


def _pointer(spec: dict[str, Any], ref: str) -> Any:
    if not ref.startswith("#/"):
        return None  # remote references are not followed
    target: Any = spec
    for part in ref[2:].split("/"):
        key = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(target, dict) or key not in target:
            return None
        target = target[key]
    return target


_DESCRIBED_TYPE = re.compile(r"(?P<type>[A-Za-z]+(?:\[[^\]]*\])?)\.\s*")
_DESCRIBED_ENUM = re.compile(r"One of: \[(?P<values>[^\]]*)\]\.?\s*")


def _described_parameters(text: str | None) -> dict[str, Any] | None:
    """Parameters from "Parameters: {"name": "Required. string. One of: [a, b]. What it is."}"."""
    if text is None:
        return None
    try:
        described = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(described, dict):
        return None
    properties: dict[str, Any] = {}
    required = []
    for name, value in described.items():
        rest = str(value).strip()
        if rest.startswith("Required."):
            required.append(name)
            rest = rest.removeprefix("Required.").strip()
        rest = rest.removeprefix("Optional.").strip()
        prop: dict[str, Any] = {}
        type_match = _DESCRIBED_TYPE.match(rest)
        if type_match:
            schema, _ = type_from_name(type_match.group("type"))
            if schema.get("type"):
                prop.update(schema)
                rest = rest[type_match.end() :]
        enum_match = _DESCRIBED_ENUM.match(rest)
        if enum_match:
            prop["enum"] = [item.strip() for item in enum_match.group("values").split(",") if item.strip()]
            rest = rest[enum_match.end() :]
        prop["description"] = rest
        properties[name] = prop
    return {"type": "object", "properties": properties, "required": required}
