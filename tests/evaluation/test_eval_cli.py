"""`toolpref eval` with real (tiny, random) models through transformers, `eval compare` and `eval bon`.

A random model writes no <choice>: its GenRM report must say so (no parse, 0 accuracy) while being complete. The
benchmark here leaves out multi_turn_base, whose tool lists make 10k-token prompts for the tiny tokenizer; the
metrics over all nine categories are checked in test_metrics.py.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner

from curation.cli import app
from curation.records_io import write_records
from curation.schema import Candidate, Message, SampledTask, Task, TaskKind, ToolCall, ToolSpec
from evaluation.bench import CATEGORIES
from evaluation.bon import bon_metrics, load_bon_tasks, pick_gen
from evaluation.judges import Completion, Conversation

runner = CliRunner()
ENV = {"COLUMNS": "250", "HF_HUB_OFFLINE": "1"}
AST_CATEGORIES = [c for c in CATEGORIES if c != "multi_turn_base"]


@pytest.fixture(scope="module")
def ast_bench(bfcl_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from evaluation.trbench import build_trbench

    out = tmp_path_factory.mktemp("trbench-ast")
    build_trbench(bfcl_dir, out, perturb_per_task=1, tasks_per_category=1, categories=AST_CATEGORIES)
    return out


def _invoke(*args: str) -> str:
    result = runner.invoke(app, list(args), env=ENV)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.slow
def test_gen_and_disc_reports_and_their_comparison(
    ast_bench: Path, tiny_model: Path, tiny_disc_model: Path, tmp_path: Path
) -> None:
    out = tmp_path / "evals"
    _invoke(
        "eval", "--bench", str(ast_bench), "--model", str(tiny_model), "--kind", "gen", "--variant", "no_think",
        "--max-tokens", "6", "--temperature", "0", "--out", str(out), "-w", str(tmp_path),
    )  # fmt: skip
    report = json.loads((out / "tiny-qwen3-gen-no_think.json").read_text(encoding="utf-8"))
    metrics = report["metrics"]
    assert list(metrics["categories"]) == AST_CATEGORIES
    pairs = metrics["pairs"]
    assert pairs == sum(c["pairs"] for c in metrics["categories"].values()) == 8
    assert metrics["w_avg"] == 0.0 and metrics["avg"] == 0.0  # no choice is ever parsed
    assert metrics["parse"]["rows"] == 2 * pairs and metrics["parse"]["unparsed"] == 2 * pairs
    assert metrics["output_tokens"]["known"] == 2 * pairs and metrics["output_tokens"]["max"] <= 6
    assert report["bench"]["sha256"] and report["params"]["max_tokens"] == 6
    predictions = (out / "tiny-qwen3-gen-no_think.predictions.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(predictions) == 2 * pairs
    assert "| tiny-qwen3 | gen/no_think |" in (out / "tiny-qwen3-gen-no_think.md").read_text(encoding="utf-8")

    _invoke("eval", "--bench", str(ast_bench), "--model", str(tiny_disc_model), "--kind", "disc", "--out", str(out))
    disc = json.loads((out / "tiny-qwen3-rm-disc.json").read_text(encoding="utf-8"))
    lines = [json.loads(line) for line in (out / "tiny-qwen3-rm-disc.predictions.jsonl").read_text().splitlines()]
    assert len(lines) == disc["metrics"]["pairs"] == 8
    # The report's accuracy is what the scores say (recounted here from the predictions).
    assert disc["metrics"]["correct"] == sum(line["chosen_score"] > line["rejected_score"] for line in lines)

    output = _invoke("eval", "compare", str(out))
    assert "| tiny-qwen3 | gen/no_think |" in output and "| tiny-qwen3-rm | disc |" in output


def test_eval_needs_bench_and_model_and_a_matching_backend(ast_bench: Path) -> None:
    result = runner.invoke(app, ["eval", "--bench", str(ast_bench)], env=ENV)
    assert result.exit_code == 2 and "needs --bench and --model" in result.output
    result = runner.invoke(app, ["eval", "--bench", str(ast_bench), "-m", "x", "--kind", "disc", "--backend", "vllm"])
    assert result.exit_code == 2 and "--backend transformers" in result.output
    result = runner.invoke(app, ["eval", "--bench", str(ast_bench.parent / "none"), "-m", "x"], env=ENV)
    assert result.exit_code == 2 and "build one with `toolpref trbench build`" in result.output


TOOL = ToolSpec(
    name="get_weather",
    parameters={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)


def _task(index: int) -> Task:
    target = Message(role="assistant", tool_calls=(ToolCall(name="get_weather", arguments={"city": "Paris"}),))
    return Task(
        id=f"t{index}", trajectory_id=f"t{index}", source="test", turn=1, tools=(TOOL,),
        history=(Message(role="user", content="Weather in Paris?"),), target=target, kind=TaskKind.single,
        complexity=2,
    )  # fmt: skip


def _candidate(task: Task, index: int, city: str) -> Candidate:
    call = ToolCall(name="get_weather", arguments={"city": city})
    return Candidate(
        id=f"{task.id}-{index}", task_id=task.id, origin="policy", text="", calls=(call,), sample_index=index
    )


def write_sampled_run(folder: Path) -> Path:
    """A step folder with three tasks; the right answer is Paris. Candidates: task 0 wrong, right, wrong;
    task 1 right, wrong, wrong; task 2 all wrong."""
    folder.mkdir(parents=True)
    cities = [["Lyon", "Paris", "Nice"], ["Paris", "Rome", "Oslo"], ["Rome", "Oslo", "Nice"]]
    records = []
    for index, row in enumerate(cities):
        task = _task(index)
        ground_truth = Candidate(
            id=f"{task.id}-gt", task_id=task.id, origin="ground_truth", text="", calls=task.target.tool_calls
        )
        records.append(
            SampledTask(task=task, candidates=(ground_truth, *(_candidate(task, i, c) for i, c in enumerate(row))))
        )
    write_records(folder / "data.parquet", records)
    return folder


class PreferSecond:
    """Always prefers Response 2: in the knock-out a challenger then wins one order and loses the other."""

    def generate(self, conversations: Sequence[Conversation]) -> list[Completion]:
        return [Completion("<choice>\n2\n</choice>") for _ in conversations]


class PreferParis:
    """Prefers whichever response calls Paris; never changes its mind between orders."""

    def generate(self, conversations: Sequence[Conversation]) -> list[Completion]:
        answers = []
        for conversation in conversations:
            prompt = conversation[0]["content"]
            first = prompt[prompt.index("## Response 1") : prompt.index("## Response 2")]
            answers.append(Completion("<choice>\n1\n</choice>" if "Paris" in first else "<choice>\n2\n</choice>"))
        return answers


def test_best_of_n_metrics_with_known_judges(tmp_path: Path) -> None:
    tasks, counts = load_bon_tasks(write_sampled_run(tmp_path / "05_sample-x") / "data.parquet", 3)
    assert [t.exact for t in tasks] == [(False, True, False), (True, False, False), (False, False, False)]
    assert not counts
    metrics, _ = bon_metrics(tasks, pick_gen(tasks, PreferSecond(), "no_think"), 3)
    # Position bias never wins both orders: the first candidate stays, as with no RM at all.
    assert metrics["pick_accuracy"] == metrics["first_sample_accuracy"] == 33.33
    assert metrics["oracle_accuracy"] == 66.67 and metrics["random_pick_accuracy"] == 22.22
    metrics, predictions = bon_metrics(tasks, pick_gen(tasks, PreferParis(), "no_think"), 3)
    assert metrics["pick_accuracy"] == metrics["oracle_accuracy"] == 66.67
    assert [p["pick"] for p in predictions] == [1, 0, 0]


@pytest.mark.slow
def test_bon_command_with_a_disc_model(tmp_path: Path, tiny_disc_model: Path) -> None:
    step = write_sampled_run(tmp_path / "run" / "05_sample-x")
    output = _invoke(
        "eval", "bon", "--tasks", str(step), "--candidates", "2", "--model", str(tiny_disc_model),
        "--out", str(tmp_path / "bon"), "-w", str(tmp_path),
    )  # fmt: skip
    assert "Best-of-2 over 3 tasks" in output
    report = json.loads((tmp_path / "bon" / "tiny-qwen3-rm-bon2.json").read_text(encoding="utf-8"))
    metrics = report["metrics"]
    assert metrics["first_sample_accuracy"] == 33.33 and metrics["oracle_accuracy"] == 66.67
    assert metrics["pick_accuracy"] in (0.0, 33.33, 66.67)  # whichever the random head picks, checked per task
