"""Synthetic but realistic preference pairs, and finished runs made from them with the real runner.

A pair here is what `pair` makes: a task from a source (tools with JSON Schema parameters, a user turn, a
ground-truth tool call), the ground truth as chosen, and a typed error of it as rejected, scored with the ToolRM
rule by hand (METHOD.md 6) so that expected numbers do not come from the code under test. A run folder gets its
`pair` step written directly and its `balance` and `format` steps executed by the runner (curation.pipeline), so a
release reads exactly the layout and records a real run leaves.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from curation.pipeline import execute_step
from curation.records_io import RejectWriter, write_records
from curation.schema import Candidate, ErrorType, Message, Pair, Score, Task, TaskKind, ToolCall, ToolSpec, content_hash
from curation.steps.balance import Balance
from curation.steps.format import Format
from curation.steps.pair import intensity_bin, pair_id
from curation.workspace import Workspace

REPO = Path(__file__).resolve().parents[2]
# The sources' licenses as their publishers give them.
LICENSES = {"apigen": "CC-BY-4.0", "apigen_mt": "CC-BY-NC-4.0", "glaive": "Apache-2.0", "hermes": "Apache-2.0"}


def _tool(name: str, description: str, properties: dict[str, dict[str, Any]], required: list[str]) -> ToolSpec:
    return ToolSpec(
        name=name,
        description=description,
        parameters={"type": "object", "properties": properties, "required": required},
    )


WEATHER = _tool(
    "get_weather",
    "Current weather for a city.",
    {"location": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
    ["location"],
)
FLIGHTS = _tool(
    "search_flights",
    "Search one-way flights.",
    {
        "origin": {"type": "string", "description": "IATA code"},
        "destination": {"type": "string", "description": "IATA code"},
        "date": {"type": "string", "format": "date"},
        "passengers": {"type": "integer"},
    },
    ["origin", "destination", "date"],
)
CURRENCY = _tool(
    "convert_currency",
    "Convert an amount between currencies.",
    {"amount": {"type": "number"}, "from_currency": {"type": "string"}, "to_currency": {"type": "string"}},
    ["amount", "from_currency", "to_currency"],
)
EMAIL = _tool(
    "send_email",
    "Send an email.",
    {"to": {"type": "string"}, "subject": {"type": "string"}, "body": {"type": "string"}},
    ["to", "subject", "body"],
)
CITIES = [
    "Berlin",
    "Lisbon",
    "Osaka",
    "Nairobi",
    "Lima",
    "Toronto",
    "Hanoi",
    "Oslo",
    "Quito",
    "Perth",
    "Cairo",
    "Seoul",
]
AIRPORTS = ["BER", "LIS", "KIX", "NBO", "LIM", "YYZ", "HAN", "OSL", "UIO", "PER", "CAI", "ICN"]


def ground_truth(number: int) -> tuple[tuple[ToolSpec, ...], str, tuple[ToolCall, ...], TaskKind]:
    """Tools, user request and ground-truth calls of task ``number`` (four shapes, varied values)."""
    city, airport = CITIES[number % len(CITIES)], AIRPORTS[number % len(AIRPORTS)]
    shape = number % 4
    if shape == 0:
        return (
            (WEATHER,),
            f"What's the weather in {city} right now, in celsius?",
            (ToolCall(name="get_weather", arguments={"location": city, "unit": "celsius"}),),
            TaskKind.single,
        )
    if shape == 1:
        destination = AIRPORTS[(number + 5) % len(AIRPORTS)]
        return (
            (WEATHER, FLIGHTS),
            f"Find flights from {airport} to {destination} on 2025-0{1 + number % 9}-1{number % 10} for 2 people.",
            (
                ToolCall(
                    name="search_flights",
                    arguments={
                        "origin": airport,
                        "destination": destination,
                        "date": f"2025-0{1 + number % 9}-1{number % 10}",
                        "passengers": 2,
                    },
                ),
            ),
            TaskKind.multiple,
        )
    if shape == 2:
        amounts = (100 + number, 250.5 + number)
        return (
            (CURRENCY,),
            f"Convert {amounts[0]} USD to EUR and {amounts[1]} GBP to JPY.",
            tuple(
                ToolCall(name="convert_currency", arguments={"amount": a, "from_currency": f, "to_currency": t})
                for a, (f, t) in zip(amounts, (("USD", "EUR"), ("GBP", "JPY")), strict=True)
            ),
            TaskKind.parallel,
        )
    return (
        (EMAIL, WEATHER),
        f"Email ops-{number}@example.com that the {city} deploy is done.",
        (
            ToolCall(
                name="send_email",
                arguments={"to": f"ops-{number}@example.com", "subject": "Deploy done", "body": f"{city} is live."},
            ),
        ),
        TaskKind.multiple,
    )


def similarity(truth: Sequence[ToolCall], answer: Sequence[ToolCall]) -> float:
    """The ToolRM rule, written out for the fixtures: 0 on a call-count mismatch, else the mean over GT calls of
    the best share of argument keys (over the union) whose values are equal."""
    if len(truth) != len(answer):
        return 0.0
    total = 0.0
    for gt in truth:
        best = 0.0
        for call in answer:
            if call.name == gt.name:
                keys = set(gt.arguments) | set(call.arguments)
                same = sum(1 for k in keys if gt.arguments.get(k, object()) == call.arguments.get(k, object()))
                best = max(best, same / len(keys) if keys else 1.0)
        total += best
    return total / len(truth)


def perturb(calls: tuple[ToolCall, ...], error: ErrorType) -> tuple[ToolCall, ...]:
    first, rest = calls[0], calls[1:]
    arguments = dict(first.arguments)
    if error == ErrorType.wrong_param_value:
        key = sorted(arguments)[0]
        arguments[key] = f"{arguments[key]}x" if isinstance(arguments[key], str) else arguments[key] + 1
        return (first.model_copy(update={"arguments": arguments}), *rest)
    if error == ErrorType.missing_required_param:
        arguments.pop(sorted(arguments)[-1])
        return (first.model_copy(update={"arguments": arguments}), *rest)
    if error == ErrorType.wrong_function_name:
        return (first.model_copy(update={"name": "lookup"}), *rest)
    return calls[:-1] if len(calls) > 1 else (*calls, first)  # wrong_call_count


ERRORS = (
    ErrorType.wrong_param_value,
    ErrorType.missing_required_param,
    ErrorType.wrong_function_name,
    ErrorType.wrong_call_count,
)


def make_pair(
    number: int, source: str, error: ErrorType | None = None, rejected_similarity: float | None = None
) -> Pair:
    """Pair ``number`` of ``source``: GT chosen, a typed error of it rejected. ``rejected_similarity`` overrides
    the rule's score of the rejected side (a rescored pair, same ids)."""
    tools, request, calls, kind = ground_truth(number)
    error = error or ERRORS[(number + number // 4) % len(ERRORS)]  # every error with every task shape
    trajectory = f"{source}:{number}"
    task = Task(
        id=f"{trajectory}#1",
        trajectory_id=trajectory,
        source=source,
        turn=1,
        tools=tools,
        history=(Message(role="user", content=request),),
        target=Message(role="assistant", tool_calls=calls),
        kind=kind,
        complexity=len(calls) + sum(len(call.arguments) for call in calls),
        license=LICENSES[source],
    )
    wrong = perturb(calls, error)

    def text(answer: tuple[ToolCall, ...]) -> str:
        return "\n".join(f"<tool_call>\n{call.model_dump_json()}\n</tool_call>" for call in answer)

    chosen = Candidate(id=f"{task.id}/gt", task_id=task.id, origin="ground_truth", text=text(calls), calls=calls)
    rejected = Candidate(
        id=f"{task.id}/perturb:{error.value}",
        task_id=task.id,
        origin=f"perturb:{error.value}",
        text=text(wrong),
        calls=wrong,
        seed=number,
    )
    low = similarity(calls, wrong) if rejected_similarity is None else rejected_similarity
    intensity = round(1.0 - low, 9)
    return Pair(
        pair_id=pair_id(task.id, chosen.id, rejected.id),
        task=task,
        chosen=chosen,
        rejected=rejected,
        chosen_score=Score(candidate_id=chosen.id, task_id=task.id, similarity=1.0, exact=True),
        rejected_score=Score(
            candidate_id=rejected.id, task_id=task.id, similarity=low, exact=False, error_type=error, detail=error.value
        ),
        intensity=intensity,
        intensity_bin=intensity_bin(intensity),
        error_type=error,
        source=source,
        complexity=task.complexity,
        kind=kind,
    )


def make_pool(per_source: int = 12, sources: Sequence[str] = tuple(LICENSES)) -> list[Pair]:
    return [make_pair(number, source) for source in sources for number in range(per_source)]


@dataclass(frozen=True)
class RunSpec:
    recipe: str = "toy"
    target_size: int = 36
    validation_size: int = 6
    format_config: dict[str, Any] | None = None


def write_run(workspace: Workspace, pool: Sequence[Pair], spec: RunSpec = RunSpec()) -> Path:
    """runs/<recipe>/ with a `pair` step holding ``pool`` and real `balance` and `format` steps after it."""
    run_dir = workspace.run_dir(spec.recipe)
    run_dir.mkdir(parents=True, exist_ok=True)
    pair_dir = run_dir / f"01_pair-{content_hash([p.pair_id for p in pool], 12)}"
    pair_dir.mkdir()
    write_records(pair_dir / "data.parquet", pool)
    with RejectWriter(pair_dir / "rejects.parquet"):
        pass
    stats = {"step": "pair", "config": {}, "in": len(pool), "out": len(pool), "rejected": 0, "reasons": {}}
    (pair_dir / "stats.json").write_text(json.dumps(stats), encoding="utf-8")
    (pair_dir / "_SUCCESS").write_text("", encoding="utf-8")

    balance = Balance(target_size=spec.target_size, validation_size=spec.validation_size)
    format_step = Format.model_validate(spec.format_config or {})
    entries = [{"index": 1, "step": "pair", "dir": pair_dir.name, "hash": pair_dir.name.rsplit("-", 1)[1]}]
    upstream = pair_dir / "data.parquet"
    for index, step in enumerate((balance, format_step), start=2):
        step_hash = content_hash({"step": step.name, "config": step.model_dump(mode="json"), "up": entries[-1]}, 12)
        folder = run_dir / f"{index:02d}_{step.name}-{step_hash}"
        execute_step(step, upstream, folder, workspace, REPO, step_hash=step_hash)
        entries.append({"index": index, "step": step.name, "dir": folder.name, "hash": step_hash})
        upstream = folder / "data.parquet"
    (run_dir / "run.json").write_text(
        json.dumps({"recipe": spec.recipe, "code_version": "0.1.0+test", "steps": entries}), encoding="utf-8"
    )
    recipe = {
        "name": spec.recipe,
        "description": "fixture run",
        "steps": [{"step": "pair", "config": {}}]
        + [{"step": s.name, "config": s.model_dump(mode="json")} for s in (balance, format_step)],
    }
    (run_dir / "recipe.yaml").write_text(yaml.safe_dump(recipe, sort_keys=False), encoding="utf-8")
    return run_dir


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path / "ws")


@pytest.fixture(scope="session")
def _default_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default run, made once per session; tests get a copy."""
    return write_run(Workspace(tmp_path_factory.mktemp("default-run")), make_pool())


@pytest.fixture
def toy_run(workspace: Workspace, _default_run: Path) -> Callable[..., Path]:
    """Writes a run (default: 48 pairs from four sources, balanced to 36) and returns its folder."""

    def make(pool: Sequence[Pair] | None = None, spec: RunSpec = RunSpec()) -> Path:
        if pool is None and spec == RunSpec():
            return Path(shutil.copytree(_default_run, workspace.run_dir(spec.recipe)))
        return write_run(workspace, make_pool() if pool is None else pool, spec)

    return make


def cli_env(**extra: str) -> dict[str, str]:
    """The environment for a `toolpref` subprocess: this repo importable, nothing from the caller's Hub setup."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGINGFACE"))}
    env["PYTHONPATH"] = str(REPO)
    env.update(extra)
    return env
