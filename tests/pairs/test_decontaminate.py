"""`decontaminate`: tasks matching BFCL (or TRBench) user requests are dropped before sampling, and reported."""

from __future__ import annotations

import importlib
import json
import shutil
from pathlib import Path

import pytest

from curation.pipeline import load_run, plan_recipe, run_plan
from curation.records_io import read_records, read_rejects
from curation.schema import Reject, Task
from curation.steps.base import StepContext
from curation.steps.decontaminate import Decontaminate, ReferenceInput, installed_bfcl_data, normalize_text
from curation.workspace import Workspace
from tests.pairs.records import task

REPO = Path(__file__).resolve().parents[2]
SHARED_BFCL = REPO.parent / "shared" / "sources" / "bfcl"
DEMO_APIGEN = REPO / "curation" / "demo_data" / "apigen"
# BFCL v4 simple_python_28, as the shared sample has it (its typo "acceleeration" included).
BFCL_QUESTION = (
    "Calculate the displacement of a car given the initial velocity of 10 and acceleeration of 9.8 within 5 seconds."
)

needs_bfcl = pytest.mark.skipif(not SHARED_BFCL.is_dir(), reason=f"BFCL sample data not found at {SHARED_BFCL}")


def context(tmp_path: Path) -> StepContext:
    return StepContext(workspace=Workspace(tmp_path / "ws"), base_dir=tmp_path, step_dir=tmp_path / "step")


def ready(tmp_path: Path, **config: object) -> Decontaminate:
    config.setdefault("references", [{"kind": "bfcl", "paths": [str(SHARED_BFCL)]}])
    step = Decontaminate.model_validate(config)
    step.setup(context(tmp_path))
    return step


def outcome(step: Decontaminate, user: str, source: str = "apigen") -> Reject | Task:
    (result,) = step.process_batch([task(f"{source}:x#1", source=source, user=user)])
    return result if isinstance(result, Reject) else result[0]  # type: ignore[return-value]


def test_normalize_text() -> None:
    assert normalize_text("What's  the WEATHER in São-Paulo, today?!") == [
        "what",
        "s",
        "the",
        "weather",
        "in",
        "são",
        "paulo",
        "today",
    ]
    assert normalize_text("ｆｕｌｌ width") == ["full", "width"]


@needs_bfcl
def test_same_request_after_normalization_is_an_exact_match(tmp_path: Path) -> None:
    step = ready(tmp_path)
    result = outcome(
        step,
        "  CALCULATE the displacement of a car, given the initial velocity of 10 and "
        "acceleeration of 9.8 within 5 seconds!",
    )
    assert isinstance(result, Reject)
    assert result.reason == "contaminated: exact match with bfcl"
    assert "v4/simple_python_28" in result.detail and "(simple_python)" in result.detail
    report = step.report()
    assert report["matches"] == 1
    assert report["listed"][0] | {"task_id": None} == {
        "task_id": None,
        "source": "apigen",
        "reference": "bfcl",
        "reference_id": "v4/simple_python_28",
        "category": "simple_python",
        "method": "exact",
        "overlap": 1.0,
    }


@needs_bfcl
def test_a_request_embedded_in_a_longer_message_is_an_ngram_match(tmp_path: Path) -> None:
    step = ready(tmp_path)
    result = outcome(step, f"Hi! I have a physics homework question. {BFCL_QUESTION} Please show the call you make.")
    assert isinstance(result, Reject) and result.reason == "contaminated: ngram match with bfcl"
    assert "8-gram overlap 1.00" in result.detail


@needs_bfcl
def test_the_overlap_threshold_decides_near_copies(tmp_path: Path) -> None:
    # 20 words, 13 8-grams; changing the 12th word ("10") breaks the 8 n-grams that cover it: 5/13 = 0.38 remain.
    near_copy = BFCL_QUESTION.replace("of 10 and", "of 12 and")
    assert isinstance(outcome(ready(tmp_path), near_copy), Task)
    result = outcome(ready(tmp_path, overlap_threshold=0.35), near_copy)
    assert isinstance(result, Reject) and "8-gram overlap 0.38" in result.detail


@needs_bfcl
def test_clean_tasks_pass_and_bfcl_tasks_never_do(tmp_path: Path) -> None:
    step = ready(tmp_path)
    clean = outcome(step, "Book a table for two at an Italian restaurant in Lisbon tomorrow at 8pm.")
    assert isinstance(clean, Task)
    evaluation = outcome(
        step, "Book a table for two at an Italian restaurant in Lisbon tomorrow at 8pm.", source="bfcl"
    )
    assert isinstance(evaluation, Reject) and evaluation.reason == "BFCL is evaluation-only"
    assert step.report()["references"]["bfcl"]["messages"] > 200


def test_message_references_and_the_minimum_length(tmp_path: Path) -> None:
    rows = [
        {
            "id": "trb-1",
            "category": "live_simple",
            "messages": [{"role": "user", "content": "Find flights from Oslo to Rome on 3 May for two adults."}],
        },
        {"id": "trb-2", "messages": [{"role": "user", "content": "Yes please."}]},
        {
            "id": "trb-3",
            "question": [[{"role": "user", "content": "Convert 250 US dollars into euros at today's exchange rate."}]],
        },
        {"id": "trb-4", "note": "no messages here"},
    ]
    (tmp_path / "trbench.jsonl").write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    step = ready(tmp_path, references=[{"kind": "messages", "name": "trbench", "paths": ["trbench.jsonl"]}])
    flight = outcome(step, "find flights from oslo to rome on 3 may for two adults")
    assert isinstance(flight, Reject) and flight.reason == "contaminated: exact match with trbench"
    assert "trb-1 (live_simple)" in flight.detail
    assert isinstance(outcome(step, "Convert 250 US dollars into euros at today's exchange rate."), Reject)
    assert isinstance(outcome(step, "Yes please."), Task)  # too short to mean anything
    assert step.report()["references"]["trbench"] == {"messages": 3, "too short": 1, "unreadable": 1}


def test_a_reference_needs_paths_or_the_installed_package() -> None:
    with pytest.raises(ValueError, match="needs paths"):
        ReferenceInput(kind="bfcl")
    with pytest.raises(ValueError, match="only applies to kind bfcl"):
        ReferenceInput(kind="messages", installed=True)
    assert Decontaminate().references == [ReferenceInput(kind="bfcl", installed=True)]


def test_without_bfcl_eval_planning_works_and_setup_says_what_to_install(tmp_path: Path) -> None:
    if installed_bfcl_data() is not None:
        pytest.skip("bfcl-eval is installed here")
    step = Decontaminate()
    assert step.fingerprint(context(tmp_path)) == {"bfcl:installed": "missing"}
    with pytest.raises(RuntimeError, match="pip install --no-deps bfcl-eval"):
        step.setup(context(tmp_path))


@needs_bfcl
def test_the_installed_package_data_is_the_default_reference(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A real importable package laid out like bfcl-eval (bfcl_eval/data/...), found through the import system.
    package = tmp_path / "site" / "bfcl_eval"
    (package / "data").mkdir(parents=True)
    (package / "__init__.py").write_text("raise ImportError('the loader must not import the package')\n")
    shutil.copy(SHARED_BFCL / "v4" / "BFCL_v4_simple_python.json", package / "data")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    importlib.invalidate_caches()
    assert installed_bfcl_data() == package / "data"
    step = Decontaminate()
    assert "bfcl:0:BFCL_v4_simple_python.json" in step.fingerprint(context(tmp_path))
    step.setup(context(tmp_path))
    assert isinstance(outcome(step, BFCL_QUESTION), Reject)


PLANTED = [
    {
        "id": 9001,
        "query": BFCL_QUESTION,
        "answers": json.dumps(
            [{"name": "calculate_displacement", "arguments": {"initial_velocity": 10, "acceleration": 9.8, "time": 5}}]
        ),
        "tools": json.dumps(
            [
                {
                    "name": "calculate_displacement",
                    "description": "Displacement of an object from its initial velocity, acceleration and time.",
                    "parameters": {
                        "initial_velocity": {"description": "m/s", "type": "int"},
                        "acceleration": {"description": "m/s^2", "type": "float"},
                        "time": {"description": "seconds", "type": "int"},
                    },
                }
            ]
        ),
    },
    {
        "id": 9002,
        "query": "Get me data on average precipitation in the Amazon rainforest for the last six months, thanks.",
        "answers": json.dumps([{"name": "precipitation_stats", "arguments": {"location": "Amazon rainforest"}}]),
        "tools": json.dumps(
            [
                {
                    "name": "precipitation_stats",
                    "description": "Precipitation statistics for a place.",
                    "parameters": {"location": {"description": "place", "type": "str"}},
                }
            ]
        ),
    },
]


@needs_bfcl
def test_bfcl_records_planted_in_a_demo_source_are_dropped_before_sampling(tmp_path: Path) -> None:
    planted = tmp_path / "planted" / "xlam_planted.json"
    planted.parent.mkdir()
    planted.write_text(json.dumps(PLANTED), encoding="utf-8")
    recipe = tmp_path / "decontam.yaml"
    recipe.write_text(
        f"""
name: decontam
steps:
  - step: ingest
    config:
      sources:
        - {{source: apigen, paths: ["{DEMO_APIGEN}", "{planted}"]}}
  - step: segment
  - step: validate
  - step: decontaminate
    config:
      references: [{{kind: bfcl, paths: ["{SHARED_BFCL}"]}}]
""",
        encoding="utf-8",
    )
    run_plan(plan_recipe(recipe, Workspace(tmp_path / "ws")))
    run = load_run(Workspace(tmp_path / "ws"), "decontam")
    step_dir = run.step_dir("decontaminate")
    rejects = {r.record_id.split("#")[0]: r for r in read_rejects(step_dir / "rejects.parquet")}
    assert set(rejects) == {"apigen:9001", "apigen:9002"}
    assert rejects["apigen:9001"].reason == "contaminated: exact match with bfcl"
    assert rejects["apigen:9002"].reason == "contaminated: ngram match with bfcl"
    assert "v4/simple_python_66" in rejects["apigen:9002"].detail
    kept = list(read_records(step_dir / "data.parquet", Task))
    validated = list(read_records(run.step_dir("validate") / "data.parquet", Task))
    assert len(kept) == len(validated) - 2 and len(kept) > 20
    stats = json.loads((step_dir / "stats.json").read_text())
    assert stats["report"]["matches"] == 2
    assert {m["reference_id"] for m in stats["report"]["listed"]} == {"v4/simple_python_28", "v4/simple_python_66"}
