"""`openai`: any OpenAI-compatible chat endpoint (a `vllm serve` fleet, a hosted API) through the `openai` client.

Requests run on a bounded thread pool; each is retried with exponential backoff on errors that may pass (connection
problems, timeouts, 408/409/429 and 5xx answers) and not on those that will not (400, 401, 404, ...). A request
that still fails is a Generation with request_error: the run goes on and the candidate records why.

The raw text of a sample is what the model wrote: the message content, followed by any tool calls the server
parsed out of it written back as Hermes blocks with their argument text untouched (so arguments that are not
valid JSON stay a parse error, as they were).
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from importlib.util import find_spec
from typing import Any, ClassVar

from pydantic import Field

from curation.registry import backends
from curation.render import openai_tools
from curation.sampling.base import (
    BackendOptions,
    Generation,
    Policy,
    SampleRequest,
    SamplingBackend,
    missing_dependency,
)
from curation.sampling.chat import openai_messages

_RETRY_STATUS = frozenset({408, 409, 429})
_MAX_BACKOFF_S = 30.0


class OpenAIOptions(BackendOptions):
    runtime_fields: ClassVar[frozenset[str]] = frozenset(
        {"base_url", "api_key_env", "concurrency", "timeout_s", "max_retries", "backoff_s"}
    )

    base_url: str | None = Field(
        default=None, description="the endpoint, ending in /v1; null = $OPENAI_BASE_URL, else the client's default"
    )
    api_key_env: str | None = Field(
        default=None, description="environment variable holding the API key; null for servers without auth"
    )
    concurrency: int = Field(default=8, ge=1, le=1024, description="requests in flight at once")
    timeout_s: float = Field(default=120.0, gt=0, description="per request")
    max_retries: int = Field(default=4, ge=0, description="retries of a request after its first try")
    backoff_s: float = Field(default=1.0, ge=0, description="first retry delay; doubles each retry (with jitter)")
    tool_choice: str | None = Field(default=None, description="auto, none or required; null = the server's default")
    extra_body: dict[str, Any] = Field(default_factory=dict, description="more fields for each request (top_k, ...)")


def _retryable(error: Exception) -> bool:
    import openai

    if isinstance(error, (openai.APIConnectionError, openai.APITimeoutError)):
        return True
    if isinstance(error, openai.APIStatusError):
        return error.status_code in _RETRY_STATUS or error.status_code >= 500
    return False


def response_text(message: Any) -> str:
    """The turn as the model wrote it: content, then parsed tool calls as Hermes blocks (argument text as sent)."""
    parts = [message.content] if message.content else []
    for call in message.tool_calls or ():
        function = call.function
        arguments = function.arguments if function.arguments not in (None, "") else "{}"
        parts.append(f'<tool_call>\n{{"name": {_json_string(function.name)}, "arguments": {arguments}}}\n</tool_call>')
    return "\n".join(parts)


def _json_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


@backends.register("openai")
class OpenAIBackend(SamplingBackend):
    """An OpenAI-compatible chat endpoint, with bounded concurrency, timeouts and retries."""

    Options: ClassVar[type[BackendOptions]] = OpenAIOptions

    def __init__(self, policy: Policy) -> None:
        super().__init__(policy)
        self.options = OpenAIOptions.model_validate(policy.options)
        self._client: Any = None

    @classmethod
    def check_available(cls) -> None:
        if find_spec("openai") is None:
            raise missing_dependency("openai", "openai", "pip install 'toolpref-studio[sampling]'")

    def start(self) -> None:
        if self._client is not None:
            return
        self.check_available()
        from openai import OpenAI

        api_key = "EMPTY"
        if self.options.api_key_env is not None:
            api_key = os.environ.get(self.options.api_key_env, "")
            if not api_key:
                raise RuntimeError(
                    f"policy {self.policy.name!r}: ${self.options.api_key_env} is not set (api_key_env); "
                    "set it, or use api_key_env: null for a server without auth"
                )
        # Retries are ours (visible in meta, with our backoff); the client's own are off.
        base_url = self.options.base_url or os.environ.get("OPENAI_BASE_URL") or None
        self._client = OpenAI(base_url=base_url, api_key=api_key, timeout=self.options.timeout_s, max_retries=0)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def generate(self, requests: Sequence[SampleRequest]) -> Iterator[Generation]:
        if self._client is None:
            raise RuntimeError("the openai backend is not started")
        queue = iter(requests)
        with ThreadPoolExecutor(max_workers=self.options.concurrency, thread_name_prefix="openai") as pool:
            running: set[Future[Generation]] = set()
            for request in queue:
                running.add(pool.submit(self._one, request))
                if len(running) >= self.options.concurrency:
                    break
            while running:
                finished, running = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    yield future.result()
                    next_request = next(queue, None)
                    if next_request is not None:
                        running.add(pool.submit(self._one, next_request))

    def body(self, request: SampleRequest) -> dict[str, Any]:
        """The chat-completions request of one sample."""
        body: dict[str, Any] = {
            "model": self.policy.model,
            "messages": openai_messages(request.task.history),
            "temperature": self.policy.temperature,
            "top_p": self.policy.top_p,
            "max_tokens": self.policy.max_tokens,
            "seed": request.seed,
        }
        tools = openai_tools(request.task.tools)
        if tools:
            body["tools"] = tools
            if self.options.tool_choice is not None:
                body["tool_choice"] = self.options.tool_choice
        extra = dict(self.options.extra_body)
        if self.policy.think is not None:
            extra["chat_template_kwargs"] = {
                **extra.get("chat_template_kwargs", {}),
                "enable_thinking": self.policy.think,
            }
        if extra:
            body["extra_body"] = extra
        return body

    def _one(self, request: SampleRequest) -> Generation:
        body = self.body(request)
        rng = random.Random(request.seed)  # jitter only; a retried request's content is the same
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._client.chat.completions.create(**body)
            except Exception as error:
                if attempt <= self.options.max_retries and _retryable(error):
                    delay = min(_MAX_BACKOFF_S, self.options.backoff_s * 2 ** (attempt - 1))
                    time.sleep(delay * (0.5 + rng.random()))
                    continue
                return Generation(
                    task_id=request.task.id,
                    sample_index=request.sample_index,
                    request_error=f"{type(error).__name__}: {error}"[:2000],
                    meta={"attempts": attempt},
                )
            choice = response.choices[0]
            usage = response.usage
            return Generation(
                task_id=request.task.id,
                sample_index=request.sample_index,
                text=response_text(choice.message),
                meta={
                    "attempts": attempt,
                    "finish_reason": choice.finish_reason,
                    "prompt_tokens": usage.prompt_tokens if usage else None,
                    "completion_tokens": usage.completion_tokens if usage else None,
                },
            )
