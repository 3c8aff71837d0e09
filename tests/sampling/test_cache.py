"""The request cache: a real SQLite file in WAL mode, keyed by task id, policy hash and sample index."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from curation.sampling.base import Generation, Policy, SampleRequest, policy_hash, requests_for
from curation.sampling.cache import RequestCache
from curation.schema import Message
from tests.sampling.tasks import sample_tasks


def generation(request: SampleRequest, text: str, error: str | None = None) -> Generation:
    return Generation(
        task_id=request.task.id, sample_index=request.sample_index, text=text, request_error=error, meta={"k": 1}
    )


def test_round_trip_across_connections_in_wal_mode(tmp_path: Path) -> None:
    policy = Policy(name="a", backend="openai", model="m", n=2)
    requests = requests_for(sample_tasks()[:2], policy)
    key = policy_hash(policy)
    with RequestCache.in_folder(tmp_path / "cache") as cache:
        for index, request in enumerate(requests[:3]):
            assert cache.put(key, request, generation(request, f"text {index}"))
    assert (tmp_path / "cache" / "requests.sqlite").is_file()
    mode = sqlite3.connect(tmp_path / "cache" / "requests.sqlite").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    with RequestCache.in_folder(tmp_path / "cache") as cache:
        found = cache.get_many(key, requests)
        assert sorted(found) == sorted(r.key for r in requests[:3])
        assert found[requests[1].key].text == "text 1" and found[requests[1].key].meta == {"k": 1}
        assert cache.get_many(policy_hash(policy.model_copy(update={"temperature": 0.5})), requests) == {}


def test_failed_requests_are_not_stored(tmp_path: Path) -> None:
    policy = Policy(name="a", backend="openai", model="m")
    (request,) = requests_for(sample_tasks()[:1], policy)
    with RequestCache.in_folder(tmp_path) as cache:
        assert not cache.put(policy_hash(policy), request, generation(request, "", error="timeout"))
        assert cache.get_many(policy_hash(policy), [request]) == {}


def test_a_changed_task_under_the_same_id_is_a_miss(tmp_path: Path) -> None:
    policy = Policy(name="a", backend="openai", model="m")
    (request,) = requests_for(sample_tasks()[:1], policy)
    changed_task = request.task.model_copy(
        update={"history": (*request.task.history[:-1], Message(role="user", content="something else"))}
    )
    changed = SampleRequest(task=changed_task, sample_index=0, seed=request.seed)
    with RequestCache.in_folder(tmp_path) as cache:
        cache.put(policy_hash(policy), request, generation(request, "old"))
    with RequestCache.in_folder(tmp_path) as cache:
        assert cache.get_many(policy_hash(policy), [changed]) == {}
        assert cache.get_many(policy_hash(policy), [request])[request.key].text == "old"


def test_policy_hash_ignores_the_label_and_runtime_options_only() -> None:
    base = Policy(name="a", backend="openai", model="m", options={"concurrency": 2})
    assert policy_hash(base) == policy_hash(base.model_copy(update={"name": "b"}))
    same = Policy(name="b", backend="openai", model="m", options={"concurrency": 64, "base_url": "http://h:1/v1"})
    assert policy_hash(base) == policy_hash(same)
    for change in ({"model": "m2"}, {"temperature": 0.3}, {"think": True}, {"max_tokens": 7}, {"seed": 1}):
        assert policy_hash(base) != policy_hash(base.model_copy(update=change)), change
    extra = Policy(name="a", backend="openai", model="m", options={"extra_body": {"top_k": 5}})
    assert policy_hash(base) != policy_hash(extra)
    # defaults spelled out hash the same as defaults left out
    assert policy_hash(Policy(name="p", backend="perturb")) == policy_hash(
        Policy(name="p", backend="perturb", options={"correct_samples": 1})
    )


def test_many_tasks_lookup_in_chunks(tmp_path: Path) -> None:
    from tests.sampling.tasks import many_tasks

    policy = Policy(name="a", backend="openai", model="m")
    requests = requests_for(many_tasks(1000), policy)
    key = policy_hash(policy)
    with RequestCache.in_folder(tmp_path) as cache:
        for request in requests[::2]:
            cache.put(key, request, generation(request, request.task.id))
        found = cache.get_many(key, requests)
        assert len(found) == 500
        assert all(found[r.key].text == r.task.id for r in requests[::2])
        assert len(cache.keys(key)) == 500
