"""Realistic preference pairs and a finished-looking run folder, without running the pipeline.

The studio only reads what a run leaves on disk (run.json, each step's data/rejects/stats), so tests and the
30,000-pair benchmark write those files here directly, in the runner's layout: the same records a `balance` step
writes (curation.schema.Pair with tool calls on both sides), scored with the ToolRM rule (METHOD.md 6), and each
step's rejects with readable reasons. Seeded, so a test can name what it expects.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from curation.records_io import RejectWriter, write_records
from curation.schema import (
    Candidate,
    ErrorType,
    Message,
    Pair,
    Reject,
    Score,
    Task,
    TaskKind,
    ToolCall,
    ToolSpec,
    canonical_json,
    content_hash,
)


def _tool(name: str, description: str, required: dict[str, str], optional: dict[str, str] | None = None) -> ToolSpec:
    properties = {key: {"type": kind, "description": key.replace("_", " ")} for key, kind in required.items()}
    properties.update({key: {"type": kind} for key, kind in (optional or {}).items()})
    return ToolSpec(
        name=name,
        description=description,
        parameters={"type": "object", "properties": properties, "required": sorted(required)},
    )


TOOLS = {
    tool.name: tool
    for tool in (
        _tool("get_weather", "Current weather for a city.", {"location": "string"}, {"unit": "string"}),
        _tool("send_email", "Send an email.", {"to": "string", "subject": "string", "body": "string"}),
        _tool(
            "search_hotels",
            "Find hotels in a city.",
            {"city": "string", "checkin": "string", "checkout": "string"},
            {"guests": "integer", "max_price": "number"},
        ),
        _tool(
            "convert_currency",
            "Convert money.",
            {"amount": "number", "from_currency": "string", "to_currency": "string"},
        ),
        _tool(
            "book_flight",
            "Book a flight.",
            {"origin": "string", "destination": "string", "date": "string"},
            {"seats": "integer"},
        ),
        _tool("get_stock_price", "Latest price of a stock.", {"symbol": "string"}, {"exchange": "string"}),
        _tool(
            "create_event",
            "Add a calendar event.",
            {"title": "string", "start": "string"},
            {"duration_minutes": "integer"},
        ),
        _tool("translate_text", "Translate text.", {"text": "string", "target_language": "string"}),
        _tool("calculate_tip", "Tip for a bill.", {"bill": "number", "percent": "integer"}),
        _tool(
            "find_restaurants",
            "Restaurants near a place.",
            {"location": "string"},
            {"cuisine": "string", "open_now": "boolean"},
        ),
    )
}

VALUES: dict[str, list[Any]] = {
    "location": ["Paris", "Tokyo", "São Paulo", "Nairobi", "Oslo", "Lima"],
    "unit": ["celsius", "fahrenheit"],
    "to": ["ana@example.com", "li@example.org", "team@example.net"],
    "subject": ["Quarterly report", "Lunch on Friday?", "Invoice #4411"],
    "body": ["Please find the numbers attached.", "Does noon work for you?", "Paid in full, thanks."],
    "city": ["Berlin", "Madrid", "Kyoto", "Austin"],
    "checkin": ["2024-05-01", "2024-06-12", "2024-07-20"],
    "checkout": ["2024-05-04", "2024-06-15", "2024-07-27"],
    "guests": [1, 2, 3, 4],
    "max_price": [120.0, 250.5, 400.0],
    "amount": [100, 250.75, 1999.99],
    "from_currency": ["USD", "EUR", "JPY"],
    "to_currency": ["GBP", "CHF", "INR"],
    "origin": ["SFO", "CDG", "NRT"],
    "destination": ["JFK", "LHR", "SIN"],
    "date": ["2024-08-02", "2024-09-14"],
    "seats": [1, 2],
    "symbol": ["AAPL", "NVDA", "SAP"],
    "exchange": ["NASDAQ", "XETRA"],
    "title": ["Standup", "Dentist", "Board review"],
    "start": ["2024-05-02T09:00", "2024-05-03T15:30"],
    "duration_minutes": [15, 30, 60],
    "text": ["Where is the station?", "Thank you very much", "The meeting moved to Tuesday"],
    "target_language": ["fr", "ja", "sw"],
    "bill": [42.5, 87.0, 12.99],
    "percent": [10, 15, 20],
    "cuisine": ["ramen", "vegan", "tapas"],
    "open_now": [True, False],
}

SOURCES: dict[str, tuple[str, ...]] = {
    "apigen": ("",),
    "apigen_mt": ("retail", "airline"),
    "button": ("compositional",),
    "complexfuncbench": ("Hotels", "Flights"),
    "glaive": ("",),
    "hermes": ("func_calling_singleturn", "func_calling_multiturn"),
    "toolalpaca": ("",),
}

# The error types a perturbation can produce, weighted like FC-RewardBench's mix (METHOD.md): values first.
ERRORS: list[tuple[ErrorType, int]] = [
    (ErrorType.wrong_param_value, 40),
    (ErrorType.wrong_function_name, 20),
    (ErrorType.wrong_call_count, 10),
    (ErrorType.missing_required_param, 8),
    (ErrorType.wrong_param_type, 8),
    (ErrorType.unexpected_param, 6),
    (ErrorType.duplicate_call, 4),
    (ErrorType.parse_error, 4),
]


def render_calls(calls: tuple[ToolCall, ...]) -> str:
    """Hermes-style text of a list of calls."""
    return "\n".join(
        "<tool_call>\n" + json.dumps({"name": c.name, "arguments": c.arguments}, ensure_ascii=False) + "\n</tool_call>"
        for c in calls
    )


def similarity(gt: tuple[ToolCall, ...], candidate: tuple[ToolCall, ...]) -> float:
    """The ToolRM rule (METHOD.md 6), written out here so the fixture does not depend on the scorer."""
    if len(gt) != len(candidate) or not candidate:
        return 0.0
    keys = [canonical_json(c.model_dump(mode="json")) for c in candidate]
    if len(set(keys)) != len(keys):
        return 0.0
    total = 0.0
    for expected in gt:
        best = 0.0
        for call in candidate:
            if call.name != expected.name:
                continue
            union = set(expected.arguments) | set(call.arguments)
            same = sum(
                1 for k in union if k in expected.arguments and expected.arguments.get(k) == call.arguments.get(k)
            )
            best = max(best, same / len(union) if union else 1.0)
        total += best
    return total / len(gt)


@dataclass(frozen=True)
class _Perturbation:
    calls: tuple[ToolCall, ...]
    text: str
    parse_error: str | None = None


def _perturb(error: ErrorType, gt: tuple[ToolCall, ...], rng: random.Random) -> _Perturbation | None:
    index = rng.randrange(len(gt))
    call = gt[index]
    calls = list(gt)
    if error is ErrorType.wrong_param_value:
        # One or two values wrong, so intensities spread over the bins.
        changed = dict(call.arguments)
        for key in rng.sample(sorted(call.arguments), k=min(len(call.arguments), rng.choice([1, 1, 2]))):
            changed[key] = rng.choice([v for v in VALUES[key] if v != call.arguments[key]])
        calls[index] = ToolCall(name=call.name, arguments=changed)
    elif error is ErrorType.wrong_function_name:
        calls[index] = ToolCall(name=rng.choice([n for n in TOOLS if n != call.name]), arguments=call.arguments)
    elif error is ErrorType.wrong_call_count:
        if len(gt) == 1:
            calls.append(ToolCall(name="get_stock_price", arguments={"symbol": "AAPL"}))
        else:
            calls.pop(index)
    elif error is ErrorType.missing_required_param:
        required = TOOLS[call.name].parameters["required"]
        calls[index] = ToolCall(name=call.name, arguments={k: v for k, v in call.arguments.items() if k != required[0]})
    elif error is ErrorType.wrong_param_type:
        key = rng.choice(sorted(call.arguments))
        value = call.arguments[key]
        changed = str(value) if not isinstance(value, str) else [value]
        calls[index] = ToolCall(name=call.name, arguments={**call.arguments, key: changed})
    elif error is ErrorType.unexpected_param:
        calls[index] = ToolCall(name=call.name, arguments={**call.arguments, "verbose": True})
    elif error is ErrorType.duplicate_call:
        calls.insert(index, call)
    elif error is ErrorType.parse_error:
        text = render_calls(gt).replace("}\n</tool_call>", "\n</tool_call>", 1)
        return _Perturbation((), text, "Expecting ',' delimiter: line 1 column 80")
    return _Perturbation(tuple(calls), render_calls(tuple(calls)))


def _request(call: ToolCall) -> str:
    pieces = ", ".join(f"{key} {value}" for key, value in call.arguments.items())
    return f"Please {call.name.replace('_', ' ')} with {pieces}."


def make_pairs(count: int, seed: int = 7) -> Iterator[Pair]:
    """``count`` pairs spread over seven sources, ten bins' worth of intensities, every error type above."""
    rng = random.Random(seed)
    error_types = [e for e, _ in ERRORS]
    weights = [w for _, w in ERRORS]
    sources = sorted(SOURCES)
    made = 0
    serial = 0
    while made < count:
        serial += 1
        source = sources[serial % len(sources)]
        subset = rng.choice(SOURCES[source])
        offered = rng.sample(sorted(TOOLS), k=rng.randint(1, 4))
        n_calls = rng.choices([1, 2, 3], weights=[6, 3, 1])[0]
        gt = tuple(
            ToolCall(
                name=name,
                arguments={
                    key: rng.choice(VALUES[key])
                    for key in TOOLS[name].parameters["properties"]
                    if key in TOOLS[name].parameters["required"] or rng.random() < 0.5
                },
            )
            for name in (rng.choice(offered) for _ in range(n_calls))
        )
        if len({canonical_json(c.model_dump(mode="json")) for c in gt}) != len(gt):
            continue
        error = rng.choices(error_types, weights)[0]
        perturbed = _perturb(error, gt, rng)
        if perturbed is None:
            continue
        rejected_similarity = similarity(gt, perturbed.calls)
        if rejected_similarity >= 1.0:
            continue
        multi_turn = source == "apigen_mt" or subset.endswith("multiturn")
        trajectory_id = f"{source}:{serial:06d}"
        history: list[Message] = [
            Message(role="system", content="You are a helpful assistant with access to tools."),
        ]
        if multi_turn:
            first = ToolCall(name="get_weather", arguments={"location": rng.choice(VALUES["location"])})
            history += [
                Message(role="user", content=_request(first)),
                Message(role="assistant", tool_calls=(first,)),
                Message(role="tool", name="get_weather", content=json.dumps({"temperature": rng.randint(-5, 35)})),
                Message(role="assistant", content="Done. Anything else?"),
            ]
        history.append(Message(role="user", content=" Also, ".join(_request(c) for c in gt)))
        turn = len(history)
        tools = tuple(TOOLS[name] for name in dict.fromkeys([*offered, *(c.name for c in gt)]))
        complexity = len(gt) + sum(len(c.arguments) for c in gt)
        kind = (
            TaskKind.multi_turn
            if multi_turn
            else TaskKind.single
            if len(gt) == 1 and len(tools) == 1
            else TaskKind.multiple
            if len(gt) == 1
            else TaskKind.parallel
            if len({c.name for c in gt}) == 1
            else TaskKind.parallel_multiple
        )
        task = Task(
            id=f"{trajectory_id}#{turn}",
            trajectory_id=trajectory_id,
            source=source,
            subset=subset,
            turn=turn,
            tools=tools,
            history=tuple(history),
            target=Message(role="assistant", tool_calls=gt),
            kind=kind,
            complexity=complexity,
            license="cc-by-4.0",
        )
        chosen = Candidate(id=f"{task.id}/gt", task_id=task.id, origin="ground_truth", text=render_calls(gt), calls=gt)
        operator = error.value
        rejected = Candidate(
            id=f"{task.id}/perturb:{operator}",
            task_id=task.id,
            origin=f"perturb:{operator}",
            text=perturbed.text,
            calls=perturbed.calls,
            parse_error=perturbed.parse_error,
            seed=serial,
        )
        intensity = round(1.0 - rejected_similarity, 9)
        made += 1
        yield Pair(
            pair_id=content_hash({"task": task.id, "chosen": chosen.id, "rejected": rejected.id}, length=20),
            task=task,
            chosen=chosen,
            rejected=rejected,
            chosen_score=Score(candidate_id=chosen.id, task_id=task.id, similarity=1.0, exact=True),
            rejected_score=Score(
                candidate_id=rejected.id,
                task_id=task.id,
                similarity=rejected_similarity,
                exact=False,
                error_type=error,
                detail=f"{error.value} in call {perturbed.calls[0].name if perturbed.calls else '?'}",
            ),
            intensity=intensity,
            intensity_bin=min(10, max(1, math.ceil(round(intensity * 10, 7)))),
            error_type=error,
            source=source,
            subset=subset,
            complexity=complexity,
            kind=kind,
            split="validation" if made % 50 == 0 else "train",
        )


# Rejects per step: (reason, detail, raw) templates, as a run's steps would leave them.
STEP_REJECTS: dict[str, list[tuple[str, str, str]]] = {
    "ingest": [
        ("bad JSON", "line {n}: Expecting ',' delimiter", '{{"query": "weather in Paris", "answers": [{n}'),
    ],
    "segment": [],
    "validate": [
        ("unknown function", "call to get_wether: not among the tools", '{{"name": "get_wether", "n": {n}}}'),
        ("missing required argument", "send_email: 'to' is required", '{{"name": "send_email", "n": {n}}}'),
    ],
    "sample": [],
    "score": [],
    "difficulty": [("too easy", "every sample scored 1", "task {n}"), ("too hard", "no sample scored 1", "task {n}")],
    "pair": [("no pair", "2 usable candidates, similarities [1.0]", "task {n}")],
    "balance": [("over quota", "source glaive, bin 10 is full", "pair {n}")],
}


def write_run(workspace_root: Path, pairs: list[Pair], recipe: str = "demo", rejects_per_reason: int = 3) -> Path:
    """A finished run of ``recipe`` in the runner's layout, whose `balance` step holds ``pairs``."""
    run_dir = workspace_root / "runs" / recipe
    run_dir.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, Any] = {"recipe": recipe, "code_version": "test", "steps": []}
    upstream = ""
    for index, step in enumerate(STEP_REJECTS, start=1):
        step_hash = hashlib.sha256(f"{upstream}/{step}/{len(pairs)}".encode()).hexdigest()[:12]
        upstream = step_hash
        step_dir = run_dir / f"{index:02d}_{step}-{step_hash}"
        step_dir.mkdir(exist_ok=True)
        outputs = pairs if step in ("pair", "balance") else []
        write_records(step_dir / "data.parquet", outputs)
        reasons: Counter[str] = Counter()
        with RejectWriter(step_dir / "rejects.parquet") as writer:
            for reason, detail, raw in STEP_REJECTS[step]:
                for n in range(rejects_per_reason):
                    writer.write(
                        Reject(record_id=f"{step}:{n}", reason=reason, detail=detail.format(n=n), raw=raw.format(n=n))
                    )
                    reasons[reason] += 1
        stats = {
            "step": step,
            "hash": step_hash,
            "config": {},
            "in": len(outputs) + sum(reasons.values()),
            "out": len(outputs),
            "rejected": sum(reasons.values()),
            "rows_out": len(outputs),
            "reasons": dict(reasons.most_common()),
            "counters": {},
            "report": {},
            "seconds": 0.01,
        }
        (step_dir / "stats.json").write_text(json.dumps(stats, indent=2, sort_keys=True), encoding="utf-8")
        (step_dir / "_SUCCESS").write_text("", encoding="utf-8")
        manifest["steps"].append({"index": index, "step": step, "dir": step_dir.name, "hash": step_hash})
    (run_dir / "run.json").write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
    return run_dir
