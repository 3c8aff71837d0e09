"""`perturb`: the embedded backend. No model: seeded operators edit the ground truth into realistic candidates.

Each sample draws one operator. The first ``correct_samples`` samples of a task are meaning-preserving rewrites
(so that, like a real policy, it sometimes gets the turn right and the task survives the difficulty filter); the
rest draw an error operator from ``mix``, renormalized over the operators that apply to the task. The default mix
follows the FC-RewardBench error profile in METHOD.md. Every candidate, right or wrong, is rendered in a style
drawn from ``styles``, so the output format says nothing about correctness.
"""

from __future__ import annotations

import functools
import itertools
import random
import re
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from curation.registry import backends
from curation.sampling.base import (
    PERTURB_ORIGIN_PREFIX,
    BackendOptions,
    Generation,
    Policy,
    SampleRequest,
    SamplingBackend,
)
from curation.sampling.operators import ERROR_OPERATORS, REWRITE_OPERATORS, Draft, malformed
from curation.sampling.readback import reads_back
from curation.schema import Task
from curation.scoring.parse import ParseResult, parse_response, render_calls

Style = Literal["hermes", "json", "python"]
ALL_STYLES: tuple[Style, ...] = ("hermes", "json", "python")

# FC-RewardBench: wrong value 43%, wrong function name 27%, wrong number of calls 16% (here: dropped call,
# duplicated call, text instead of a call), missing optional 5%, missing required 3%, wrong type 3%, unexpected
# param 1%, format 1%. A call where text was right only applies to no-call turns, where little else does.
DEFAULT_MIX: dict[str, float] = {
    "wrong_value": 0.43,
    "wrong_function_name": 0.27,
    "drop_call": 0.06,
    "duplicate_call": 0.04,
    "text_instead_of_call": 0.06,
    "missing_optional": 0.05,
    "missing_required": 0.03,
    "wrong_type": 0.03,
    "unexpected_param": 0.01,
    "malformed": 0.01,
    "call_instead_of_text": 0.05,
}
DEFAULT_REWRITES = ("reorder_keys", "reorder_calls", "reformat", "restate_text")
_MALFORMED_TRIES = 8
_PYTHON_NAME = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")


def _writable_styles(styles: list[Style], draft: Draft) -> list[Style]:
    """Python call syntax cannot spell a function named like "Get_Reviews(Tips)" (real tool names do that)."""
    if "python" in styles and not all(_python_spellable(call.name) for call in draft.calls):
        return [style for style in styles if style != "python"] or ["hermes"]
    return styles


@functools.lru_cache(maxsize=4096)  # a few tool names, asked about for every sample
def _python_spellable(name: str) -> bool:
    return _PYTHON_NAME.match(name) is not None


class PerturbOptions(BackendOptions):
    mix: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_MIX), description="error operator -> weight (need not sum to 1)"
    )
    rewrites: list[str] = Field(
        default_factory=lambda: list(DEFAULT_REWRITES), description="meaning-preserving rewrites to draw from"
    )
    correct_samples: int = Field(default=1, ge=0, description="the first k samples of a task are rewrites")
    styles: list[Style] = Field(
        default_factory=lambda: list(ALL_STYLES), min_length=1, description="output styles to draw"
    )

    @field_validator("mix")
    @classmethod
    def _known_operators(cls, mix: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(mix) - set(ERROR_OPERATORS))
        if unknown:
            raise ValueError(f"unknown error operators {unknown}; known: {sorted(ERROR_OPERATORS)}")
        if any(weight < 0 for weight in mix.values()) or sum(mix.values()) <= 0:
            raise ValueError("weights must be >= 0 with a positive sum")
        return mix

    @field_validator("rewrites")
    @classmethod
    def _known_rewrites(cls, rewrites: list[str]) -> list[str]:
        unknown = sorted(set(rewrites) - set(REWRITE_OPERATORS))
        if unknown:
            raise ValueError(f"unknown rewrites {unknown}; known: {sorted(REWRITE_OPERATORS)}")
        return rewrites

    @model_validator(mode="after")
    def _rewrites_when_needed(self) -> PerturbOptions:
        if self.correct_samples and not self.rewrites:
            raise ValueError("correct_samples > 0 needs at least one rewrite")
        return self


@backends.register("perturb")
class PerturbBackend(SamplingBackend):
    """Typed perturbations of the ground truth: realistic negatives with a known error label, no model needed."""

    Options: ClassVar[type[BackendOptions]] = PerturbOptions
    requires_model: ClassVar[bool] = False
    uses_cache: ClassVar[bool] = False  # a sample costs microseconds; a cache row costs more

    def __init__(self, policy: Policy) -> None:
        super().__init__(policy)
        self.options = PerturbOptions.model_validate(policy.options)
        self._error_names = tuple(sorted(name for name, weight in self.options.mix.items() if weight > 0))
        self._cumulative: dict[tuple[str, ...], list[float]] = {}

    def generate(self, requests: Sequence[SampleRequest]) -> Iterator[Generation]:
        for request in requests:
            yield self.perturb(request)

    def perturb(self, request: SampleRequest) -> Generation:
        rng = random.Random(request.seed)
        task = request.task
        correct = request.sample_index < self.options.correct_samples
        operator, draft = self._draw_rewrite(task, rng) if correct else self._draw_error(task, rng)
        style: Style = rng.choice(_writable_styles(self.options.styles, draft))
        text = draft.text if draft.text is not None else render_calls(draft.calls, style=style)
        # What the sampler's parser would read, where that is already known: it then skips the parser.
        parsed: ParseResult | None = None
        if operator == "malformed":
            text, parsed = self._unparsable(task, rng, text)
        elif draft.text is None and reads_back(draft.calls, style, text):
            parsed = ParseResult(calls=draft.calls)
        meta: dict[str, Any] = {"operator": operator, "correct": correct}
        if draft.text is None:
            meta["style"] = style
        if not correct:
            aims_at = ERROR_OPERATORS[operator][1]
            meta["aims_at"] = aims_at.value if aims_at is not None else None
        return Generation(
            task_id=task.id,
            sample_index=request.sample_index,
            text=text,
            origin=f"{PERTURB_ORIGIN_PREFIX}{operator}",
            meta=meta,
            parsed=parsed,
        )

    def _draw_rewrite(self, task: Task, rng: random.Random) -> tuple[str, Draft]:
        names = list(self.options.rewrites)
        rng.shuffle(names)
        for name in names:
            draft = REWRITE_OPERATORS[name](task, rng)
            if draft is not None:
                return name, draft
        # Nothing in the list applies (say, only reorder_calls for a one-call turn): the GT as it is, restyled.
        return "reformat", Draft(
            calls=task.target.tool_calls, text=None if task.target.tool_calls else task.target.content
        )

    def _draw_error(self, task: Task, rng: random.Random) -> tuple[str, Draft]:
        """Operators drawn by weight, in sorted order of name, until one applies; an operator that does not is
        left out of the next draw."""
        names = self._error_names
        while names:
            name = rng.choices(names, cum_weights=self._cumulative_weights(names))[0]
            draft = ERROR_OPERATORS[name][0](task, rng)
            if draft is not None:
                return name, draft
            names = tuple(other for other in names if other != name)
        fallback = malformed(task, rng)
        assert fallback is not None  # malformed applies to every task
        return "malformed", fallback

    def _cumulative_weights(self, names: tuple[str, ...]) -> list[float]:
        """The cumulative weights of ``names``, as random.choices would sum them, once per pool of operators."""
        cumulative = self._cumulative.get(names)
        if cumulative is None:
            cumulative = self._cumulative[names] = list(itertools.accumulate(self.options.mix[n] for n in names))
        return cumulative

    @staticmethod
    def _unparsable(task: Task, rng: random.Random, text: str) -> tuple[str, ParseResult | None]:
        """Malformed output must fail the parser; a variant the parser happens to repair is drawn again. Returns
        the text and what the parser made of it."""
        for _ in range(_MALFORMED_TRIES):
            parsed = parse_response(text)
            if parsed.error is not None:
                return text, parsed
            draft = malformed(task, rng)
            assert draft is not None and draft.text is not None
            text = draft.text
        return "<tool_call>\n{\n</tool_call>", None
