"""The sampler's shortcuts change nothing: candidate ids are content hashes, and a perturb candidate's calls and
parse error are what the parser reads from its text, whether or not the backend let the sampler skip the parser."""

from __future__ import annotations

from pathlib import Path

from curation.sampling.base import Generation, Policy, requests_for
from curation.sampling.cache import RequestCache
from curation.sampling.perturb import PerturbBackend
from curation.sampling.sampler import sample_policy
from curation.schema import Task, ToolCall
from curation.scoring.parse import parse_response
from tests.sampling.tasks import CONVERT, STOCK, WEATHER, many_tasks, task, tool


def edge_tasks() -> list[Task]:
    """Calls the parser does not give back unchanged, next to ordinary ones."""
    odd = tool("Get_Reviews(Tips)", {"q": {"type": "string"}}, ["q"])
    shapes = [
        ((WEATHER, STOCK), (ToolCall(name="get_weather", arguments={"city": "a <think> b", "days": 2}),)),
        ((WEATHER, STOCK), (ToolCall(name="get_weather", arguments={"city": "x </tool_call> y"}),)),
        ((CONVERT, STOCK), (ToolCall(name="convert_currency", arguments={"from": "EUR", "amount": 2.5, "to": "USD"}),)),
        ((odd, STOCK), (ToolCall(name="Get_Reviews(Tips)", arguments={"q": "pizza"}),)),
        ((WEATHER, STOCK), (ToolCall(name="get_weather", arguments={"city": "Oslo", "days": (1, 2)}),)),
    ]
    return [task(f"edge-{i}", tools, f"edge case {i}", calls) for i, (tools, calls) in enumerate(shapes)]


def test_perturb_candidates_hold_what_the_parser_reads_from_their_text() -> None:
    tasks = [*many_tasks(24), *edge_tasks()]
    skipped = 0
    for seed in range(4):
        policy = Policy(name="p", backend="perturb", n=6, seed=seed, options={"correct_samples": 2})
        generations = {g.key: g for g in PerturbBackend(policy).generate(requests_for(tasks, policy))}
        skipped += sum(g.parsed is not None for g in generations.values())
        for candidates in sample_policy(tasks, policy).values():
            for candidate in candidates:
                parsed = parse_response(candidate.text)
                assert candidate.parse_error == parsed.error
                assert [(c.name, repr(c.arguments)) for c in candidate.calls] == [
                    (c.name, repr(c.arguments)) for c in parsed.calls
                ]
    assert skipped > len(tasks) * 4 * 6 // 2  # the shortcut is really taken for most samples


def test_a_cached_generation_is_parsed_again(tmp_path: Path) -> None:
    (sample_task,) = many_tasks(1)
    policy = Policy(name="p", backend="perturb", n=1, options={"correct_samples": 1, "styles": ["json"]})
    (request,) = requests_for([sample_task], policy)
    (generation,) = PerturbBackend(policy).generate([request])
    assert generation.parsed is not None
    assert "parsed" not in generation.model_dump()
    with RequestCache.in_folder(tmp_path) as cache:
        cache.put("h", request, generation)
        cached = cache.get_many("h", [request])[request.key]
    assert cached.parsed is None and cached.text == generation.text
    assert Generation.model_validate_json(generation.model_dump_json()).parsed is None


def test_text_answers_are_always_parsed() -> None:
    """A GT text that reads as a call, restated: the candidate holds the call the parser finds in it."""
    no_call = task("quiet", (WEATHER,), "Thanks!", text='[{"name": "get_weather", "arguments": {"city": "Rome"}}]')
    policy = Policy(name="p", backend="perturb", n=1, options={"rewrites": ["restate_text"]})
    (generation,) = PerturbBackend(policy).generate(requests_for([no_call], policy))
    assert generation.origin == "perturb:restate_text" and generation.parsed is None
    (candidate,) = sample_policy([no_call], policy)[no_call.id]
    assert candidate.calls == (ToolCall(name="get_weather", arguments={"city": "Rome"}),)
