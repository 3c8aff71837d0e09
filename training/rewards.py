"""The ToolRM-Gen reward: 1.0 when the answer's ``<choice>`` is in the strict format and equals the label, else 0.0.

Parsing is curation.genrm.parse_choice, the one parser the release configs and the evaluator use too. Training
asks for the strict form (``<choice>\\n1\\n</choice>``, as the prompt requests and as the paper's reward did): a
loose ``<choice>1</choice>`` earns nothing, so the policy learns the format the evaluator parses first.

Two entry points over the same rule:
- ``reward_func(queries, prompts, labels)``: OpenRLHF's hook. `--reward.remote_url` names this file; OpenRLHF
  loads it by path inside its vLLM workers, where the studio may not be installed, hence the sys.path line.
- ``choice_reward(prompts, completions, reward_model, ...)``: TRL GRPOTrainer's batched reward function; TRL
  passes the dataset's ``reward_model`` column ({ground_truth, style}) by name.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

try:
    from curation.genrm import parse_choice
except ImportError:  # loaded by file path where the studio is not installed: use the checkout this file is in
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from curation.genrm import parse_choice

LABELS = ("1", "2")


def label_of(label: Any) -> str:
    """The label "1" or "2" from what a trainer hands over: the string, an int, the verl ``reward_model`` dict
    ({"ground_truth": "1", "style": "rule"}) or that dict as JSON text. Anything else is a broken release."""
    value = label
    if isinstance(value, str) and value.strip().startswith("{"):
        with contextlib.suppress(json.JSONDecodeError):  # not JSON: the check below names the bad label
            value = json.loads(value)
    if isinstance(value, dict):
        value = value.get("ground_truth")
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else None
    if text not in LABELS:
        raise ValueError(f"a GenRM label must be '1' or '2' (or a reward_model dict holding one); got {label!r}")
    return text


def response_of(query: str, prompt: str) -> str:
    """The model's answer alone: OpenRLHF hands over prompt + answer decoded as one text."""
    if prompt and query.startswith(prompt):
        return query[len(prompt) :]
    return query


def choice_score(text: str, label: Any) -> float:
    """1.0 when ``text`` holds exactly one strict-format choice and it equals the label, else 0.0."""
    result = parse_choice(text)
    return 1.0 if result.strict and result.choice is not None and str(result.choice) == label_of(label) else 0.0


def reward_func(queries: Sequence[str], prompts: Sequence[str], labels: Sequence[Any], **kwargs: Any) -> dict[str, Any]:
    """OpenRLHF's custom reward hook: rewards and scores in [0, 1], plus parse rates for the logs."""
    import torch

    answers = [response_of(query, prompt) for query, prompt in zip(queries, prompts, strict=True)]
    parsed = [parse_choice(answer) for answer in answers]
    rewards = torch.tensor(
        [choice_score(answer, label) for answer, label in zip(answers, labels, strict=True)], dtype=torch.float
    )
    return {
        "rewards": rewards,
        "scores": rewards,
        "extra_logs": {
            "choice_parsed": torch.tensor([float(result.parsed) for result in parsed]),
            "choice_strict": torch.tensor([float(result.strict) for result in parsed]),
        },
    }


def completion_text(completion: Any) -> str:
    """TRL hands a conversational completion as [{"role": "assistant", "content": ...}], a plain one as text."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list):
        return "".join(str(message.get("content") or "") for message in completion if isinstance(message, dict))
    raise TypeError(f"unexpected completion type {type(completion).__name__}")


def choice_reward(
    prompts: Sequence[Any], completions: Sequence[Any], reward_model: Sequence[Any], **kwargs: Any
) -> list[float]:
    """TRL GRPOTrainer's reward function, over the same rule as ``reward_func``."""
    return [
        choice_score(completion_text(completion), label)
        for completion, label in zip(completions, reward_model, strict=True)
    ]
