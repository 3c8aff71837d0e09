"""The GenRM critique prompt and the parser of its answer: one module that training and evaluation share.

Stable API (imported by the release configs, the GRPO reward and the TRBench evaluator):

- ``GENRM_VARIANTS``: ``("think", "no_think")``. ``think`` asks a reasoning model for a full check before the
  verdict; ``no_think`` asks an instruct model for a short evaluation straight away. The templates are
  ``curation/prompts/genrm_<variant>.j2`` (both extend ``genrm_base.j2``).
- ``render_prompt(variant, tools, history, response_1, response_2) -> str``: the text of the one user message
  (``render_prompt_text`` does the same from parts already rendered; ``task_prompt(...).render(r1, r2)`` fills in
  a task's tools and conversation once, for many prompts over one task).
- ``prompt_messages(...) -> [{"role": "user", "content": ...}]``: the same, as a chat message list (verl's
  ``prompt`` column).
- ``parse_choice(text) -> ChoiceResult(choice, strict)``: the choice in a model's answer, 1, 2 or None.

The answer format: an evaluation, then ``<choice>`` with 1 or 2 alone on its own line::

    <choice>
    2
    </choice>
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import jinja2

from curation.render import message_text, tools_text, transcript
from curation.schema import Message, ToolSpec

GenrmVariant = Literal["think", "no_think"]
GENRM_VARIANTS: tuple[GenrmVariant, ...] = ("think", "no_think")
PROMPTS_DIR = Path(__file__).parent / "prompts"

# The strict form is the one the prompt asks for; the loose form forgives whitespace on one line.
_STRICT_CHOICE = re.compile(r"<choice>\n([12])\n</choice>")
_LOOSE_CHOICE = re.compile(r"<choice>\s*([12])\s*</choice>")
_THINK_END = "</think>"


@dataclass(frozen=True)
class ChoiceResult:
    """The parsed choice (1 or 2, None when the answer has none) and whether it was in the strict form."""

    choice: int | None
    strict: bool

    @property
    def parsed(self) -> bool:
        return self.choice is not None


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(PROMPTS_DIR),
        undefined=jinja2.StrictUndefined,  # a renamed variable must fail loudly, not vanish from the prompt
        keep_trailing_newline=False,
        autoescape=False,  # plain text for a model, not HTML
    )


def render_prompt(
    variant: GenrmVariant,
    tools: Sequence[ToolSpec],
    history: Sequence[Message],
    response_1: Message,
    response_2: Message,
) -> str:
    """The critique prompt for two responses to the same conversation."""
    return render_prompt_text(
        variant,
        tools=tools_text(tools),
        conversation=transcript(history) or "(empty)",
        response_1=message_text(response_1) or "(empty response)",
        response_2=message_text(response_2) or "(empty response)",
    )


def render_prompt_text(
    variant: GenrmVariant, *, tools: str, conversation: str, response_1: str, response_2: str
) -> str:
    """The critique prompt from parts already rendered with curation/render.py (tools_text, transcript,
    message_text): for callers that render many prompts over the same task."""
    return task_prompt(variant, tools=tools, conversation=conversation).render(response_1, response_2)


@dataclass(frozen=True)
class TaskPrompt:
    """The critique prompt of one task, its tools and conversation filled in, waiting for the two responses.

    A task has several pairs, and its tools and conversation are most of the prompt's text: they are spliced in
    once per task rather than once per pair.
    """

    pieces: tuple[str, ...]  # static text at even positions, "response_1" / "response_2" at odd ones

    def render(self, response_1: str, response_2: str) -> str:
        values = {"response_1": response_1, "response_2": response_2}
        return "".join(piece if i % 2 == 0 else values[piece] for i, piece in enumerate(self.pieces)).strip()


def task_prompt(variant: GenrmVariant, *, tools: str, conversation: str) -> TaskPrompt:
    """The prompt with ``tools`` (``tools_text``) and ``conversation`` (``transcript``) filled in."""
    known = {"tools": tools or "(no tools)", "conversation": conversation}
    pieces = [""]
    # The skeleton has static text at even positions and slot names at odd ones: fill in what is known and merge
    # it into the static text around it.
    for i, piece in enumerate(_skeleton(variant)):
        if i % 2 == 0:
            pieces[-1] += piece
        elif piece in known:
            pieces[-1] += known[piece]
        else:
            pieces += [piece, ""]
    return TaskPrompt(tuple(pieces))


_SLOTS = ("tools", "conversation", "response_1", "response_2")
_SLOT_MARK = re.compile("\x00(" + "|".join(_SLOTS) + ")\x00")


@cache
def _skeleton(variant: GenrmVariant) -> tuple[str, ...]:
    """The template rendered once, with a marker in each slot, split around the markers.

    Rendering a template per row costs more than the rest of a GenRM row; the templates only ever insert the
    values verbatim, so splicing them into the pre-rendered text gives the same prompt (tests compare the two).
    """
    if variant not in GENRM_VARIANTS:
        raise ValueError(f"unknown GenRM variant {variant!r}; use one of {', '.join(GENRM_VARIANTS)}")
    template = _environment().get_template(f"genrm_{variant}.j2")
    return tuple(_SLOT_MARK.split(template.render(**{name: f"\x00{name}\x00" for name in _SLOTS})))


def render_with_jinja(variant: GenrmVariant, **values: str) -> str:
    """The prompt rendered by Jinja itself, value by value (the reference for ``render_prompt_text``)."""
    values = {**values, "tools": values.get("tools") or "(no tools)"}
    return _environment().get_template(f"genrm_{variant}.j2").render(**values).strip()


def prompt_messages(
    variant: GenrmVariant,
    tools: Sequence[ToolSpec],
    history: Sequence[Message],
    response_1: Message,
    response_2: Message,
) -> list[dict[str, str]]:
    """The prompt as a chat message list: one user message."""
    return [{"role": "user", "content": render_prompt(variant, tools, history, response_1, response_2)}]


def parse_choice(text: str) -> ChoiceResult:
    """The choice in a GenRM answer: strict ``<choice>\\n1\\n</choice>`` first, then loose ``<choice>1</choice>``.

    Only the text after the last ``</think>`` counts (a reasoning model may quote the format while thinking).
    An answer that names both 1 and 2 is a hedge and counts as no choice, so that no output earns the reward
    for both labels at once. When the same choice appears several times the strict form wins.
    """
    answer = text.rsplit(_THINK_END, 1)[-1]
    strict = {int(value) for value in _STRICT_CHOICE.findall(answer)}
    loose = {int(value) for value in _LOOSE_CHOICE.findall(answer)}
    found = strict | loose
    if len(found) != 1:
        return ChoiceResult(choice=None, strict=False)
    return ChoiceResult(choice=found.pop(), strict=bool(strict))
