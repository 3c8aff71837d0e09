"""Real engines: vLLM on CPU (.venv-vllm, built by scripts/setup_vllm_env.sh) with a tiny random Qwen3 model built
here. The offline engine runs the `vllm` backend; vLLM's OpenAI server runs the `openai` backend, through a thin
counting proxy, which also counts requests when a sampling run is SIGKILLed and run again.

One model and one server per session; engines start in subprocesses (vLLM wants its engine made under __main__).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from curation.sampling.base import derive_seed
from curation.sampling.cache import RequestCache
from tests.sampling.tasks import many_tasks

REPO = Path(__file__).resolve().parents[2]
VLLM_PYTHON = REPO / ".venv-vllm" / "bin" / "python"
SCRIPT = REPO / "tests" / "sampling" / "engine_script.py"
SERVER_START_S = 300

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not VLLM_PYTHON.exists(), reason="no .venv-vllm: run scripts/setup_vllm_env.sh (CI builds it)"),
]


def engine_env() -> dict[str, str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "VLLM_ENABLE_V1_MULTIPROCESSING": "0"}
    env["VLLM_NO_USAGE_STATS"] = "1"
    env["DO_NOT_TRACK"] = "1"
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("models") / "tiny-qwen3"  # the name the demo-vllm recipe uses
    subprocess.run(
        [str(VLLM_PYTHON), str(REPO / "tests" / "sampling" / "tiny_model.py"), str(path)],
        check=True,
        env=engine_env(),
        capture_output=True,
        timeout=300,
    )
    return path


@pytest.fixture(scope="session")
def vllm_server(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    command = [
        str(VLLM_PYTHON), "-m", "vllm.entrypoints.openai.api_server",
        "--model", str(tiny_model), "--served-model-name", "tiny",
        "--host", "127.0.0.1", "--port", str(port),
        "--dtype", "bfloat16", "--max-model-len", "2048", "--kv-cache-memory-bytes", str(128 << 20),
        "--enforce-eager", "--distributed-executor-backend", "uni", "--seed", "0",
        "--enable-auto-tool-choice", "--tool-call-parser", "hermes",
        # seeded requests + chunked prefill crash vLLM-CPU ("CPU Generator does not use offset")
        "--no-enable-chunked-prefill",
    ]  # fmt: skip
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=engine_env())
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SERVER_START_S
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"vLLM server exited ({process.returncode}):\n{log.read_text()[-4000:]}")
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"vLLM server not up after {SERVER_START_S}s:\n{log.read_text()[-4000:]}")
            time.sleep(0.5)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Proxy:
    """A thin counting proxy in front of the server: every chat request it forwards, and which got an answer."""

    upstream: str
    delay_s: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    sent: list[tuple[str, int]] = field(default_factory=list)  # (last user message, seed) per request
    answered: list[tuple[str, int]] = field(default_factory=list)
    url: str = ""


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a killed client's socket is expected here
            super().handle_error(request, client_address)  # type: ignore[arg-type]


@pytest.fixture
def proxy(vllm_server: str) -> Iterator[Proxy]:
    state = Proxy(upstream=vllm_server)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            data = self.rfile.read(int(self.headers["Content-Length"]))
            body = json.loads(data)
            key = (body["messages"][-1]["content"], int(body["seed"]))
            with state.lock:
                state.sent.append(key)
            time.sleep(state.delay_s)
            request = urllib.request.Request(
                state.upstream + self.path, data=data, headers={"Content-Type": "application/json"}
            )
            try:
                with urllib.request.urlopen(request, timeout=120) as response:
                    status, payload = response.status, response.read()
            except urllib.error.HTTPError as error:
                status, payload = error.code, error.read()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):  # the client was killed while we answered
                return
            with state.lock:
                state.answered.append(key)

    httpd = _QuietServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


def sample_through_server(proxy: Proxy, workspace: Path, out: Path, *extra: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, str(SCRIPT), "server", proxy.url, str(workspace), str(out), *extra]
    return subprocess.Popen(command, env=engine_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


# -- tests -------------------------------------------------------------------------------------------------------


def test_vllm_backend_offline_engine(tiny_model: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    done = subprocess.run(
        [str(VLLM_PYTHON), str(SCRIPT), "offline", str(tiny_model), str(tmp_path / "ws"), str(out)],
        env=engine_env(),
        capture_output=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr.decode()[-4000:]
    result = json.loads(out.read_text())
    first, again = result["first"], result["again"]
    *records, too_long = first["sampled"]
    assert first["counters"]["generated"] == 14 and first["counters"]["request_errors"] == 2
    assert all("maximum context length is 2048" in c["request_error"] for c in too_long["candidates"][1:])
    for record in records:
        gt, *samples = record["candidates"]
        assert gt["origin"] == "ground_truth" and len(samples) == 2
        for candidate in samples:
            assert candidate["origin"] == str(tiny_model)
            assert candidate["text"] and candidate["request_error"] is None
            assert candidate["params"]["think"] is False and candidate["params"]["max_tokens"] == 12
            assert 0 < candidate["meta"]["completion_tokens"] <= 12
            assert candidate["seed"] == derive_seed(3, record["task"]["id"], candidate["sample_index"])
        # tools are in the prompt: the task with three tools has a longer prompt than the one with one
    prompt = {r["task"]["id"]: r["candidates"][1]["meta"]["prompt_tokens"] for r in records}
    assert prompt["test:multiple#1"] > prompt["test:single#1"] + 40
    # two samples of one task differ (own seeds); a rerun takes the good ones from the cache (the engine is
    # started only for the two failed requests, which are not cached and fail again)
    assert all(r["candidates"][1]["text"] != r["candidates"][2]["text"] for r in records)
    assert again["counters"]["cache_hits"] == 12 and again["counters"]["generated"] == 2
    assert again["sampled"] == first["sampled"]
    # the demo-vllm recipe variant ran end to end through the pipeline
    recipe = result["recipe"]
    sample = recipe["sample"]
    assert sample["out"] == sample["in"] > 0 and sample["counters"]["policy:tiny-vllm:generated"] == 2 * sample["in"]
    assert sample["counters"].get("request_errors", 0) == 0
    assert recipe["format"]["out"] > 0


def test_openai_backend_through_vllm_server(proxy: Proxy, tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    process = sample_through_server(proxy, tmp_path / "ws", out, "--tasks", "6", "--n", "2")
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr.decode()[-4000:]
    result = json.loads(out.read_text())
    assert result["counters"]["generated"] == 12 and result["counters"].get("request_errors", 0) == 0
    candidates = [c for r in result["sampled"] for c in r["candidates"] if c["origin"] != "ground_truth"]
    assert len(candidates) == 12 and all(c["origin"] == "tiny" for c in candidates)
    assert all(c["meta"]["finish_reason"] in {"stop", "length"} and c["meta"]["prompt_tokens"] > 0 for c in candidates)
    assert len(proxy.sent) == 12 and len(set(proxy.sent)) == 12
    # think=False reaches the chat template: the same task renders longer with the empty think block
    body = {
        "model": "tiny",
        "messages": [{"role": "user", "content": "hi"}],
        "max_tokens": 1,
        "chat_template_kwargs": {"enable_thinking": False},
    }
    no_think = _prompt_tokens(proxy.upstream, body)
    default = _prompt_tokens(proxy.upstream, {**body, "chat_template_kwargs": {}})
    assert no_think > default


def test_demo_openai_recipe_through_vllm_server(proxy: Proxy, tmp_path: Path) -> None:
    env = {**engine_env(), "OPENAI_BASE_URL": proxy.url}
    done = subprocess.run(
        [sys.executable, "-m", "curation.cli", "run", "demo-openai", "--workspace", str(tmp_path / "ws")],
        env=env,
        cwd=REPO,
        capture_output=True,
        timeout=600,
    )
    assert done.returncode == 0, (done.stdout + done.stderr).decode()[-4000:]
    run = json.loads((tmp_path / "ws" / "runs" / "demo-openai" / "run.json").read_text())
    sample_dir = next(s["dir"] for s in run["steps"] if s["step"] == "sample")
    stats = json.loads((tmp_path / "ws" / "runs" / "demo-openai" / sample_dir / "stats.json").read_text())
    tasks = stats["in"]
    assert tasks > 0 and stats["counters"]["policy:tiny-served:generated"] == 2 * tasks
    assert stats["counters"].get("request_errors", 0) == 0
    assert len(proxy.sent) == 2 * tasks == len(set(proxy.sent))


def _prompt_tokens(base: str, body: dict[str, Any]) -> int:
    request = urllib.request.Request(
        f"{base}/v1/chat/completions", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return int(json.loads(response.read())["usage"]["prompt_tokens"])


def test_killed_sampling_run_resumes_without_sending_a_finished_request_again(proxy: Proxy, tmp_path: Path) -> None:
    tasks, n = many_tasks(12), 4
    everything = {(t.history[-1].content, derive_seed(9, t.id, i)) for t in tasks for i in range(n)}
    workspace, out = tmp_path / "ws", tmp_path / "out.json"
    proxy.delay_s = 0.1  # keeps the run going long enough to be killed in the middle

    first = sample_through_server(proxy, workspace, out, "--tasks", "12", "--n", str(n), "--concurrency", "2")
    deadline = time.monotonic() + 120
    while len(proxy.answered) < 10:
        assert first.poll() is None, first.stderr.read().decode() if first.stderr else ""
        assert time.monotonic() < deadline, "the sampling run made no progress"
        time.sleep(0.02)
    first.send_signal(signal.SIGKILL)
    first.wait()
    sent_before = list(proxy.sent)
    with RequestCache.in_folder(workspace / "cache") as cache:
        stored = cache.keys()
    by_seed = {
        derive_seed(9, t.id, i): (t.history[-1].content, derive_seed(9, t.id, i)) for t in tasks for i in range(n)
    }
    finished = {by_seed[derive_seed(9, task_id, index)] for task_id, _, index in stored}
    # up to `concurrency` answers may have reached the client without being stored yet when it died
    assert 10 - 2 <= len(finished) < len(everything), "the kill was not in the middle of sampling"
    assert not out.exists()

    proxy.answered.clear()
    second = sample_through_server(proxy, workspace, out, "--tasks", "12", "--n", str(n), "--concurrency", "2")
    _, stderr = second.communicate(timeout=300)
    assert second.returncode == 0, stderr.decode()[-4000:]
    sent_after = proxy.sent[len(sent_before) :]

    assert not finished & set(sent_after), "a request whose answer was stored was sent again"
    assert set(sent_after) == everything - finished and len(sent_after) == len(set(sent_after))
    # only requests in flight at the kill (at most `concurrency`) were ever sent twice
    assert len(sent_before) + len(sent_after) - len(everything) <= 2
    result = json.loads(out.read_text())
    assert result["counters"]["cache_hits"] == len(finished)
    assert sum(len(r["candidates"]) for r in result["sampled"]) == len(tasks) * (n + 1)
    assert all(c["request_error"] is None for r in result["sampled"] for c in r["candidates"])
