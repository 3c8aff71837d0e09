"""The perturb backend: every operator does what it says, rewrites stay right, malformed text fails the parser,
the default mix follows FC-RewardBench, and all of it is seeded."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from pydantic import ValidationError

from curation.sampling.base import Policy, SampleRequest, requests_for
from curation.sampling.perturb import DEFAULT_MIX, PerturbBackend
from curation.schema import Task, ToolCall
from curation.scoring.parse import parse_response
from tests.sampling.tasks import sample_tasks

TASKS = {t.id.split(":")[1].split("#")[0]: t for t in sample_tasks()}


def run(task: Task, n: int, **options: object) -> list[tuple[str, str, tuple[ToolCall, ...], str | None]]:
    """(operator, text, parsed calls, parse error) of n samples with only the given options."""
    policy = Policy(name="p", backend="perturb", n=n, seed=7, options=dict(options))
    backend = PerturbBackend(policy)
    out = []
    for generation in backend.generate(requests_for([task], policy)):
        parsed = parse_response(generation.text)
        assert generation.origin is not None
        out.append((generation.origin.removeprefix("perturb:"), generation.text, parsed.calls, parsed.error))
    return out


def only(operator: str) -> dict[str, object]:
    return {"mix": {operator: 1.0}, "correct_samples": 0}


def as_multiset(calls: tuple[ToolCall, ...]) -> Counter[str]:
    return Counter(call.canonical_json() for call in calls)


def test_wrong_value_changes_exactly_one_value_and_keeps_its_type() -> None:
    gt = TASKS["multiple"].target.tool_calls[0]
    for operator, _, calls, error in run(TASKS["multiple"], 30, **only("wrong_value")):
        assert operator == "wrong_value" and error is None
        (call,) = calls
        assert call.name == gt.name and set(call.arguments) == set(gt.arguments)
        changed = [k for k in gt.arguments if call.arguments[k] != gt.arguments[k]]
        assert len(changed) == 1
        assert type(call.arguments[changed[0]]) is type(gt.arguments[changed[0]])


def test_wrong_value_picks_another_enum_member() -> None:
    task = TASKS["single"]
    seen_units = {calls[0].arguments["units"] for _, _, calls, _ in run(task, 60, **only("wrong_value"))}
    assert seen_units <= {"metric", "imperial"}
    assert "imperial" in seen_units


def test_wrong_function_name_uses_another_tool_of_the_list() -> None:
    task = TASKS["multiple"]
    names = {calls[0].name for _, _, calls, _ in run(task, 20, **only("wrong_function_name"))}
    assert names and names <= {"get_weather", "get_stock_price"}


def test_missing_required_and_optional_drop_the_right_kind_of_argument() -> None:
    task = TASKS["multiple"]  # send_email: to, subject, body required; urgent optional
    for _, _, calls, _ in run(task, 10, **only("missing_required")):
        dropped = {"to", "subject", "body", "urgent"} - set(calls[0].arguments)
        assert len(dropped) == 1 and dropped <= {"to", "subject", "body"}
    for _, _, calls, _ in run(task, 5, **only("missing_optional")):
        assert set(calls[0].arguments) == {"to", "subject", "body"}


def test_unexpected_param_adds_a_name_outside_the_schema() -> None:
    task = TASKS["single"]
    properties = set(task.tools[0].parameters["properties"])
    for _, _, calls, _ in run(task, 10, **only("unexpected_param")):
        extra = set(calls[0].arguments) - properties
        assert len(extra) == 1


def test_wrong_type_changes_a_json_type() -> None:
    gt = TASKS["single"].target.tool_calls[0]
    for _, _, calls, _ in run(TASKS["single"], 20, **only("wrong_type")):
        differing = [k for k in gt.arguments if calls[0].arguments[k] != gt.arguments[k]]
        assert len(differing) == 1
        key = differing[0]
        assert type(calls[0].arguments[key]) is not type(gt.arguments[key])


def test_call_count_operators() -> None:
    parallel = TASKS["parallel_multiple"]
    for _, _, calls, _ in run(parallel, 5, **only("drop_call")):
        assert len(calls) == 1 and calls[0] in parallel.target.tool_calls
    for _, _, calls, _ in run(parallel, 5, **only("duplicate_call")):
        assert len(calls) == 3 and max(as_multiset(calls).values()) == 2
    for _, text, calls, error in run(parallel, 5, **only("text_instead_of_call")):
        assert calls == () and error is None and text.strip()


def test_call_instead_of_text_on_a_no_call_turn() -> None:
    task = TASKS["no_call"]
    for operator, _, calls, error in run(task, 10, **only("call_instead_of_text")):
        assert operator == "call_instead_of_text" and error is None
        (call,) = calls
        tool = next(t for t in task.tools if t.name == call.name)
        assert set(call.arguments) == set(tool.parameters["required"])


def test_operators_that_do_not_apply_are_redrawn() -> None:
    # drop_call needs two calls: on a one-call task only the other operator of the mix can come out
    outcomes = run(TASKS["single"], 20, mix={"drop_call": 0.9, "missing_required": 0.1}, correct_samples=0)
    assert {operator for operator, *_ in outcomes} == {"missing_required"}
    # nothing applies at all (a no-call turn has no argument to drop): malformed, which always applies
    outcomes = run(TASKS["no_call"], 5, mix={"missing_required": 1.0}, correct_samples=0)
    assert {operator for operator, *_ in outcomes} == {"malformed"}


@pytest.mark.parametrize("name", sorted(TASKS))
def test_malformed_output_is_rejected_by_the_parser(name: str) -> None:
    for operator, text, calls, error in run(TASKS[name], 25, **only("malformed")):
        assert operator == "malformed"
        assert error is not None, text
        assert calls == ()


@pytest.mark.parametrize("name", sorted(TASKS))
def test_rewrites_stay_correct(name: str) -> None:
    task = TASKS[name]
    outcomes = run(task, 30, correct_samples=30)
    for operator, text, calls, error in outcomes:
        assert error is None
        if task.target.tool_calls:
            assert operator in {"reorder_keys", "reorder_calls", "reformat"}
            assert as_multiset(calls) == as_multiset(task.target.tool_calls)
        else:
            assert operator == "restate_text" and calls == () and text == task.target.content


def test_rewrites_really_rewrite() -> None:
    task = TASKS["parallel_multiple"]
    outcomes = run(task, 40, correct_samples=40)
    first_names = {calls[0].name for op, _, calls, _ in outcomes if op == "reorder_calls"}
    assert first_names == {"get_stock_price"}  # the GT starts with convert_currency
    key_orders = {
        tuple(calls[0].arguments) if calls[0].name == "convert_currency" else tuple(calls[1].arguments)
        for op, _, calls, _ in outcomes
        if op == "reorder_keys"
    }
    assert key_orders and ("amount", "from", "to") not in key_orders
    assert {"hermes", "json", "python"} == {_style(text) for _, text, _, _ in outcomes}


def _style(text: str) -> str:
    if text.startswith("<tool_call>"):
        return "hermes"
    return "json" if text.startswith("[{") else "python"


def test_first_samples_are_correct_rest_are_errors() -> None:
    policy = Policy(name="p", backend="perturb", n=4, seed=3, options={"correct_samples": 1})
    generations = list(PerturbBackend(policy).generate(requests_for(list(TASKS.values()), policy)))
    for generation in generations:
        assert generation.meta["correct"] is (generation.sample_index == 0)
        if generation.sample_index > 0:
            assert generation.origin is not None
            assert generation.origin.removeprefix("perturb:") in DEFAULT_MIX


def test_default_mix_follows_fc_rewardbench() -> None:
    """On a two-call task, the drawn shares of the operators that apply match their weights."""
    task = TASKS["parallel_multiple"]
    n = 4000
    backend = PerturbBackend(Policy(name="p", backend="perturb", options={"correct_samples": 0}))
    requests = [SampleRequest(task=task, sample_index=1, seed=seed) for seed in range(n)]
    counts = Counter(g.meta["operator"] for g in backend.generate(requests))
    applicable = {op: w for op, w in DEFAULT_MIX.items() if op != "call_instead_of_text"}
    # missing_optional does not apply either (every argument of these GT calls is required): its draws are
    # redrawn among the rest, so the shares of the others are their weights renormalized.
    applicable.pop("missing_optional")
    total = sum(applicable.values())
    assert set(counts) == set(applicable)
    for operator, weight in applicable.items():
        expected = weight / total
        observed = counts[operator] / n
        assert abs(observed - expected) < 0.025, (operator, observed, expected)


def test_seeded_and_independent_of_batching() -> None:
    policy = Policy(name="p", backend="perturb", n=5, seed=42)
    tasks = list(TASKS.values())
    all_at_once = [g.model_dump() for g in PerturbBackend(policy).generate(requests_for(tasks, policy))]
    one_by_one = [
        g.model_dump() for t in reversed(tasks) for g in PerturbBackend(policy).generate(requests_for([t], policy))
    ]
    key = lambda g: (g["task_id"], g["sample_index"])  # noqa: E731
    assert sorted(all_at_once, key=key) == sorted(one_by_one, key=key)
    other_seed = Policy(name="p", backend="perturb", n=5, seed=43)
    assert [g.model_dump() for g in PerturbBackend(other_seed).generate(requests_for(tasks, other_seed))] != all_at_once


def test_request_seed_drives_the_sample() -> None:
    task = TASKS["single"]
    backend = PerturbBackend(Policy(name="p", backend="perturb", options={"correct_samples": 0}))
    same = {backend.perturb(SampleRequest(task=task, sample_index=0, seed=5)).text for _ in range(3)}
    assert len(same) == 1
    texts = {backend.perturb(SampleRequest(task=task, sample_index=0, seed=s)).text for s in range(40)}
    assert len(texts) > 10


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"mix": {"wrong_valeu": 1.0}}, "unknown error operators ['wrong_valeu']"),
        ({"mix": {"wrong_value": -1.0}}, "weights must be >= 0"),
        ({"rewrites": ["shuffle"]}, "unknown rewrites ['shuffle']"),
        ({"rewrites": [], "correct_samples": 1}, "needs at least one rewrite"),
        ({"styles": ["xml"]}, "styles.0"),
        ({"temperature": 1}, "temperature: Extra inputs are not permitted"),
    ],
)
def test_bad_options_fail_at_plan_time_naming_the_field(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Policy(name="demo", backend="perturb", options=options)
    assert message in str(caught.value)
    assert "policy 'demo', perturb options" in str(caught.value)


def test_no_call_malformed_and_gt_render_round_trip() -> None:
    # the GT of every task renders to text the parser reads back to the same calls (hermes, as the GT candidate)
    from curation.sampling.sampler import ground_truth_candidate

    for task in TASKS.values():
        candidate = ground_truth_candidate(task)
        assert candidate.origin == "ground_truth"
        parsed = parse_response(candidate.text)
        assert parsed.error is None and parsed.calls == task.target.tool_calls
        if not task.target.tool_calls:
            assert candidate.text == task.target.content
        else:
            assert json.loads(candidate.text.split("\n")[1])["name"] == task.target.tool_calls[0].name


def test_function_names_python_cannot_spell_are_never_rendered_as_python() -> None:
    odd = TASKS["single"].model_copy(
        update={
            "tools": (TASKS["single"].tools[0].model_copy(update={"name": "Get_Weather(Tips)"}),),
            "target": TASKS["single"].target.model_copy(
                update={"tool_calls": (ToolCall(name="Get_Weather(Tips)", arguments={"city": "Paris"}),)}
            ),
        }
    )
    for _, text, calls, error in run(odd, 30, correct_samples=30):
        assert error is None, text
        assert calls == odd.target.tool_calls
