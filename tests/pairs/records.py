"""Hand-made records for the pair tests: tasks, candidates, scores and pairs with exactly the fields a test sets."""

from __future__ import annotations

from curation.schema import (
    Candidate,
    ErrorType,
    Message,
    Pair,
    Score,
    ScoredTask,
    Split,
    Task,
    TaskKind,
    ToolCall,
    ToolSpec,
)

WEATHER = ToolSpec(
    name="get_weather",
    description="Current weather for a city.",
    parameters={
        "type": "object",
        "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]}},
        "required": ["city"],
    },
)


def task(
    task_id: str = "apigen:1#1",
    *,
    source: str = "apigen",
    complexity: int = 2,
    user: str = "What is the weather in Paris?",
    trajectory_id: str | None = None,
) -> Task:
    call = ToolCall(name="get_weather", arguments={"city": "Paris"})
    return Task(
        id=task_id,
        trajectory_id=trajectory_id or task_id.split("#", 1)[0],
        source=source,
        turn=1,
        tools=(WEATHER,),
        history=(Message(role="user", content=user),),
        target=Message(role="assistant", tool_calls=(call,)),
        kind=TaskKind.single,
        complexity=complexity,
    )


def candidate(
    task_id: str,
    name: str,
    *,
    origin: str | None = None,
    city: str | None = "Paris",
    text: str = "",
    request_error: str | None = None,
) -> Candidate:
    calls = (ToolCall(name="get_weather", arguments={"city": city}),) if city is not None else ()
    return Candidate(
        id=f"{task_id}/{name}",
        task_id=task_id,
        origin=origin or name,
        text=text or (f"get_weather(city={city!r})" if city is not None else ""),
        calls=calls,
        request_error=request_error,
    )


def score(cand: Candidate, similarity: float, error: ErrorType | None = None) -> Score:
    return Score(
        candidate_id=cand.id,
        task_id=cand.task_id,
        similarity=similarity,
        exact=similarity == 1.0,
        error_type=error if similarity < 1.0 else None,
    )


def scored(base: Task, entries: list[tuple[Candidate, float]]) -> ScoredTask:
    return ScoredTask(
        task=base,
        candidates=tuple(c for c, _ in entries),
        scores=tuple(score(c, s, ErrorType.wrong_param_value) for c, s in entries),
    )


def pair(
    pair_id: str,
    *,
    source: str = "apigen",
    intensity_bin: int = 10,
    complexity: int = 2,
    task_id: str | None = None,
    trajectory_id: str | None = None,
    error: ErrorType | None = ErrorType.wrong_param_value,
    split: Split | None = None,
) -> Pair:
    """A pair whose rejected side scores 1 - intensity_bin / 10 (so its bin is ``intensity_bin``)."""
    task_id = task_id or f"{source}:{pair_id}#1"
    base = task(task_id, source=source, complexity=complexity, trajectory_id=trajectory_id)
    chosen = candidate(task_id, "ground_truth", origin="ground_truth")
    rejected = candidate(task_id, f"bad-{pair_id}", city="Lyon")
    intensity = intensity_bin / 10
    return Pair(
        pair_id=pair_id,
        task=base,
        chosen=chosen,
        rejected=rejected,
        chosen_score=score(chosen, 1.0),
        rejected_score=score(rejected, round(1.0 - intensity, 9), error),
        intensity=intensity,
        intensity_bin=intensity_bin,
        error_type=error,
        source=source,
        complexity=complexity,
        kind=TaskKind.single,
        split=split,
    )
