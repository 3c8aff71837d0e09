"""The `sample` and `difficulty` steps through their lifecycle (setup, process_batch, teardown) and the runner."""

from __future__ import annotations

from collections import Counter
from importlib.util import find_spec
from pathlib import Path

import pytest

from curation.pipeline import RecipeError, plan_recipe, run_plan
from curation.records_io import read_records, read_rejects
from curation.sampling.base import Policy, derive_seed, policy_hash
from curation.sampling.sampler import candidate_id
from curation.schema import Candidate, Reject, SampledTask, Score, ScoredTask
from curation.scoring.parse import parse_response
from curation.steps.base import StepContext
from curation.steps.difficulty import Difficulty
from curation.steps.sample import Sample
from curation.workspace import Workspace
from tests.sampling.tasks import sample_tasks

REPO = Path(__file__).resolve().parents[2]


def context(tmp_path: Path) -> StepContext:
    return StepContext(workspace=Workspace(tmp_path / "ws"), base_dir=tmp_path, step_dir=tmp_path / "step")


def run_step(step: Sample | Difficulty, records: list, tmp_path: Path) -> list:  # type: ignore[type-arg]
    step.setup(context(tmp_path))
    try:
        return step.process_batch(records)
    finally:
        step.teardown()


# -- sample ------------------------------------------------------------------------------------------------------


def test_sample_gives_gt_first_then_every_policy_in_order(tmp_path: Path) -> None:
    policies = [
        Policy(name="a", backend="perturb", n=3, seed=0),
        Policy(name="b", backend="perturb", n=2, seed=1, options={"correct_samples": 0}),
    ]
    step = Sample(policies=policies)
    tasks = sample_tasks()
    outcomes = run_step(step, tasks, tmp_path)
    assert len(outcomes) == len(tasks)
    all_ids: list[str] = []
    for task, outcome in zip(tasks, outcomes, strict=True):
        assert not isinstance(outcome, Reject)
        (sampled,) = outcome
        assert isinstance(sampled, SampledTask) and sampled.task == task
        gt, *rest = sampled.candidates
        assert gt.origin == "ground_truth" and gt.calls == task.target.tool_calls
        assert [(c.params["policy"], c.sample_index) for c in rest] == [
            ("a", 0),
            ("a", 1),
            ("a", 2),
            ("b", 0),
            ("b", 1),
        ]
        for candidate in rest:
            policy = policies[0] if candidate.params["policy"] == "a" else policies[1]
            assert candidate.origin.startswith("perturb:")
            assert candidate.seed == derive_seed(policy.seed, task.id, candidate.sample_index)
            assert candidate.id == candidate_id(task.id, policy_hash(policy), candidate.sample_index)
            assert candidate.params["temperature"] == policy.temperature and candidate.params["backend"] == "perturb"
            parsed = parse_response(candidate.text)
            assert (candidate.calls, candidate.parse_error) == (parsed.calls, parsed.error)
            assert candidate.request_error is None
        all_ids += [c.id for c in sampled.candidates]
    assert len(all_ids) == len(set(all_ids))
    counters = step.counters
    assert counters["candidates"] == len(tasks) * 6
    assert counters["origin:ground_truth"] == len(tasks)
    assert counters["policy:a:generated"] == len(tasks) * 3 and counters["policy:b:generated"] == len(tasks) * 2
    assert counters["parse_errors"] == sum(
        c.parse_error is not None for o in outcomes for s in o for c in s.candidates[1:]
    )


def test_sample_is_deterministic_and_candidates_do_not_depend_on_labels(tmp_path: Path) -> None:
    tasks = sample_tasks()
    first = run_step(Sample(policies=[Policy(name="x", backend="perturb", n=4)]), tasks, tmp_path / "1")
    second = run_step(Sample(policies=[Policy(name="y", backend="perturb", n=4)]), tasks[::-1], tmp_path / "2")
    strip = lambda c: c.model_copy(update={"params": {**c.params, "policy": None}})  # noqa: E731
    by_task = {o[0].task.id: [strip(c) for c in o[0].candidates] for o in second}
    for outcome in first:
        assert [strip(c) for c in outcome[0].candidates] == by_task[outcome[0].task.id]


def test_sample_without_ground_truth(tmp_path: Path) -> None:
    outcomes = run_step(
        Sample(policies=[Policy(name="a", backend="perturb", n=2)], include_ground_truth=False),
        sample_tasks(),
        tmp_path,
    )
    assert all(c.origin != "ground_truth" for o in outcomes for c in o[0].candidates)
    assert all(len(o[0].candidates) == 2 for o in outcomes)


@pytest.mark.parametrize(
    ("policies", "message"),
    [
        ([{"name": "a"}, {"name": "a", "seed": 1}], "two policies are named 'a'"),
        ([{"name": "a"}, {"name": "b"}], "policies 'a' and 'b' differ only in their name"),
        ([{"name": "a", "backend": "gpt"}], "unknown sampling backend 'gpt'"),
        ([{"name": "a", "backend": "openai", "model": "m", "options": {"concurency": 4}}], "concurency"),
        ([{"name": "a", "backend": "vllm"}], "needs `model`"),
        ([{"name": "a", "n": 0}], "greater than or equal to 1"),
    ],
)
def test_bad_sample_configs_fail_at_plan_time_naming_step_and_field(
    tmp_path: Path, policies: list[dict[str, object]], message: str
) -> None:
    import yaml

    recipe = {
        "name": "bad",
        "steps": [
            {"step": "ingest", "config": {"sources": [{"source": "messages", "paths": ["data"]}]}},
            {"step": "segment"},
            {"step": "sample", "config": {"policies": policies}},
        ],
    }
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(recipe), encoding="utf-8")
    with pytest.raises(RecipeError) as caught:
        plan_recipe(path, Workspace(tmp_path / "ws"))
    problems = "\n".join(caught.value.problems)
    assert "step 3 (sample)" in problems and "policies" in problems
    assert message in problems


@pytest.mark.skipif(find_spec("vllm") is not None, reason="vLLM is installed in this environment")
def test_missing_engine_fails_at_setup_with_the_install_line(tmp_path: Path) -> None:
    step = Sample(policies=[Policy(name="big", backend="vllm", model="/models/x")])
    with pytest.raises(RuntimeError, match=r"setup_vllm_env\.sh"):
        step.setup(context(tmp_path))


# -- difficulty --------------------------------------------------------------------------------------------------


def scored(
    similarities: list[float], *, exact: list[bool] | None = None, errors: int = 0, gt: float = 1.0
) -> ScoredTask:
    """A task whose sampled candidates have these similarities (after the GT), plus ``errors`` failed requests."""
    task = sample_tasks()[0]
    exact = exact if exact is not None else [s == 1.0 for s in similarities]
    candidates = [Candidate(id="gt", task_id=task.id, origin="ground_truth", text="gt")]
    scores = [Score(candidate_id="gt", task_id=task.id, similarity=gt, exact=gt == 1.0)]
    for index, (similarity, is_exact) in enumerate(zip(similarities, exact, strict=True)):
        candidates.append(Candidate(id=f"c{index}", task_id=task.id, origin="m", text="t", sample_index=index))
        scores.append(Score(candidate_id=f"c{index}", task_id=task.id, similarity=similarity, exact=is_exact))
    for index in range(errors):
        candidates.append(Candidate(id=f"e{index}", task_id=task.id, origin="m", text="", request_error="timeout"))
        scores.append(Score(candidate_id=f"e{index}", task_id=task.id, similarity=0.0, exact=False))
    return ScoredTask(task=task, candidates=tuple(candidates), scores=tuple(scores))


def outcome_of(step: Difficulty, record: ScoredTask, tmp_path: Path) -> Reject | ScoredTask:
    (outcome,) = run_step(step, [record], tmp_path)
    return outcome if isinstance(outcome, Reject) else outcome[0]


def test_difficulty_default_rule(tmp_path: Path) -> None:
    step = Difficulty()
    easy = outcome_of(step, scored([1.0, 1.0, 1.0]), tmp_path)
    assert isinstance(easy, Reject) and easy.reason == "too easy: every sampled candidate solves it"
    assert easy.detail == "3 of 3 sampled candidates score >= 1"
    hard = outcome_of(step, scored([0.5, 0.0, 0.9]), tmp_path)
    assert isinstance(hard, Reject) and hard.reason == "too hard: no sampled candidate solves it"
    mixed = scored([1.0, 0.5, 0.0])
    assert outcome_of(step, mixed, tmp_path) == mixed


def test_difficulty_ignores_the_gt_and_failed_requests(tmp_path: Path) -> None:
    step = Difficulty()
    # the GT scores 1 but is not a sample; failed requests say nothing: still "every sampled candidate"
    easy = outcome_of(step, scored([1.0, 1.0], errors=3), tmp_path)
    assert isinstance(easy, Reject) and easy.reason.startswith("too easy")
    nothing = outcome_of(step, scored([], errors=2), tmp_path)
    assert isinstance(nothing, Reject) and nothing.reason == "no sampled candidates"


def test_difficulty_thresholds_are_configurable(tmp_path: Path) -> None:
    lenient = Difficulty(solved_similarity=0.5, too_easy_fraction=0.75, min_solved=2)
    record = scored([0.6, 0.6, 0.6, 0.0])  # 3 of 4 at >= 0.5: too easy at 75%
    easy = outcome_of(lenient, record, tmp_path)
    assert isinstance(easy, Reject) and easy.reason == "too easy: at least 75% of sampled candidates solve it"
    hard = outcome_of(lenient, scored([0.6, 0.0, 0.0, 0.0]), tmp_path)
    assert isinstance(hard, Reject) and hard.reason == "too hard: fewer than 2 sampled candidates solve it"
    strict = Difficulty(solved_requires_exact=True)
    not_exact = outcome_of(strict, scored([1.0, 0.0], exact=[False, False]), tmp_path)
    assert isinstance(not_exact, Reject) and not_exact.reason.startswith("too hard")
    keep_all = Difficulty(drop_too_easy=False, drop_too_hard=False)
    for record in (scored([1.0, 1.0]), scored([0.0, 0.0])):
        assert outcome_of(keep_all, record, tmp_path) == record


def test_difficulty_rejects_misaligned_scores(tmp_path: Path) -> None:
    record = scored([1.0, 0.0])
    broken = record.model_copy(update={"scores": record.scores[:-1]})
    outcome = outcome_of(Difficulty(), broken, tmp_path)
    assert isinstance(outcome, Reject) and outcome.reason == "scores do not match candidates"


def test_difficulty_stats(tmp_path: Path) -> None:
    step = Difficulty()
    records = [scored([1.0, 1.0]), scored([0.0, 0.2]), scored([1.0, 0.0]), scored([1.0, 0.0, 0.0, 0.0])]
    outcomes = run_step(step, records, tmp_path)
    assert [isinstance(o, Reject) for o in outcomes] == [True, True, False, False]
    assert step.counters == {"kept": 2, "too_easy": 1, "too_hard": 1}
    report = step.report()
    histogram = report["solved_fraction_histogram"]
    assert histogram["[0.0, 0.1)"] == 1 and histogram["[0.2, 0.3)"] == 1 and histogram["[0.5, 0.6)"] == 1
    assert histogram["[0.9, 1.0]"] == 1 and sum(histogram.values()) == 4
    assert report["by_source"] == {"test": {"kept": 2, "too_easy": 1, "too_hard": 1}}


# -- through the runner ------------------------------------------------------------------------------------------

RECIPE = """
name: sampling-small
steps:
  - step: ingest
    config:
      sources:
        - {{source: hermes, paths: [{demo}/hermes]}}
        - {{source: glaive, paths: [{demo}/glaive]}}
  - step: segment
  - step: validate
  - step: sample
    config:
      policies:
        - {{name: perturb-a, backend: perturb, n: 3, seed: 0}}
        - {{name: perturb-b, backend: perturb, n: 2, seed: 1, options: {{correct_samples: 0}}}}
  - step: score
  - step: difficulty
"""


def test_sample_and_difficulty_through_the_pipeline(tmp_path: Path) -> None:
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(RECIPE.format(demo=REPO / "curation" / "demo_data"), encoding="utf-8")
    results = run_plan(plan_recipe(recipe, Workspace(tmp_path / "ws")))
    by_step = {r.planned.step.name: r for r in results}
    sample_stats, difficulty_stats = by_step["sample"].stats, by_step["difficulty"].stats
    assert sample_stats["in"] == sample_stats["out"] > 10 and sample_stats["rejected"] == 0
    sampled = list(read_records(by_step["sample"].planned.dir / "data.parquet", SampledTask))
    assert all(len(s.candidates) == 6 and s.candidates[0].origin == "ground_truth" for s in sampled)
    origins = Counter(c.origin.split(":")[0] for s in sampled for c in s.candidates)
    assert origins == {"ground_truth": len(sampled), "perturb": 5 * len(sampled)}
    assert difficulty_stats["in"] == difficulty_stats["out"] + difficulty_stats["rejected"]
    assert difficulty_stats["out"] > 0
    assert difficulty_stats["counters"]["kept"] == difficulty_stats["out"]
    for reject in read_rejects(by_step["difficulty"].planned.dir / "rejects.parquet"):
        assert reject.reason.startswith(("too easy: ", "too hard: "))
    # a second workspace gives the same bytes: sampling is seeded end to end
    again = run_plan(plan_recipe(recipe, Workspace(tmp_path / "ws2")))
    again_dir = {r.planned.step.name: r.planned.dir for r in again}["sample"]
    assert (again_dir / "data.parquet").read_bytes() == (by_step["sample"].planned.dir / "data.parquet").read_bytes()
