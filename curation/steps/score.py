"""`score`: one Score per candidate of every task: the ToolRM similarity, the BFCL-grade check, the error type.

The ground truth is the task's target turn: its calls, or no call when it is a text answer. A candidate whose
text could not be parsed, or whose request failed for good, scores 0 with ErrorType.parse_error and the reason in
the detail. Scores are aligned with candidates by index. Counters: ``candidates``, ``exact``, and
``error.<error type>`` for every other candidate.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from pydantic import Field

from curation.registry import steps
from curation.schema import Candidate, ErrorType, SampledTask, Score, ScoredTask, ToolCall, ToolSpec
from curation.scoring.answer_keys import arrangement_free_key, identity_key
from curation.scoring.answers import PossibleAnswer, expected_from_calls
from curation.scoring.check import CheckOptions, CheckResult, check_calls
from curation.scoring.similarity import toolrm_similarity
from curation.steps.base import RejectRecord, Step

Verdict = tuple[CheckResult, float]  # a candidate's check result and similarity


@steps.register("score")
class ScoreStep(Step):
    """Score every candidate against its task's ground truth (similarity, exact, error type, detail)."""

    name = "score"
    description = "SampledTask -> ScoredTask: ToolRM similarity + BFCL-grade check per candidate"
    input_type = SampledTask
    output_type = ScoredTask
    parallel = True  # pure per record: batches may run in worker processes

    check: CheckOptions = Field(default_factory=CheckOptions, description="how strict the exact check is")
    omit_defaults: bool = Field(
        default=True,
        description="an optional parameter passed with its schema default counts the same as left out, for exact",
    )

    def process(self, sampled: SampledTask) -> list[ScoredTask]:
        strangers = [c for c in sampled.candidates if c.task_id != sampled.task.id]
        if strangers:
            example = f"{strangers[0].id} (task {strangers[0].task_id})"
            raise RejectRecord(
                "candidate of another task", f"{len(strangers)} candidate(s) belong to another task, e.g. {example}"
            )
        scored = self.score_task(sampled)
        for score in scored.scores:
            self.count("exact" if score.exact else f"error.{score.error_type.value if score.error_type else 'none'}")
        self.count("candidates", len(scored.scores))
        return [scored]

    def score_task(self, sampled: SampledTask) -> ScoredTask:
        """The scores of one task's candidates, aligned with them by index."""
        task = sampled.task
        truth = task.target.tool_calls
        expected = expected_from_calls(truth, task.tools, omit_defaults=self.omit_defaults)
        tools = {tool.name: tool for tool in task.tools}
        verdicts = _Verdicts()
        scores = tuple(
            self._score(task.id, candidate, truth, expected, tools, verdicts) for candidate in sampled.candidates
        )
        return ScoredTask(task=task, candidates=sampled.candidates, scores=scores)

    def _score(
        self,
        task_id: str,
        candidate: Candidate,
        truth: tuple[ToolCall, ...],
        expected: PossibleAnswer,
        tools: Mapping[str, ToolSpec],
        verdicts: _Verdicts,
    ) -> Score:
        failure = None
        if candidate.request_error is not None:
            failure = f"request failed: {candidate.request_error}"
        elif candidate.parse_error is not None:
            failure = candidate.parse_error
        if failure is not None:
            result = CheckResult(False, ErrorType.parse_error, failure)
            similarity = 0.0
        else:
            calls = candidate.calls
            result, similarity = verdicts.of(
                calls, lambda: (check_calls(calls, expected, tools, self.check), toolrm_similarity(calls, truth))
            )
        return Score(
            candidate_id=candidate.id,
            task_id=task_id,
            similarity=similarity,
            exact=result.exact,
            error_type=result.error_type,
            detail=result.detail,
        )


class _Verdicts:
    """The verdicts (check result, similarity) already worked out for one task's candidates, by answer key
    (answer_keys.py says when a verdict may be shared). One task's only: its expected answer and tools are part of
    every verdict."""

    __slots__ = ("_by_identity", "_exact")

    def __init__(self) -> None:
        self._by_identity: dict[bytes, Verdict] = {}
        # Exact verdicts with their calls and, once asked, their arrangement-free key: shared with calls that are
        # the same up to the order of calls and of arguments.
        self._exact: list[tuple[Sequence[ToolCall], list[bytes | None], Verdict]] = []

    def of(self, calls: Sequence[ToolCall], work: Callable[[], Verdict]) -> Verdict:
        """The verdict on ``calls``: one already worked out for the same answer, else ``work()``, kept."""
        identity = identity_key(calls)
        if identity is None:
            return work()
        verdict = self._by_identity.get(identity)
        if verdict is None:
            verdict = self._exact_arrangement_of(calls)
            if verdict is None:
                verdict = work()
                if verdict[0].exact:
                    self._exact.append((calls, [], verdict))
            self._by_identity[identity] = verdict
        return verdict

    def _exact_arrangement_of(self, calls: Sequence[ToolCall]) -> Verdict | None:
        arrangement: bytes | None = None
        for exact_calls, exact_key, verdict in self._exact:
            # Equal arguments (==, which ignores their order, and types) first: keys are only worked out for those.
            if not _loosely_equal(calls, exact_calls):
                continue
            if not exact_key:
                exact_key.append(arrangement_free_key(exact_calls))
            arrangement = arrangement if arrangement is not None else arrangement_free_key(calls)
            if arrangement is not None and arrangement == exact_key[0]:
                return verdict
        return None


def _loosely_equal(calls: Sequence[ToolCall], others: Sequence[ToolCall]) -> bool:
    """A quick look that every call has a call of the same name with == arguments among ``others``: True for
    every arrangement of the same calls (and for some other calls, which the arrangement-free key tells apart)."""
    if len(calls) != len(others):
        return False
    for call in calls:
        name, arguments = call.name, call.arguments
        for other in others:
            if other.name == name and other.arguments == arguments:
                break
        else:
            return False
    return True
