"""`toolpref eval --backend openai`: a GenRM judge behind any OpenAI-compatible endpoint, through the studio's
`openai` sampling backend (retries, concurrency, request cache).

The server is a small OpenAI-compatible HTTP server on loopback whose judge reads the two responses in the
critique prompt and prefers the one that matches the ground truth it was given: its answers are known, so the
report's numbers are too. (The same backend against vLLM's real OpenAI server is tested in
tests/sampling/test_engines.py.)
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from curation.cli import app
from evaluation.bench import load_bench

pytest.importorskip("openai", reason="the openai client comes with the sampling extra")
runner = CliRunner()


class Judge:
    """Answers every critique prompt: strict format, for the response that equals a chosen one it knows."""

    def __init__(self, chosen: set[str]) -> None:
        self.chosen = chosen
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def answer(self, prompt: str) -> str:
        first = prompt[prompt.index("## Response 1") + len("## Response 1") : prompt.index("## Response 2")].strip()
        return "Judged.\n<choice>\n" + ("1" if first in self.chosen else "2") + "\n</choice>"


@pytest.fixture
def server(small_bench: Path) -> Iterator[tuple[str, Judge]]:
    bench = load_bench(small_bench, "no_think")
    judge = Judge({row["chosen_response"] for row in bench.rows})

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with judge.lock:
                judge.requests.append(body)
            text = judge.answer(body["messages"][-1]["content"])
            payload = {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "created": 0,
                "model": body["model"],
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 100, "completion_tokens": 7, "total_tokens": 107},
            }
            data = json.dumps(payload).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/v1", judge
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_openai_judge_report_and_resume_from_the_cache(
    small_bench: Path, server: tuple[str, Judge], tmp_path: Path
) -> None:
    url, judge = server
    args = [
        "eval", "--bench", str(small_bench), "--model", "judge-model", "--kind", "gen", "--backend", "openai",
        "--variant", "no_think", "--option", f"base_url={url}", "--option", "concurrency=4", "--max-tokens", "64",
        "--top-k", "20", "--out", str(tmp_path / "evals"), "-w", str(tmp_path),
    ]  # fmt: skip
    result = runner.invoke(app, args, env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    rows = len(load_bench(small_bench, "no_think").rows)
    assert len(judge.requests) == rows
    sent = judge.requests[0]
    assert sent["model"] == "judge-model" and sent["max_tokens"] == 64 and sent["top_k"] == 20
    report = json.loads((tmp_path / "evals" / "judge-model-gen-no_think.json").read_text(encoding="utf-8"))
    metrics = report["metrics"]
    assert metrics["w_avg"] == 100.0 and metrics["avg"] == 100.0 and len(metrics["categories"]) == 9
    assert metrics["parse"]["strict_rate"] == 1.0
    assert metrics["output_tokens"]["known"] == rows and metrics["output_tokens"]["mean"] == 7
    # Run again: every answer comes from the workspace's request cache, nothing is sent.
    result = runner.invoke(app, args, env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert len(judge.requests) == rows
