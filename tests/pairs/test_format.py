"""The release configs from hand-made pairs: GenRM labels, swaps, parquet files, and the consumers' own checks
(datasets.load_dataset, OpenRLHF's RewardDataset preprocessing, TRL's chat-template data utils)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from curation.genrm import parse_choice
from curation.render import candidate_message, message_text
from curation.schema import FormattedRow, Message, Pair, Reject
from curation.steps.format import (
    RELEASE_CONFIGS,
    Format,
    FormatOptions,
    format_pairs,
    pair_from_pairs_row,
    write_configs,
)
from tests.pairs.records import pair


def pool(n: int = 40) -> list[Pair]:
    """Pairs with a system message and a tool, the rejected side calling the right tool with a wrong city."""
    pairs = []
    for i in range(n):
        base = pair(
            f"pair{i:03d}", source="apigen" if i % 2 else "glaive", split="validation" if i % 5 == 0 else "train"
        )
        history = (Message(role="system", content="You are a helpful assistant."), *base.task.history)
        pairs.append(base.model_copy(update={"task": base.task.model_copy(update={"history": history})}))
    return pairs


def rows_by_config(pairs: list[Pair], options: FormatOptions | None = None) -> dict[str, list[FormattedRow]]:
    grouped: dict[str, list[FormattedRow]] = {}
    for row in format_pairs(pairs, options or FormatOptions()):
        grouped.setdefault(row.config, []).append(row)
    return grouped


def judge(prompt: str, pair: Pair) -> str:
    """A perfect judge: it answers with the position at which the chosen turn appears in the prompt."""
    chosen_text = message_text(candidate_message(pair.chosen))
    first = prompt[prompt.index("## Response 1") : prompt.index("## Response 2")]
    return f"The better response calls the right city.\n<choice>\n{1 if chosen_text in first else 2}\n</choice>"


def test_every_pair_gives_one_row_per_config_each_carrying_its_pair_id() -> None:
    pairs = pool(10)
    grouped = rows_by_config(pairs)
    assert list(grouped) == list(RELEASE_CONFIGS)
    for config, rows in grouped.items():
        assert [r.pair_id for r in rows] == [p.pair_id for p in pairs]
        for row, source in zip(rows, pairs, strict=True):
            carried = row.row["extra_info"]["pair_id"] if config.startswith("genrm") else row.row["pair_id"]
            assert carried == source.pair_id and row.split == source.split


def test_genrm_rows_parse_back_to_their_label_and_half_are_swapped() -> None:
    pairs = {p.pair_id: p for p in pool(400)}
    grouped = rows_by_config(list(pairs.values()), FormatOptions(seed=3))
    labels: dict[str, dict[str, str]] = {}
    for config in ("genrm_think", "genrm_no_think"):
        for row in grouped[config]:
            content = row.row["prompt"][0]["content"]
            truth = row.row["reward_model"]["ground_truth"]
            assert row.row["reward_model"]["style"] == "rule"
            assert parse_choice(judge(content, pairs[row.pair_id])).choice == int(truth)
            assert row.row["extra_info"]["swapped"] is (truth == "2")
            labels.setdefault(row.pair_id, {})[config] = truth
    assert all(len(set(both.values())) == 1 for both in labels.values()), "a pair is swapped in both variants"
    swapped = Counter(both["genrm_think"] for both in labels.values())["2"]
    assert 160 <= swapped <= 240  # 400 fair coin flips: within four standard deviations of 200
    assert {r.row["extra_info"]["index"] for r in grouped["genrm_think"]} == {None}  # numbered when written


def test_swaps_follow_the_seed_and_the_fraction() -> None:
    pairs = pool(200)

    def truths(options: FormatOptions) -> list[str]:
        rows = rows_by_config(pairs, options)["genrm_no_think"]
        return [r.row["reward_model"]["ground_truth"] for r in rows]

    assert truths(FormatOptions(seed=1)) == truths(FormatOptions(seed=1))
    assert truths(FormatOptions(seed=1)) != truths(FormatOptions(seed=2))
    assert set(truths(FormatOptions(swap_fraction=0.0))) == {"1"}
    assert set(truths(FormatOptions(swap_fraction=1.0))) == {"2"}


def test_pairs_rows_give_back_the_pair() -> None:
    pairs = pool(5)
    for row, source in zip(rows_by_config(pairs)["pairs"], pairs, strict=True):
        assert pair_from_pairs_row(row.row) == source
        assert json.loads(row.row["tools"])[0]["name"] == "get_weather"
        assert json.loads(row.row["rejected"])["tool_calls"][0]["function"]["arguments"] == '{"city": "Lyon"}'


def test_the_step_rejects_a_pair_without_split_and_honours_configs() -> None:
    step = Format(configs=["disc", "trl"])
    unsplit = pair("nosplit")
    outcomes = step.process_batch([unsplit, pool(1)[0]])
    assert isinstance(outcomes[0], Reject) and outcomes[0].reason == "no split"
    assert [row.config for row in outcomes[1]] == ["disc", "trl"]  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="twice"):
        FormatOptions(configs=["disc", "disc"])
    with pytest.raises(ValueError):
        FormatOptions(configs=["sft"])  # type: ignore[list-item]


def write_and_load(tmp_path: Path, pairs: list[Pair], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    datasets = pytest.importorskip("datasets", reason="install the hub extra: pip install -e '.[hub]'")

    counts = write_configs(format_pairs(pairs, FormatOptions()), tmp_path / "configs")
    loaded = {}
    for config in RELEASE_CONFIGS:
        folder = tmp_path / "configs" / config
        files = {split: str(folder / f"{split}.parquet") for split in ("train", "validation") if counts[config][split]}
        assert sorted(p.stem for p in folder.glob("*.parquet")) == sorted(files)
        loaded[config] = datasets.load_dataset("parquet", data_files=files, cache_dir=str(tmp_path / "cache"))
        assert {split: loaded[config][split].num_rows for split in files} == {s: counts[config][s] for s in files}
    return loaded


def test_every_config_loads_with_datasets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pairs = pool(30)
    loaded = write_and_load(tmp_path, pairs, monkeypatch)
    expected = {
        "train": sum(p.split == "train" for p in pairs),
        "validation": sum(p.split == "validation" for p in pairs),
    }
    assert expected == {"train": 24, "validation": 6}
    for config in RELEASE_CONFIGS:
        assert {split: loaded[config][split].num_rows for split in expected} == expected
    for split, size in expected.items():
        assert loaded["genrm_no_think"][split]["extra_info"][-1]["index"] == size - 1
        assert [row["index"] for row in loaded["genrm_think"][split]["extra_info"]] == list(range(size))
    genrm = loaded["genrm_think"]["train"][0]
    assert set(genrm) == {"data_source", "prompt", "ability", "reward_model", "extra_info"}
    assert genrm["reward_model"]["ground_truth"] in {"1", "2"}
    assert genrm["extra_info"]["scores"] == {"chosen": 1.0, "rejected": 0.0}
    assert {"pair_id", "chosen", "rejected", "margin"} <= set(loaded["disc"]["train"].column_names)
    assert {"pair_id", "prompt", "chosen", "rejected", "tools"} <= set(loaded["trl"]["train"].column_names)


def test_a_split_without_rows_gets_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pairs = [p.model_copy(update={"split": "train"}) for p in pool(3)]
    loaded = write_and_load(tmp_path, pairs, monkeypatch)
    assert set(loaded["disc"]) == {"train"} and loaded["disc"]["train"].num_rows == 3
    assert not (tmp_path / "configs" / "disc" / "validation.parquet").exists()


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory: pytest.TempPathFactory) -> Any:
    import os

    os.environ["HF_HUB_OFFLINE"] = "1"
    pytest.importorskip("transformers", reason="install the train extra: pip install -e '.[train]'")
    from tests.pairs.tiny_tokenizer import build_tiny_tokenizer

    return build_tiny_tokenizer(tmp_path_factory.mktemp("tokenizer"))


@pytest.mark.slow  # imports OpenRLHF / TRL / transformers, or reruns the demo
def test_disc_rows_pass_openrlhf_reward_dataset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tokenizer: Any
) -> None:
    RewardDataset = pytest.importorskip(
        "openrlhf.datasets", reason="pip install --no-deps openrlhf pylatexenc (its dataset code needs no CUDA)"
    ).RewardDataset

    pairs = pool(6)
    dataset = write_and_load(tmp_path, pairs, monkeypatch)["disc"]["train"]
    # The data arguments `train_rm --chosen_key chosen --rejected_key rejected --apply_chat_template` sets.
    data_args = SimpleNamespace(
        prompt_key=None,
        chosen_key="chosen",
        rejected_key="rejected",
        apply_chat_template=True,
        tokenizer_chat_template=None,
    )
    strategy = SimpleNamespace(args=SimpleNamespace(data=data_args))
    reward_data = RewardDataset(dataset, tokenizer, max_length=4096, strategy=strategy, num_processors=1)
    assert len(reward_data) == len(dataset)
    for index in range(len(reward_data)):
        chosen_ids, chosen_mask, rejected_ids, _, margin = reward_data[index]
        chosen = tokenizer.decode(chosen_ids[0])
        rejected = tokenizer.decode(rejected_ids[0])
        assert chosen_ids[0][-1].item() == tokenizer.eos_token_id and int(chosen_mask.sum()) == chosen_ids.shape[1]
        assert "<tools>" in chosen and '"name": "get_weather"' in chosen  # the tools, in the system turn
        assert '{"name": "get_weather", "arguments": {"city": "Paris"}}' in chosen
        assert '{"name": "get_weather", "arguments": {"city": "Lyon"}}' in rejected
        head = chosen.index("<|im_start|>assistant")
        assert chosen[:head] == rejected[: rejected.index("<|im_start|>assistant")], "same context on both sides"
        assert margin == dataset[index]["margin"] == 1.0


@pytest.mark.slow  # imports OpenRLHF / TRL / transformers, or reruns the demo
def test_trl_rows_pass_trl_preference_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tokenizer: Any) -> None:
    data_utils = pytest.importorskip("trl.data_utils", reason="install the train extra: pip install -e '.[train]'")
    apply_chat_template, is_conversational, maybe_apply_chat_template = (
        data_utils.apply_chat_template,
        data_utils.is_conversational,
        data_utils.maybe_apply_chat_template,
    )

    dataset = write_and_load(tmp_path, pool(4), monkeypatch)["trl"]["train"]
    for example in dataset:
        assert is_conversational(example)
        tools = json.loads(example["tools"])  # what TRL's trainers do with a string tools column
        preference = {key: example[key] for key in ("prompt", "chosen", "rejected")}
        rendered = apply_chat_template(preference, tokenizer, tools=tools)
        assert set(rendered) == {"prompt", "chosen", "rejected"}
        assert "<tools>" in rendered["prompt"] and rendered["prompt"].endswith("<|im_start|>assistant\n")
        assert '"arguments": {"city": "Paris"}' in rendered["chosen"]
        assert '"arguments": {"city": "Lyon"}' in rendered["rejected"]
        assert maybe_apply_chat_template(preference, tokenizer, tools=tools) == rendered
