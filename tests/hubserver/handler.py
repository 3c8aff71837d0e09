"""Plumbing of the test Hub's request handler: routing, bodies (plain or chunked), token check, answers and errors
in the Hub's shape (JSON, X-Error-Code / X-Error-Message headers)."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.hubserver.store import HubError, HubStore, Repo

URL_PREFIX = {"model": "", "dataset": "datasets/", "space": "spaces/"}  # of a repo's web and resolve URLs


def type_of(plural: str | None) -> str:
    return (plural or "models").removesuffix("s")


class Plumbing(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the clients expect; every answer carries Content-Length
    server: Any  # the _Server of server.py: store, token, routes, requests, url

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the request log in HubServer.requests is what tests read

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        self.query = parse_qs(parts.query)
        self.body = self._read_body()
        self.server.requests.append((method, self.path))
        for route_method, pattern, endpoint, write, handler in self.server.routes:
            match = pattern.fullmatch(parts.path)
            if match is None or method not in route_method:
                continue
            try:
                failure = self.server.store.take_failure(endpoint)
                if failure is not None:
                    raise HubError(failure, f"injected failure of {endpoint}")
                if write:
                    self._check_token()
                handler(self, **match.groupdict())
            except HubError as error:
                self._error(error)
            return
        self._error(HubError(404, f"no route for {method} {parts.path}"))

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _check_token(self) -> None:
        expected = self.server.token
        if expected is not None and self.headers.get("Authorization") != f"Bearer {expected}":
            raise HubError(401, "Invalid credentials in Authorization header")

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, value: Any, status: int = 200, content_type: str = "application/json") -> None:
        self._send(status, json.dumps(value).encode(), content_type)

    def _error(self, error: HubError) -> None:
        headers = {"X-Error-Message": error.message}
        if error.code:
            headers["X-Error-Code"] = error.code
        body = json.dumps({"error": error.message, **error.body}).encode()
        self._send(error.status, body, "application/json", headers)

    def _repo(self, plural: str | None, ns: str, name: str) -> Repo:
        store: HubStore = self.server.store
        return store.repo(type_of(plural), f"{unquote(ns)}/{unquote(name)}")

    def _form_or_json(self) -> dict[str, Any]:
        if self.headers.get("Content-Type", "").startswith("application/json"):
            loaded: dict[str, Any] = json.loads(self.body or b"{}")
            return loaded
        return {key: values for key, values in parse_qs(self.body.decode()).items()}
