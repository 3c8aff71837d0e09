"""The `score` step: one Score per candidate aligned by index, parse and request failures, counters, rejects; and
end to end with the real `sample` step and its perturb backend (typed negatives with the error they aim at)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from curation.registry import steps
from curation.schema import (
    Candidate,
    ErrorType,
    Message,
    Reject,
    SampledTask,
    ScoredTask,
    Task,
    TaskKind,
    ToolCall,
    ToolSpec,
)
from curation.scoring.check import CheckOptions
from curation.scoring.parse import render_calls
from curation.steps.score import ScoreStep
from curation.tool_schema import normalize_parameters

WEATHER = ToolSpec(
    name="get_weather",
    parameters=normalize_parameters(
        {
            "type": "dict",
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "default": "celsius"},
                "days": {"type": "integer"},
                "hourly": {"type": "boolean"},
            },
            "required": ["city"],
        }
    ),
)
TIME = ToolSpec(
    name="get_time",
    parameters=normalize_parameters({"type": "dict", "properties": {"zone": {"type": "string"}}, "required": ["zone"]}),
)


def call(name: str, **arguments: Any) -> ToolCall:
    return ToolCall(name=name, arguments=arguments)


def task(*calls: ToolCall, text: str = "", task_id: str = "demo:1#1") -> Task:
    return Task(
        id=task_id,
        trajectory_id="demo:1",
        source="demo",
        turn=1,
        tools=(WEATHER, TIME),
        history=(Message(role="user", content="Weather in Paris for 2 days, and the time in Rome?"),),
        target=Message(role="assistant", content=text, tool_calls=calls),
        kind=TaskKind.parallel if len(calls) > 1 else (TaskKind.single if calls else TaskKind.no_call),
        complexity=len(calls) + sum(len(c.arguments) for c in calls),
    )


def candidate(number: int, calls: tuple[ToolCall, ...] = (), task_id: str = "demo:1#1", **fields: Any) -> Candidate:
    return Candidate(id=f"c{number}", task_id=task_id, origin="model", text=render_calls(calls), calls=calls, **fields)


GT = (call("get_weather", city="Paris", days=2), call("get_time", zone="Europe/Rome"))


def test_one_score_per_candidate_in_order() -> None:
    candidates = (
        candidate(0, GT),
        candidate(1, tuple(reversed(GT))),
        candidate(2, (call("get_weather", city="Paris", days=3), GT[1])),
        candidate(3, (GT[0],)),
        candidate(4, parse_error="<tool_call> is opened but never closed"),
        candidate(5, request_error="HTTP 500 after 3 retries"),
        candidate(6, (GT[0], GT[0])),
        candidate(7, (call("get_weather", city="paris", days=2), GT[1])),
    )
    step = ScoreStep()
    [outcome] = step.process_batch([SampledTask(task=task(*GT), candidates=candidates)])
    assert not isinstance(outcome, Reject)
    [scored] = outcome
    assert isinstance(scored, ScoredTask)
    assert [s.candidate_id for s in scored.scores] == [c.id for c in candidates]
    assert all(s.task_id == "demo:1#1" for s in scored.scores)
    table = [(s.exact, s.error_type, round(s.similarity, 4)) for s in scored.scores]
    assert table == [
        (True, None, 1.0),
        (True, None, 1.0),
        (False, ErrorType.wrong_param_value, 0.75),  # get_weather: 1 of 2 keys equal; get_time: 1
        (False, ErrorType.wrong_call_count, 0.0),
        (False, ErrorType.parse_error, 0.0),
        (False, ErrorType.parse_error, 0.0),
        (False, ErrorType.duplicate_call, 0.0),
        (True, None, 0.75),  # BFCL's normalisation makes it exact; the ToolRM rule compares exactly
    ]
    assert scored.scores[4].detail == "<tool_call> is opened but never closed"
    assert scored.scores[5].detail == "request failed: HTTP 500 after 3 retries"
    assert step.counters == {
        "candidates": 8,
        "exact": 3,
        "error.duplicate_call": 1,
        "error.parse_error": 2,
        "error.wrong_call_count": 1,
        "error.wrong_param_value": 1,
    }


def test_no_call_ground_truth() -> None:
    step = ScoreStep()
    no_call = task(text="Which city do you mean?")
    candidates = (candidate(0), candidate(1, (call("get_time", zone="UTC"),)))
    [[scored]] = step.process_batch([SampledTask(task=no_call, candidates=candidates)])
    assert isinstance(scored, ScoredTask)
    assert [(s.exact, s.error_type, s.similarity) for s in scored.scores] == [
        (True, None, 1.0),
        (False, ErrorType.unexpected_call, 0.0),
    ]


def test_defaults_and_options() -> None:
    gt = (call("get_weather", city="Paris"),)
    passes_default = candidate(0, (call("get_weather", city="Paris", unit="celsius"),))
    sampled = SampledTask(task=task(*gt), candidates=(passes_default,))
    [[lenient]] = ScoreStep().process_batch([sampled])
    [[strict]] = ScoreStep(omit_defaults=False).process_batch([sampled])
    assert isinstance(lenient, ScoredTask) and isinstance(strict, ScoredTask)
    assert lenient.scores[0].exact
    assert strict.scores[0].error_type is ErrorType.unexpected_param
    assert lenient.scores[0].similarity == strict.scores[0].similarity == 0.5

    other_case = candidate(1, (call("get_weather", city="PARIS"),))
    [[exact_strings]] = ScoreStep(check=CheckOptions(normalize_strings=False)).process_batch(
        [SampledTask(task=task(*gt), candidates=(other_case,))]
    )
    assert isinstance(exact_strings, ScoredTask)
    assert exact_strings.scores[0].error_type is ErrorType.wrong_param_value


def test_candidate_of_another_task_is_rejected() -> None:
    stray = candidate(0, GT, task_id="demo:9#1")
    [outcome] = ScoreStep().process_batch([SampledTask(task=task(*GT), candidates=(stray,))])
    assert isinstance(outcome, Reject)
    assert outcome.reason == "candidate of another task"
    assert outcome.detail == "1 candidate(s) belong to another task, e.g. c0 (task demo:9#1)"


def test_registered_with_a_strict_config() -> None:
    assert steps.get("score") is ScoreStep
    assert ScoreStep.input_type is SampledTask and ScoreStep.output_type is ScoredTask
    ScoreStep.model_validate({"check": {"dots_to_underscores": True}, "omit_defaults": False})
    with pytest.raises(ValueError, match="extra"):
        ScoreStep.model_validate({"check": {"case_insensitive": True}})


def test_with_the_perturb_sampler() -> None:
    """Rewrites of the GT stay exact with similarity 1; every error operator gives a non-exact candidate, and the
    error the scorer finds is the one the operator aims at (where the operator names one)."""
    from curation.sampling.base import Policy
    from curation.steps.sample import Sample

    tasks = [
        task(*GT, task_id="demo:1#1"),
        task(call("get_weather", city="Oslo", days=1, hourly=True), task_id="demo:2#1"),
        task(text="Which city?", task_id="demo:3#1"),
    ]
    sample = Sample(policies=[Policy(name="perturb", backend="perturb", n=40)], use_cache=False)
    sampled = [record for outcome in sample.process_batch(tasks) for record in outcome]  # type: ignore[union-attr]
    scored = [record for outcome in ScoreStep().process_batch(sampled) for record in outcome]  # type: ignore[union-attr]
    aims: Counter[tuple[str, str]] = Counter()
    for record in scored:
        assert isinstance(record, ScoredTask)
        for cand, score in zip(record.candidates, record.scores, strict=True):
            if cand.origin == "ground_truth" or cand.meta.get("correct"):
                assert score.exact and score.similarity == 1.0, (cand.origin, cand.text, score)
                continue
            aimed = cand.meta.get("aims_at")
            assert not score.exact or aimed is None, (cand.origin, cand.text, score)
            if aimed is not None:
                assert score.error_type is not None and score.error_type.value == aimed, (cand.text, score.detail)
                aims[(cand.origin, aimed)] += 1
    assert len(aims) >= 6  # several operators were drawn and all agreed


def test_candidates_with_the_same_calls_share_verdicts_only_when_truly_the_same() -> None:
    """A verdict is worked out once per answer and shared (answer_keys.py): the shared verdicts must be the ones
    each candidate gets alone, for rewrites that keep the answer and for ones that only look like it."""
    gt = (call("get_weather", city="Paris", days=2), call("get_time", zone="Europe/Rome"))
    candidates = (
        candidate(0, gt),
        candidate(1, gt),  # the same calls
        candidate(2, (call("get_weather", days=2, city="Paris"), gt[1])),  # keys reordered: exact too
        candidate(3, (gt[1], call("get_weather", days=2, city="Paris"))),  # calls and keys reordered: exact too
        candidate(4, (call("get_weather", city="Paris", days=2.0), gt[1])),  # 2.0 for 2: a wrong type
        candidate(5, (call("get_weather", days=2.0, city="Paris"), gt[1])),
        candidate(6, (call("get_weather", city="Paris", days=True), gt[1])),  # True for 2: not the same as 1
        candidate(7, (call("get_weather", city="Lyon", days=3), gt[1])),
        candidate(8, (call("get_weather", days=3, city="Lyon"), gt[1])),  # another first failing argument
    )
    step = ScoreStep()
    [[shared]] = step.process_batch([SampledTask(task=task(*gt), candidates=candidates)])
    assert isinstance(shared, ScoredTask)
    alone = []
    for each in candidates:
        [[scored]] = ScoreStep().process_batch([SampledTask(task=task(*gt), candidates=(each,))])
        assert isinstance(scored, ScoredTask)
        alone.extend(scored.scores)
    assert list(shared.scores) == alone
    assert [s.exact for s in alone] == [True, True, True, True, False, False, False, False, False]
    assert "'city'" in alone[7].detail and "'days'" in alone[8].detail  # the detail names the first failing one
