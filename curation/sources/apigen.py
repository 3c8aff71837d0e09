"""APIGen (Salesforce/xlam-function-calling-60k): single-turn queries with parallel/multiple calls.

Native record (one JSON array): ``{"id": int, "query": str, "answers": "<JSON list of calls>", "tools": "<JSON
list of tools>"}``. ``tools`` gives flat parameter maps ``{param: {"type": "List[int]", "description", "default"}}``
with Python type names such as ``"str, optional"``; ``normalize_parameters`` turns them into JSON Schema.
The record ends at the calls: no tool results, no final answer. An empty ``answers`` list (the shape
xlam-irrelevance uses for "no tool fits") becomes a no-call assistant turn with empty text.
"""

from __future__ import annotations

from collections.abc import Iterator

from curation.registry import sources
from curation.schema import Message, Reject, Trajectory
from curation.sources import convert
from curation.sources.base import RawRecord, SourceAdapter, SourceError


@sources.register("apigen")
class ApiGenAdapter(SourceAdapter):
    name = "apigen"
    license = "CC-BY-4.0"
    hub_id = "Salesforce/xlam-function-calling-60k"
    description = "xlam-function-calling-60k: one query, parallel/multiple calls, flat parameter maps"

    def convert(self, raw: RawRecord) -> Iterator[Trajectory | Reject]:
        record = convert.require_dict(raw.value)
        query = convert.require_text(record, "query", "record has no user query")
        if "tools" not in record or record["tools"] is None:
            raise SourceError("record has no tool list", "field 'tools' is missing")
        tools = convert.tool_specs(record["tools"], "tools")
        if "answers" not in record or record["answers"] is None:
            raise SourceError("record has no answers", "field 'answers' is missing")
        answers = convert.parsed(record["answers"], convert.BAD_CALL, "answers")
        if not isinstance(answers, list):
            raise SourceError("answers are not a list of calls", f"answers is a {type(answers).__name__}")
        calls = convert.tool_calls(answers, "answers")
        messages = [Message(role="user", content=query), Message(role="assistant", tool_calls=calls)]
        yield convert.trajectory(self.name, convert.source_id(record, raw.key), messages, tools, self.license)
