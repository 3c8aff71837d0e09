"""The openai backend's request handling: retries with backoff, timeouts, permanent failures as recorded errors,
bounded concurrency, tool calls written back as text, and the request cache in front of it.

The real engine behind this backend is tested in test_engines.py (vLLM's OpenAI server). Here a scripted HTTP
server on loopback stands in for it, because failures (503s, hangs, 400s) have to happen on demand: that is the
one thing a real server will not do.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("openai", reason="the openai client comes with the sampling extra")

from curation.sampling.base import Policy, requests_for
from curation.sampling.openai_backend import OpenAIBackend
from curation.steps.base import StepContext
from curation.steps.sample import Sample
from curation.workspace import Workspace
from tests.sampling.tasks import many_tasks, task


class Script:
    """What the server does, by the last user message: 'flaky' fails twice, 'broken' always 400s, 'hang' sleeps."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self.in_flight = 0
        self.most_in_flight = 0
        self.bodies: list[dict[str, Any]] = []


def make_handler(script: Script) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            user = body["messages"][-1]["content"]
            with script.lock:
                script.calls[user] += 1
                attempt = script.calls[user]
                script.bodies.append(body)
                script.in_flight += 1
                script.most_in_flight = max(script.most_in_flight, script.in_flight)
            try:
                time.sleep(0.05)
                if "broken" in user:
                    return self._send(400, {"error": {"message": "bad request", "type": "invalid_request_error"}})
                if "flaky" in user and attempt <= 2:
                    return self._send(503, {"error": {"message": "overloaded"}})
                if "hang" in user:
                    time.sleep(1.0)
                message: dict[str, Any] = {"role": "assistant", "content": f"echo {user}"}
                if "tool" in user:
                    message = {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [
                            {
                                "id": "c1",
                                "type": "function",
                                "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                            },
                            {"id": "c2", "type": "function", "function": {"name": "get_weather", "arguments": '{"ci'}},
                        ],
                    }
                self._send(
                    200,
                    {
                        "id": "x",
                        "object": "chat.completion",
                        "created": 0,
                        "model": body["model"],
                        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                        "usage": {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8},
                    },
                )
            finally:
                with script.lock:
                    script.in_flight -= 1

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


@pytest.fixture
def server() -> Iterator[tuple[str, Script]]:
    script = Script()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(script))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/v1", script
    finally:
        httpd.shutdown()
        httpd.server_close()


def policy(base_url: str, **options: Any) -> Policy:
    settings = {"base_url": base_url, "backoff_s": 0.01, "max_retries": 3, **options}
    return Policy(
        name="srv", backend="openai", model="tiny", temperature=0.7, max_tokens=9, think=False, options=settings
    )


def test_retries_then_records_what_still_fails(server: tuple[str, Script]) -> None:
    url, script = server
    tasks = [task(name, (), name) for name in ("fine", "flaky", "broken", "hang")]
    backend = OpenAIBackend(policy(url, timeout_s=0.5, max_retries=2))
    backend.start()
    try:
        results = {
            g.task_id.split(":")[1].split("#")[0]: g for g in backend.generate(requests_for(tasks, backend.policy))
        }
    finally:
        backend.close()
    assert results["fine"].text == "echo fine" and results["fine"].meta["attempts"] == 1
    assert results["flaky"].text == "echo flaky" and results["flaky"].meta["attempts"] == 3
    assert script.calls["flaky"] == 3
    assert results["broken"].request_error is not None and "400" in results["broken"].request_error
    assert script.calls["broken"] == 1  # a 400 will not pass: no retry
    assert results["hang"].request_error is not None and "Timeout" in results["hang"].request_error
    assert script.calls["hang"] == 3 and results["hang"].meta["attempts"] == 3


def test_request_body_carries_the_policy(server: tuple[str, Script]) -> None:
    url, script = server
    tasks = many_tasks(2)
    backend = OpenAIBackend(policy(url, extra_body={"top_k": 4}))
    backend.start()
    try:
        list(backend.generate(requests_for(tasks, backend.policy)))
    finally:
        backend.close()
    # requests run concurrently: find the first task's by its user turn
    body = next(b for b in script.bodies if b["messages"][-1]["content"] == tasks[0].history[-1].content)
    assert body["model"] == "tiny" and body["temperature"] == 0.7 and body["max_tokens"] == 9
    assert body["top_k"] == 4 and body["chat_template_kwargs"] == {"enable_thinking": False}
    assert isinstance(body["seed"], int)
    assert [t["function"]["name"] for t in body["tools"]] == [t.name for t in tasks[0].tools]
    assert [m["role"] for m in body["messages"]] == [m.role for m in tasks[0].history]


def test_concurrency_is_bounded(server: tuple[str, Script]) -> None:
    url, script = server
    backend = OpenAIBackend(policy(url, concurrency=3))
    backend.start()
    try:
        results = list(backend.generate(requests_for(many_tasks(12), backend.policy)))
    finally:
        backend.close()
    assert len(results) == 12 and all(r.request_error is None for r in results)
    assert script.most_in_flight == 3


def test_parsed_tool_calls_are_written_back_as_text(server: tuple[str, Script], tmp_path: Path) -> None:
    url, _ = server
    step = Sample(policies=[policy(url)])
    step.setup(StepContext(workspace=Workspace(tmp_path), base_dir=tmp_path, step_dir=tmp_path / "s"))
    try:
        (outcome,) = step.process_batch([task("tool", (), "tool please")])
    finally:
        step.teardown()
    candidate = outcome[0].candidates[1]
    assert candidate.origin == "tiny"
    assert '{"name": "get_weather", "arguments": {"city": "Paris"}}' in candidate.text
    # the second call's arguments were cut off by the model: the turn is a parse error, as it was written
    assert candidate.parse_error is not None and candidate.calls == ()


def test_the_step_sends_each_request_once_across_runs(server: tuple[str, Script], tmp_path: Path) -> None:
    url, script = server
    tasks = [*many_tasks(5), task("broken", (), "broken")]
    ctx = StepContext(workspace=Workspace(tmp_path), base_dir=tmp_path, step_dir=tmp_path / "s")
    for run in range(2):
        step = Sample(policies=[Policy.model_validate({**policy(url, max_retries=0).model_dump(), "n": 2})])
        step.setup(ctx)
        try:
            outcomes = step.process_batch(tasks)
        finally:
            step.teardown()
        errors = [c for o in outcomes for c in o[0].candidates if c.request_error]
        assert len(errors) == 2  # the broken task's two samples, both runs
        if run == 0:
            assert step.counters["generated"] == 12 and step.counters.get("cache_hits", 0) == 0
        else:
            assert step.counters["generated"] == 2 and step.counters["cache_hits"] == 10
    sent = Counter((body["messages"][-1]["content"], body["seed"]) for body in script.bodies)
    assert len(sent) == 12
    assert {count for (user, _), count in sent.items() if user != "broken"} == {1}  # each good request once
    assert {count for (user, _), count in sent.items() if user == "broken"} == {2}  # a failure is tried again
