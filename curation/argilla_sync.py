"""Push pairs to an Argilla v2 dataset and pull reviewers' answers into the review store, with the SDK `argilla`.

    push_pairs(client, pairs, dataset="toolpref-review", workspace="toolpref")
    pull_answers(workspace, client, dataset="toolpref-review", argilla_workspace="toolpref")

The dataset layout and the answer -> verdict mapping live in curation/argilla.py. A push creates the dataset (and
its Argilla workspace) when missing, or checks that an existing one has this layout, then upserts the records by
id in batches: pushing again updates fields, metadata and suggestions and keeps the answers given so far. A pull
reads the records with at least one SUBMITTED response (drafts and discarded ones are ignored) and appends one
decision per reviewer answer, with the Argilla username as reviewer; an answer that is already the reviewer's
latest decision on the pair is skipped, so pulling twice writes nothing new.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from curation.argilla import (
    FIELD_CONTEXT,
    FIELD_RESPONSE_1,
    FIELD_RESPONSE_2,
    FIELD_TOOLS,
    GUIDELINES,
    ORDER_METADATA,
    PREFERENCE_LABELS,
    QUESTION_NOTE,
    QUESTION_PREFERENCE,
    SIDES,
    SUGGESTION_AGENT,
    TERMS_METADATA,
    Answer,
    ArgillaError,
    PairRecord,
    Unusable,
    plan_pull,
    record_for_pair,
)
from curation.review import ReviewStore
from curation.schema import Pair
from curation.workspace import Workspace

DEFAULT_API_URL = "http://localhost:6900"
DEFAULT_API_KEY_ENV = "ARGILLA_API_KEY"
DEFAULT_ARGILLA_WORKSPACE = "toolpref"
PUSH_BATCH_SIZE = 200  # records per bulk request; the server accepts up to 500


@dataclass(frozen=True)
class PushReport:
    dataset: str
    workspace: str
    pushed: int
    created: bool  # a new dataset, or records upserted into an existing one


@dataclass(frozen=True)
class PullReport:
    dataset: str
    workspace: str
    answers: int  # submitted answers read
    written: int  # decisions appended to the review store
    unchanged: int  # answers already recorded as the reviewer's latest decision
    by_verdict: dict[str, int] = field(default_factory=dict)  # of the decisions written
    unusable: list[Unusable] = field(default_factory=list)
    disagreements: dict[str, dict[str, str]] = field(default_factory=dict)


def connect(api_url: str, api_key: str) -> Any:
    """An SDK client, checked against the server (credentials included) before anything is sent."""
    import argilla as rg

    if not api_key:
        raise ArgillaError("no Argilla API key given")
    try:
        client = rg.Argilla(api_url=api_url, api_key=api_key, retries=2)
        client.me  # noqa: B018 -- the first request: fails now on a wrong URL or key, not halfway through a push
    except Exception as error:  # the SDK raises httpx and its own errors alike; all mean "cannot use this server"
        raise ArgillaError(f"cannot use the Argilla server at {api_url}: {_describe(error)}") from None
    return client


def dataset_settings(client: Any) -> Any:
    """The rg.Settings of a review dataset (layout in curation/argilla.py)."""
    import argilla as rg

    text = {"use_markdown": False, "client": client}  # everything from the data is shown as text, never rendered
    return rg.Settings(
        guidelines=GUIDELINES,
        fields=[
            rg.TextField(name=FIELD_CONTEXT, title="Context: the conversation so far", **text),
            rg.TextField(name=FIELD_TOOLS, title="Tools (JSON)", **text),
            rg.TextField(name=FIELD_RESPONSE_1, title="Response 1", **text),
            rg.TextField(name=FIELD_RESPONSE_2, title="Response 2", **text),
        ],
        questions=[
            rg.LabelQuestion(
                name=QUESTION_PREFERENCE,
                title="Which response is better?",
                labels=PREFERENCE_LABELS,
                required=True,
                client=client,
            ),
            rg.TextQuestion(name=QUESTION_NOTE, title="Note (optional): what is wrong?", required=False, **text),
        ],
        metadata=[
            *(rg.TermsMetadataProperty(name=name, client=client) for name in TERMS_METADATA),
            rg.IntegerMetadataProperty(name="intensity_bin", min=1, max=10, client=client),
            rg.IntegerMetadataProperty(name="complexity", min=0, client=client),
            rg.TermsMetadataProperty(
                name=ORDER_METADATA, options=list(SIDES), visible_for_annotators=False, client=client
            ),
        ],
        distribution=rg.TaskDistribution(min_submitted=1),
    )


def sdk_record(record: PairRecord) -> Any:
    import argilla as rg

    suggestion = rg.Suggestion(
        question_name=QUESTION_PREFERENCE,
        value=record.suggestion.value,
        score=record.suggestion_score,
        agent=SUGGESTION_AGENT,
        type="model",
    )
    return rg.Record(id=record.id, fields=record.fields, metadata=record.metadata, suggestions=[suggestion])


def push_pairs(
    client: Any,
    pairs: Iterable[Pair],
    dataset: str,
    workspace: str,
    batch_size: int = PUSH_BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> PushReport:
    """Create (or check) the dataset and upsert one record per pair, ``batch_size`` records per request;
    ``progress`` gets the number of pairs sent so far after every request."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    found = find_dataset(client, dataset, workspace, create_workspace=True)
    created = found is None
    if found is None:
        import argilla as rg

        found = _sdk_call(
            f"create dataset {dataset!r}",
            lambda: rg.Dataset(
                name=dataset, workspace=workspace, settings=dataset_settings(client), client=client
            ).create(),
        )
    else:
        check_layout(found)
    pushed = 0
    for batch in _batches(pairs, batch_size):
        records = [sdk_record(record_for_pair(pair)) for pair in batch]

        def send(records: list[Any] = records) -> None:
            # The SDK draws a progress bar on stderr for every call; this loop reports progress itself.
            with contextlib.redirect_stderr(io.StringIO()):
                found.records.log(records, batch_size=len(records))

        _sdk_call(f"log records into {dataset!r}", send)
        pushed += len(records)
        if progress is not None:
            progress(pushed)
    return PushReport(dataset=dataset, workspace=workspace, pushed=pushed, created=created)


def pull_answers(workspace: Workspace, client: Any, dataset: str, argilla_workspace: str) -> PullReport:
    """Append the submitted answers of ``dataset`` to the workspace's review store (idempotent)."""
    found = find_dataset(client, dataset, argilla_workspace, create_workspace=False)
    if found is None:
        raise ArgillaError(f"no dataset {dataset!r} in Argilla workspace {argilla_workspace!r}; push one first")
    check_layout(found)
    answers = _sdk_call(f"read responses of {dataset!r}", lambda: list(submitted_answers(client, found)))
    with ReviewStore(workspace.review_db) as store:
        last: dict[tuple[str, str], tuple[str, str]] = {}
        reviewers: dict[str, set[str]] = {}
        for answer in answers:
            reviewers.setdefault(answer.pair_id, set()).add(answer.reviewer)
        for pair_id, names in reviewers.items():
            for decision in store.history(pair_id):  # oldest first: the last one kept is the latest
                if decision.reviewer in names:
                    last[(pair_id, decision.reviewer)] = (decision.verdict.value, decision.note)
        plan = plan_pull(answers, last)
        written = store.record_many(plan.decisions)
    return PullReport(
        dataset=dataset,
        workspace=argilla_workspace,
        answers=len(answers),
        written=written,
        unchanged=plan.unchanged,
        by_verdict=dict(Counter(verdict.value for _, verdict, _, _ in plan.decisions)),
        unusable=plan.unusable,
        disagreements=plan.disagreements,
    )


def submitted_answers(client: Any, dataset: Any) -> Iterator[Answer]:
    """One Answer per (record, user) with a SUBMITTED response, found through the server's search."""
    import argilla as rg

    usernames = {str(user.id): user.username for user in client.users}
    query = rg.Query(filter=rg.Filter([("response.status", "==", "submitted")]))
    for record in dataset.records(query=query, with_responses=True, with_suggestions=False, with_vectors=False):
        by_user: dict[str, dict[str, Any]] = {}
        for response in record.responses:
            if str(getattr(response.status, "value", response.status)) == "submitted":
                by_user.setdefault(str(response.user_id), {})[response.question_name] = response.value
        order = record.metadata.get(ORDER_METADATA)
        for user_id, values in by_user.items():
            preference = values.get(QUESTION_PREFERENCE)
            yield Answer(
                pair_id=str(record.id),
                reviewer=usernames.get(user_id, ""),
                preference=None if preference is None else str(preference),
                note=str(values.get(QUESTION_NOTE) or ""),
                response_1=None if order is None else str(order),
            )


def find_dataset(client: Any, name: str, workspace: str, *, create_workspace: bool) -> Any | None:
    """The dataset ``name`` in the Argilla workspace, or None; the workspace is made if asked and missing."""
    import argilla as rg

    def lookup() -> Any | None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the SDK warns on every miss; a miss is an answer here
            found_workspace = client.workspaces(name=workspace)
        if found_workspace is None:
            if not create_workspace:
                raise ArgillaError(f"no Argilla workspace {workspace!r} on the server")
            found_workspace = rg.Workspace(name=workspace, client=client).create()
        for candidate in found_workspace.datasets:
            if candidate.name == name:
                return candidate.get()
        return None

    result: Any | None = _sdk_call(f"find dataset {name!r} in workspace {workspace!r}", lookup)
    return result


def check_layout(dataset: Any) -> None:
    """Refuse a dataset that is not a review dataset of this layout: its answers would be read wrongly."""
    settings = dataset.settings
    fields = {item.name for item in settings.fields}
    questions = {item.name: item for item in settings.questions}
    metadata = {item.name for item in settings.metadata}
    expected_fields = {FIELD_CONTEXT, FIELD_TOOLS, FIELD_RESPONSE_1, FIELD_RESPONSE_2}
    problems = []
    if not expected_fields <= fields:
        problems.append(f"fields {sorted(expected_fields - fields)} are missing")
    preference = questions.get(QUESTION_PREFERENCE)
    if preference is None:
        problems.append(f"question {QUESTION_PREFERENCE!r} is missing")
    elif set(getattr(preference, "labels", None) or []) != set(PREFERENCE_LABELS):
        problems.append(f"question {QUESTION_PREFERENCE!r} has labels {preference.labels}")
    if ORDER_METADATA not in metadata:
        problems.append(f"metadata {ORDER_METADATA!r} is missing")
    if problems:
        raise ArgillaError(
            f"Argilla dataset {dataset.name!r} is not a toolpref review dataset ({'; '.join(problems)}); "
            "choose another --dataset"
        )


def _batches(pairs: Iterable[Pair], size: int) -> Iterator[list[Pair]]:
    iterator = iter(pairs)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _sdk_call(what: str, call: Any) -> Any:
    """Run an SDK call; its failures become an ArgillaError that says what was being done."""
    try:
        return call()
    except ArgillaError:
        raise
    except Exception as error:
        raise ArgillaError(f"could not {what}: {_describe(error)}") from error


def _describe(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text if len(text) < 600 else text[:600] + " ..."
