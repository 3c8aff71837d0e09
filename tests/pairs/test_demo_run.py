"""The demo recipe end to end (perturb sampler, no model): every release config, read by its consumers."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pyarrow.parquet as pq
import pytest
from rich.console import Console

from curation.genrm import parse_choice
from curation.pipeline import RunInfo, load_run, plan_recipe, run_plan
from curation.render import candidate_message, message_text
from curation.steps.format import RELEASE_CONFIGS, pair_from_pairs_row
from curation.summary import print_summary, summarize_run
from curation.workspace import Workspace


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> RunInfo:
    workspace = Workspace(tmp_path_factory.mktemp("demo-ws"))
    run_plan(plan_recipe("demo", workspace))
    return load_run(workspace, "demo")


def config_files(run: RunInfo, config: str) -> dict[str, str]:
    folder = run.step_dir("format") / "configs" / config
    return {path.stem: str(path) for path in sorted(folder.glob("*.parquet"))}


def stats(run: RunInfo, step: str) -> dict[str, Any]:
    return run.step(step).stats()


def test_every_config_of_the_demo_loads_with_datasets(
    demo: RunInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    datasets = pytest.importorskip("datasets", reason="install the hub extra: pip install -e '.[hub]'")

    balance = stats(demo, "balance")["report"]
    written = stats(demo, "format")["report"]["configs"]
    for config in RELEASE_CONFIGS:
        files = config_files(demo, config)
        assert set(files) == {"train", "validation"}
        loaded = datasets.load_dataset("parquet", data_files=files, cache_dir=str(tmp_path / "cache"))
        sizes = {split: loaded[split].num_rows for split in files}
        assert (
            sizes
            == written[config]
            == {"train": balance["achieved"]["train"], "validation": balance["achieved"]["validation"]}
        )
    assert balance["achieved"] == {"total": 120, "train": 108, "validation": 12}


def test_demo_pairs_are_balanced_split_by_task_and_free_of_bfcl(demo: RunInfo) -> None:
    rows = pq.read_table(config_files(demo, "pairs")["train"]).to_pylist()
    rows += pq.read_table(config_files(demo, "pairs")["validation"]).to_pylist()
    splits_of_task: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        splits_of_task[row["task_id"]].add(row["split"])
        pair = pair_from_pairs_row(row)
        assert pair.split == row["split"] and pair.chosen_score.similarity > pair.rejected_score.similarity
        assert row["complexity"] <= 50 and 1 <= row["intensity_bin"] <= 10
    assert all(len(splits) == 1 for splits in splits_of_task.values())
    sources = {row["source"] for row in rows}
    assert "bfcl" not in sources and len(sources) == 7
    per_source = stats(demo, "balance")["report"]["sources"]
    assert max(s["achieved"] for s in per_source.values()) - min(s["achieved"] for s in per_source.values()) <= 1


def test_demo_genrm_rows_parse_back_to_their_label(demo: RunInfo) -> None:
    pairs = {}
    for path in config_files(demo, "pairs").values():
        for row in pq.read_table(path).to_pylist():
            pairs[row["pair_id"]] = pair_from_pairs_row(row)
    labels = defaultdict(set)
    for config in ("genrm_think", "genrm_no_think"):
        for path in config_files(demo, config).values():
            for row in pq.read_table(path).to_pylist():
                pair = pairs[row["extra_info"]["pair_id"]]
                prompt = row["prompt"][0]["content"]
                first = prompt[prompt.index("## Response 1") : prompt.index("## Response 2")]
                second = prompt[prompt.index("## Response 2") : prompt.index("## How to answer")]
                chosen = message_text(candidate_message(pair.chosen)) or "(empty response)"
                rejected = message_text(candidate_message(pair.rejected)) or "(empty response)"
                position = 1 if chosen in first and rejected in second else 2
                assert (chosen in second and rejected in first) or position == 1
                answer = f"Response {position} is correct.\n<choice>\n{position}\n</choice>"
                assert parse_choice(answer).choice == int(row["reward_model"]["ground_truth"])
                assert row["extra_info"]["task_source"] == pair.source
                labels[pair.pair_id].add(row["reward_model"]["ground_truth"])
    assert len(labels) == 120 and all(len(both) == 1 for both in labels.values())
    assert 30 <= sum("2" in both for both in labels.values()) <= 90


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory: pytest.TempPathFactory) -> Any:
    import os

    os.environ["HF_HUB_OFFLINE"] = "1"
    pytest.importorskip("transformers", reason="install the train extra: pip install -e '.[train]'")
    from tests.pairs.tiny_tokenizer import build_tiny_tokenizer

    return build_tiny_tokenizer(tmp_path_factory.mktemp("tokenizer"))


@pytest.mark.slow  # imports OpenRLHF / TRL / transformers, or reruns the demo
def test_demo_disc_rows_pass_openrlhf_reward_dataset(
    demo: RunInfo, tokenizer: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    datasets = pytest.importorskip("datasets", reason="install the hub extra: pip install -e '.[hub]'")
    RewardDataset = pytest.importorskip(
        "openrlhf.datasets", reason="pip install --no-deps openrlhf pylatexenc (its dataset code needs no CUDA)"
    ).RewardDataset

    dataset = datasets.load_dataset(
        "parquet", data_files=config_files(demo, "disc"), cache_dir=str(tmp_path / "cache")
    )["train"]
    data_args = SimpleNamespace(
        prompt_key=None,
        chosen_key="chosen",
        rejected_key="rejected",
        apply_chat_template=True,
        tokenizer_chat_template=None,
    )
    reward_data = RewardDataset(
        dataset,
        tokenizer,
        max_length=16384,
        strategy=SimpleNamespace(args=SimpleNamespace(data=data_args)),
        num_processors=1,
    )
    assert len(reward_data) == dataset.num_rows == 108
    tool_turns = 0
    for index in range(len(reward_data)):
        chosen_ids, _, rejected_ids, _, margin = reward_data[index]
        chosen, rejected = tokenizer.decode(chosen_ids[0]), tokenizer.decode(rejected_ids[0])
        assert chosen != rejected and 0 < margin <= 1
        context = chosen[: chosen.rindex("<|im_start|>assistant")]
        assert context == rejected[: rejected.rindex("<|im_start|>assistant")]
        tool_turns += "<tool_response>" in context
        if dataset[index]["chosen"][0]["role"] == "system" and "# Tools" in dataset[index]["chosen"][0]["content"]:
            assert "<tools>" in context
    assert tool_turns > 0, "the demo has multi-turn tasks with tool results"


@pytest.mark.slow  # imports OpenRLHF / TRL / transformers, or reruns the demo
def test_demo_trl_rows_pass_trl_preference_checks(demo: RunInfo, tokenizer: Any) -> None:
    data_utils = pytest.importorskip("trl.data_utils", reason="install the train extra: pip install -e '.[train]'")
    apply_chat_template, is_conversational = data_utils.apply_chat_template, data_utils.is_conversational

    for path in config_files(demo, "trl").values():
        for example in pq.read_table(path).to_pylist():
            assert is_conversational(example)
            tools = json.loads(example["tools"])
            rendered = apply_chat_template(
                {key: example[key] for key in ("prompt", "chosen", "rejected")}, tokenizer, tools=tools or None
            )
            assert rendered["chosen"] != rendered["rejected"]
            assert rendered["chosen"].endswith("<|im_end|>\n") and rendered["rejected"].endswith("<|im_end|>\n")
            assert ("<tools>" in rendered["prompt"]) == bool(tools)


def test_summary_of_the_demo(demo: RunInfo) -> None:
    summary = summarize_run(demo.dir)
    assert summary["recipe"] == "demo"
    ingest = stats(demo, "ingest")
    assert sum(numbers.get("in", 0) for numbers in summary["sources"].values()) == ingest["in"]
    assert sum(numbers.get("traj", 0) for numbers in summary["sources"].values()) == ingest["out"]
    assert sum(numbers.get("sel", 0) for numbers in summary["sources"].values()) == 120
    assert summary["rejects"]["decontaminate: BFCL is evaluation-only"] == {"bfcl": summary["sources"]["bfcl"]["valid"]}
    assert "sel" not in summary["sources"]["bfcl"]
    assert sum(sum(c.values()) for c in summary["rejects"].values()) == sum(
        record.stats()["rejected"] for record in demo.steps
    )
    console = Console(record=True, width=120)
    print_summary(demo.dir, console)
    text = console.export_text()
    for needle in (
        "records per source",
        "complexfuncbench",
        "pairs per intensity bin",
        "wrong_param_value",
        "genrm_think",
    ):
        assert needle in text


@pytest.mark.slow  # imports OpenRLHF / TRL / transformers, or reruns the demo
def test_the_demo_is_reproducible(demo: RunInfo, tmp_path: Path) -> None:
    again = Workspace(tmp_path / "again")
    run_plan(plan_recipe("demo", again))
    other = load_run(again, "demo")
    assert [s.hash for s in other.steps] == [s.hash for s in demo.steps]
    for config in RELEASE_CONFIGS:
        for split, path in config_files(demo, config).items():
            assert pq.read_table(path).equals(pq.read_table(config_files(other, config)[split])), (config, split)
