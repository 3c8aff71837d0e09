"""The ToolRM-Gen reward (training/rewards.py): strict and loose parsing, swapped labels, garbage output.

Expected values are written by hand from the rule in METHOD.md and the issue: 1 when the strict-format choice
equals the label, else 0.
"""

from __future__ import annotations

import pytest
import torch

from training.rewards import choice_reward, choice_score, label_of, reward_func

STRICT_1 = "Response 2 calls the wrong function.\n<choice>\n1\n</choice>"
STRICT_2 = "Response 1 misses the required argument.\n<choice>\n2\n</choice>"
LOOSE_1 = "Response 1 is right. <choice>1</choice>"


@pytest.mark.parametrize(
    ("answer", "label", "expected"),
    [
        (STRICT_1, "1", 1.0),
        (STRICT_2, "2", 1.0),
        (STRICT_1, "2", 0.0),  # swapped label: the same answer is now wrong
        (STRICT_2, "1", 0.0),
        (LOOSE_1, "1", 0.0),  # training asks for the strict form
        ("<think>maybe <choice>\n2\n</choice>?</think>\nFinal.\n<choice>\n1\n</choice>", "1", 1.0),
        ("<choice>\n1\n</choice> or <choice>\n2\n</choice>", "1", 0.0),  # a hedge earns nothing
        ("", "1", 0.0),
        ("I cannot decide.", "2", 0.0),
        ("<choice>\n3\n</choice>", "1", 0.0),
        ("\x00\ufffd<choice>", "1", 0.0),
    ],
)
def test_choice_score(answer: str, label: str, expected: float) -> None:
    assert choice_score(answer, label) == expected


@pytest.mark.parametrize(
    ("label", "expected"),
    [("1", "1"), (2, "2"), (" 2 ", "2"), ({"ground_truth": "2", "style": "rule"}, "2"), ('{"ground_truth": "1"}', "1")],
)
def test_labels_in_every_shape_a_trainer_hands_over(label: object, expected: str) -> None:
    assert label_of(label) == expected


@pytest.mark.parametrize("label", ["3", None, True, {"style": "rule"}, "", [1]])
def test_a_broken_label_is_an_error_not_a_zero(label: object) -> None:
    with pytest.raises(ValueError, match="label must be '1' or '2'"):
        label_of(label)


def test_openrlhf_reward_func_strips_the_prompt_and_returns_tensors() -> None:
    # The prompt itself asks for the format and quotes a choice: only the answer after it may count.
    prompt = "<|im_start|>user\nAnswer like <choice>\n2\n</choice><|im_end|>\n<|im_start|>assistant\n"
    queries = [prompt + STRICT_1 + "<|im_end|>", prompt + "no idea<|im_end|>", prompt + LOOSE_1]
    result = reward_func(queries, [prompt] * 3, [{"ground_truth": "1", "style": "rule"}, "1", "1"])
    assert torch.equal(result["rewards"], torch.tensor([1.0, 0.0, 0.0]))
    assert torch.equal(result["scores"], result["rewards"])
    assert result["extra_logs"]["choice_parsed"].tolist() == [1.0, 0.0, 1.0]
    assert result["extra_logs"]["choice_strict"].tolist() == [1.0, 0.0, 0.0]


def test_trl_reward_reads_conversational_completions() -> None:
    completions = [[{"role": "assistant", "content": STRICT_2}], [{"role": "assistant", "content": STRICT_1}], STRICT_2]
    labels = [{"ground_truth": "2", "style": "rule"}, {"ground_truth": "2", "style": "rule"}, "2"]
    assert choice_reward(prompts=[[], [], []], completions=completions, reward_model=labels) == [1.0, 0.0, 1.0]


def test_openrlhf_can_load_the_reward_file_by_path() -> None:
    """OpenRLHF imports --reward.remote_url with spec_from_file_location under the name "reward_func"."""
    import importlib.util

    from training.openrlhf import REWARD_FILE

    spec = importlib.util.spec_from_file_location("reward_func", REWARD_FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rewards = module.reward_func([STRICT_2], [""], ["2"])["rewards"]
    assert rewards.tolist() == [1.0]
