"""The Argilla round trip against a real argilla-server 2.8.0 on loopback: push a run, answer as two annotators
through the SDK, pull the answers into the SQLite review store, pull again, push a release.

The server is real (its own venv, SQLite database, migrations, users, API, validation, Redis from Debian), but its
search engine is an in-memory stand-in (tests/argilla/server/memory_engine.py, registered with argilla-server's
own ``SearchEngine.register``), because Elasticsearch/OpenSearch cannot run on these machines. Searches, filters
and progress below go through that engine.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from curation.cli import app
from curation.records_io import read_records
from curation.release import build_release
from curation.render import candidate_message, message_text
from curation.review import ReviewStore, Verdict
from curation.schema import Pair
from curation.workspace import Workspace
from tests.argilla.conftest import ArgillaServer
from tests.release.conftest import RunSpec, make_pool, write_run

pytestmark = pytest.mark.slow
runner = CliRunner()


def rendered(pair: Pair, side: str) -> str:
    return message_text(candidate_message(pair.chosen if side == "chosen" else pair.rejected))


@dataclass
class Setup:
    workspace: Workspace
    pairs: dict[str, Pair]  # the run's balanced pairs by id
    client: Any  # the owner's SDK client
    server: ArgillaServer


def cli(server: ArgillaServer, *args: str) -> str:
    result = runner.invoke(app, ["argilla", *args, "--api-url", server.url], env={"TOOLPREF_TEST_KEY": server.api_key})
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def pushed(argilla_server: ArgillaServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    """A run of 10 balanced pairs pushed with `toolpref argilla push` into dataset "review"."""
    import argilla as rg

    workspace = Workspace(tmp_path_factory.mktemp("argilla-ws"))
    run_dir = write_run(workspace, make_pool(per_source=3), RunSpec(recipe="toy", target_size=10, validation_size=2))
    pairs = {pair.pair_id: pair for pair in read_records(next(run_dir.glob("*_balance-*")) / "data.parquet", Pair)}
    output = cli(
        argilla_server, "push", "toy", "--dataset", "review", "-w", str(workspace.root), "--api-key-env",
        "TOOLPREF_TEST_KEY", "--batch-size", "4",
    )  # fmt: skip
    assert f"created Argilla dataset 'review' in workspace 'toolpref': {len(pairs)} pairs from run toy" in output
    yield Setup(
        workspace, pairs, rg.Argilla(api_url=argilla_server.url, api_key=argilla_server.api_key), argilla_server
    )


def dataset(setup: Setup, name: str = "review") -> Any:
    return setup.client.datasets(name=name, workspace="toolpref")


def test_push_creates_the_review_layout(pushed: Setup) -> None:
    settings = dataset(pushed).settings
    assert [field.name for field in settings.fields] == ["context", "tools", "response_1", "response_2"]
    assert all(not field.use_markdown for field in settings.fields)  # data shown as text, never rendered
    questions = {question.name: question for question in settings.questions}
    assert questions["preference"].labels == ["1", "2", "tie", "both_bad", "unsure"]
    assert questions["preference"].required and not questions["note"].required
    metadata = {prop.name: prop for prop in settings.metadata}
    assert set(metadata) == {"source", "error_type", "kind", "intensity_bin", "complexity", "response_1_side"}
    assert not metadata["response_1_side"].visible_for_annotators
    assert metadata["source"].visible_for_annotators


def test_every_pair_is_one_record_with_its_sides_metadata_and_suggestion(pushed: Setup) -> None:
    records = list(dataset(pushed).records(with_suggestions=True))
    assert sorted(record.id for record in records) == sorted(pushed.pairs)
    orders = set()
    for record in records:
        pair = pushed.pairs[record.id]
        first = record.metadata["response_1_side"]
        second = "rejected" if first == "chosen" else "chosen"
        orders.add(first)
        assert record.fields["response_1"] == rendered(pair, first)
        assert record.fields["response_2"] == rendered(pair, second)
        assert pair.task.history[-1].content in record.fields["context"]
        assert {
            "source": pair.source,
            "error_type": pair.error_type.value if pair.error_type else "none",
            "kind": pair.kind.value,
            "intensity_bin": pair.intensity_bin,
            "complexity": pair.complexity,
        }.items() <= dict(record.metadata).items()
        suggestion = record.suggestions["preference"]
        assert suggestion.value == ("1" if first == "chosen" else "2")  # the fixtures' chosen side scores higher
        assert suggestion.score == pytest.approx(pair.chosen_score.similarity - pair.rejected_score.similarity)
        assert suggestion.agent == "toolpref:similarity-rule"
    assert orders == {"chosen", "rejected"}


def test_server_side_search_filters_by_metadata_and_text(pushed: Setup) -> None:
    import argilla as rg

    ds = dataset(pushed)

    def found(query: Any) -> list[str]:
        return sorted(record.id for record in ds.records(query=query))

    source = next(iter(pushed.pairs.values())).source
    by_source = sorted(p for p, pair in pushed.pairs.items() if pair.source == source)
    assert found(rg.Query(filter=rg.Filter([("metadata.source", "==", source)]))) == by_source
    high = sorted(p for p, pair in pushed.pairs.items() if pair.intensity_bin >= 6)
    assert found(rg.Query(filter=rg.Filter([("metadata.intensity_bin", ">=", 6)]))) == high
    # Two words of a user turn: every record whose fields hold both (as words, any case), and no other.
    content = pushed.pairs[by_source[0]].task.history[-1].content
    words = [word.lower() for word in re.findall(r"[A-Za-z]+", content) if len(word) > 4][:2]
    texts = {record.id: " ".join(record.fields.values()).lower() for record in ds.records()}
    wanted = sorted(r for r, text in texts.items() if all(re.search(rf"\b{word}\b", text) for word in words))
    assert by_source[0] in wanted
    assert len(words) == 2 and len(wanted) < len(texts)
    assert found(rg.Query(query=" ".join(words).upper())) == wanted
    # The metadata metrics the UI's filters show (GET /api/v1/metadata-properties/{id}/metrics).
    prop = ds.settings.metadata["source"]
    metrics = pushed.client.http_client.get(f"/api/v1/metadata-properties/{prop.id}/metrics").raise_for_status()
    counts = Counter(pair.source for pair in pushed.pairs.values())
    assert metrics.json() == {
        "type": "terms",
        "total": len(pushed.pairs),
        "values": [
            {"term": term, "count": count} for term, count in sorted(counts.items(), key=lambda i: (-i[1], i[0]))
        ],
    }


def test_wrong_credentials_and_missing_datasets_are_refused(pushed: Setup) -> None:
    ws = str(pushed.workspace.root)
    result = runner.invoke(
        app,
        ["argilla", "pull", "--dataset", "review", "-w", ws, "--api-url", pushed.server.url],
        env={"ARGILLA_API_KEY": "owner.wrong-key-0000"},
    )
    assert result.exit_code == 1
    assert f"error: cannot use the Argilla server at {pushed.server.url}" in result.output
    assert "wrong-key" not in result.output
    result = runner.invoke(
        app,
        ["argilla", "pull", "--dataset", "absent", "-w", ws, "--api-url", pushed.server.url],
        env={"ARGILLA_API_KEY": pushed.server.api_key},
    )
    assert result.exit_code == 1
    assert "error: no dataset 'absent' in Argilla workspace 'toolpref'; push one first" in result.output


def annotator(setup: Setup, name: str) -> tuple[Any, Any]:
    """An annotator in the "toolpref" Argilla workspace, and an SDK client logged in with their own API key."""
    import argilla as rg

    user = rg.User(username=name, password=f"password-{name}", role="annotator", client=setup.client).create()
    setup.client.workspaces(name="toolpref").add_user(user)
    # The SDK's User leaves the API key out; the owner reads it from the users endpoint.
    key = setup.client.http_client.get(f"/api/v1/users/{user.id}").raise_for_status().json()["api_key"]
    return user, rg.Argilla(api_url=setup.server.url, api_key=key)


def label_for(record: Any, side: str) -> str:
    """The label that says "the response showing ``side`` is better" on this record."""
    return "1" if record.metadata["response_1_side"] == side else "2"


def submit(client: Any, record: Any, user: Any, preference: str, note: str | None = None) -> None:
    """An annotator submits an answer with their own client (POST /api/v1/records/{id}/responses, as the UI does)."""
    from argilla._models import UserResponseModel

    values = {"preference": {"value": preference}}
    if note is not None:
        values["note"] = {"value": note}
    response = UserResponseModel(values=values, status="submitted", user_id=user.id)
    client.api.records.create_record_response(record_id=record._server_id, user_response=response)


def history(workspace: Workspace, pair_id: str) -> list[tuple[str, str, str]]:
    with ReviewStore(workspace.review_db) as store:
        return [(d.verdict.value, d.note, d.reviewer) for d in store.history(pair_id)]


def test_answers_come_back_as_decisions_once(pushed: Setup) -> None:
    import argilla as rg

    ds = dataset(pushed)
    records = sorted(ds.records(with_responses=True), key=lambda record: record.id)
    p = [record.id for record in records]
    alice, alice_client = annotator(pushed, "alice")
    bob, _ = annotator(pushed, "bob")
    carol, _ = annotator(pushed, "carol")
    submit(alice_client, records[0], alice, label_for(records[0], "chosen"), "looks right")
    submit(alice_client, records[1], alice, label_for(records[1], "rejected"), "the GT is wrong here")
    submit(alice_client, records[2], alice, "both_bad", "wrong city on both")
    submit(alice_client, records[3], alice, "unsure")
    # Bob's answers and Carol's unsubmitted ones are logged by the owner through the SDK's bulk upsert.
    records[0].responses.add(rg.Response("preference", "tie", user_id=bob.id, status="submitted"))
    records[4].responses.add(
        rg.Response("preference", label_for(records[4], "chosen"), user_id=bob.id, status="submitted")
    )
    records[5].responses.add(rg.Response("preference", "1", user_id=carol.id, status="draft"))
    records[6].responses.add(rg.Response("preference", None, user_id=carol.id, status="discarded"))
    ds.records.log([records[0], records[4], records[5], records[6]])

    progress = ds.progress(with_users_distribution=True)
    assert (progress["total"], progress["completed"]) == (len(p), 5)

    ws = str(pushed.workspace.root)
    output = cli(pushed.server, "pull", "--dataset", "review", "-w", ws, "--api-key-env", "TOOLPREF_TEST_KEY")
    assert "6 submitted answers in 'review': 6 new decisions, 0 already recorded, 0 unusable" in output
    assert "reviewers disagree" in output and p[0] in output
    assert history(pushed.workspace, p[0]) == [
        ("accept", "looks right", "alice"),
        ("reject", "[argilla: tie: equally good]", "bob"),
    ]
    assert history(pushed.workspace, p[1]) == [("swap", "the GT is wrong here", "alice")]
    assert history(pushed.workspace, p[2]) == [("reject", "[argilla: both are wrong] wrong city on both", "alice")]
    assert history(pushed.workspace, p[3]) == [("flag", "[argilla: unsure: needs a second look]", "alice")]
    assert history(pushed.workspace, p[4]) == [("accept", "", "bob")]
    assert history(pushed.workspace, p[5]) == history(pushed.workspace, p[6]) == []  # draft and discarded

    # Pulling again writes nothing; a curator's later decision in the studio stays the latest.
    with ReviewStore(pushed.workspace.review_db) as store:
        store.record(p[4], Verdict.flag, note="second look", reviewer="studio-curator")
        before = store.snapshot()["decisions"]
    output = cli(pushed.server, "pull", "--dataset", "review", "-w", ws, "--api-key-env", "TOOLPREF_TEST_KEY")
    assert "0 new decisions, 6 already recorded" in output
    with ReviewStore(pushed.workspace.review_db) as store:
        assert store.snapshot()["decisions"] == before
        assert store.latest()[p[4]].reviewer == "studio-curator"

    # Pushing the run again keeps the answers; Alice changing her mind adds exactly one decision.
    cli(pushed.server, "push", "toy", "--dataset", "review", "-w", ws, "--api-key-env", "TOOLPREF_TEST_KEY")
    changed = next(iter(ds.records(query=rg.Query(filter=rg.Filter([("id", "==", p[1])])), with_responses=True)))
    for response in changed.responses:
        if response.question_name == "preference":
            response.value = label_for(changed, "chosen")
    ds.records.log([changed])
    output = cli(pushed.server, "pull", "--dataset", "review", "-w", ws, "--api-key-env", "TOOLPREF_TEST_KEY")
    assert "6 submitted answers in 'review': 1 new decisions, 5 already recorded" in output
    assert history(pushed.workspace, p[1]) == [
        ("swap", "the GT is wrong here", "alice"),
        ("accept", "the GT is wrong here", "alice"),
    ]
    assert queued_jobs(pushed.server) == {
        "default": ["argilla_server.jobs.dataset_jobs.update_dataset_records_status_job"],  # from creating "review"
        "high": [],
    }


def queued_jobs(server: ArgillaServer) -> dict[str, list[str]]:
    """The functions of the jobs waiting in the server's rq queues (no worker runs; see launch.py)."""
    redis_cli = shutil.which("redis-cli")
    if redis_cli is None:
        pytest.skip("redis-cli is missing (it comes with redis-server)")

    def redis(*args: str) -> list[str]:
        command = [redis_cli, "-s", str(server.redis_socket), *args]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout.split()

    jobs: dict[str, list[str]] = {}
    for queue in ("default", "high"):
        ids = redis("LRANGE", f"rq:queue:{queue}", "0", "-1")
        jobs[queue] = [redis("HGET", f"rq:job:{job}", "description")[0].split("(")[0] for job in ids]
    return jobs


def test_a_release_is_pushed_the_way_round_its_run_has_it(pushed: Setup, tmp_path: Path) -> None:
    from curation.argilla_sync import push_pairs

    workspace = Workspace(tmp_path / "ws")
    shutil.copytree(pushed.workspace.run_dir("toy"), workspace.run_dir("toy"))
    ids = sorted(pushed.pairs)
    with ReviewStore(workspace.review_db) as store:
        store.record(ids[0], Verdict.reject, reviewer="ada")
        store.record(ids[1], Verdict.swap, reviewer="ada")
    build_release(workspace, "toy", "rel", "v1", plots=False)
    output = cli(
        pushed.server, "push", "rel@v1", "--dataset", "release-review", "-w", str(workspace.root),
        "--api-key-env", "TOOLPREF_TEST_KEY",
    )  # fmt: skip
    assert f"{len(ids) - 1} pairs from release rel@v1" in output
    records = {record.id: record for record in dataset(pushed, "release-review").records()}
    assert set(records) == set(ids[1:])
    swapped = records[ids[1]]  # released swapped, shown (and answered) the way the run has it
    first = swapped.metadata["response_1_side"]
    assert swapped.fields["response_1"] == rendered(pushed.pairs[ids[1]], first)
    # A dataset of another layout is refused, not written into.
    import argilla as rg

    other = rg.Dataset(
        name="other",
        workspace="toolpref",
        settings=rg.Settings(
            fields=[rg.TextField(name="text", client=pushed.client)],
            questions=[rg.LabelQuestion(name="label", labels=["a", "b"], client=pushed.client)],
        ),
        client=pushed.client,
    ).create()
    assert other.name == "other"
    with pytest.raises(Exception, match="is not a toolpref review dataset"):
        push_pairs(pushed.client, pushed.pairs.values(), "other", "toolpref")
