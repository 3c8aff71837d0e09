"""The test Hub's own behaviour where the push tests do not reach it: byte ranges, listings, error codes,
conflicting commits. Plain HTTP, so these stay fast; the clients' own use of it is in test_hub_push.py."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.hubserver import HubServer

REPO_ID = "org/data"


@pytest.fixture
def hub() -> Iterator[HubServer]:
    with HubServer(token="hf_server_token") as server:
        yield server


def call(
    hub: HubServer, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None, raw: bytes = b""
) -> tuple[int, dict[str, str], bytes]:
    data = json.dumps(body).encode() if body is not None else raw or None
    request = urllib.request.Request(f"{hub.url}{path}", data=data, method=method, headers=headers or {})
    if body is not None:
        request.add_header("Content-Type", "application/json")
    request.add_header("Authorization", "Bearer hf_server_token")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def commit(hub: HubServer, files: dict[str, bytes], parent: str | None = None) -> tuple[int, bytes]:
    header: dict[str, Any] = {"summary": "add files"}
    if parent:
        header["parentCommit"] = parent
    lines = [{"key": "header", "value": header}] + [
        {"key": "file", "value": {"path": p, "content": base64.b64encode(c).decode(), "encoding": "base64"}}
        for p, c in files.items()
    ]
    payload = "\n".join(json.dumps(line) for line in lines).encode()
    status, _, body = call(
        hub,
        "POST",
        f"/api/datasets/{REPO_ID}/commit/main",
        raw=payload,
        headers={"Content-Type": "application/x-ndjson"},
    )
    return status, body


def test_files_are_served_whole_and_in_byte_ranges(hub: HubServer) -> None:
    assert call(hub, "POST", "/api/repos/create", {"name": "data", "organization": "org", "type": "dataset"})[0] == 200
    assert commit(hub, {"docs/notes.txt": b"0123456789"})[0] == 200
    path = f"/datasets/{REPO_ID}/resolve/main/docs/notes.txt"
    status, headers, body = call(hub, "GET", path)
    assert (status, body, headers["Content-Length"]) == (200, b"0123456789", "10")
    assert headers["X-Repo-Commit"] == hub.store.repos[("dataset", REPO_ID)].branches["main"]
    assert call(hub, "GET", path, headers={"Range": "bytes=2-4"})[::2] == (206, b"234")
    assert call(hub, "GET", path, headers={"Range": "bytes=7-"})[::2] == (206, b"789")
    assert call(hub, "GET", path, headers={"Range": "bytes=-3"})[::2] == (206, b"789")
    assert call(hub, "GET", path, headers={"Range": "bytes=10-"})[0] == 416
    status, headers, body = call(hub, "HEAD", path)
    assert (status, headers["Content-Length"], body) == (200, "10", b"")


def test_listings_and_errors_carry_the_hub_codes(hub: HubServer) -> None:
    assert call(hub, "GET", f"/api/datasets/{REPO_ID}")[1]["X-Error-Code"] == "RepoNotFound"
    call(hub, "POST", "/api/repos/create", {"name": "data", "organization": "org", "type": "dataset"})
    status, _, body = call(hub, "POST", "/api/repos/create", {"name": "data", "organization": "org", "type": "dataset"})
    assert status == 409 and json.loads(body)["url"].endswith(f"/datasets/{REPO_ID}")
    commit(hub, {"a/b/c.txt": b"c", "a/d.txt": b"d", "top.txt": b"t"})
    status, _, body = call(hub, "GET", f"/api/datasets/{REPO_ID}/tree/main/a")
    assert [(e["type"], e["path"]) for e in json.loads(body)] == [("directory", "a/b"), ("file", "a/d.txt")]
    status, _, body = call(hub, "GET", f"/api/datasets/{REPO_ID}/tree/main?recursive=true")
    assert [e["path"] for e in json.loads(body)] == [".gitattributes", "a", "a/b", "a/b/c.txt", "a/d.txt", "top.txt"]
    status, _, body = call(
        hub,
        "POST",
        f"/api/datasets/{REPO_ID}/paths-info/main",
        raw=b"paths=a%2Fd.txt&paths=a&paths=missing.txt&expand=True",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    info = json.loads(body)
    assert [(e["type"], e["path"]) for e in info] == [("file", "a/d.txt"), ("directory", "a")]
    assert info[0]["lastCommit"]["id"] == hub.store.repos[("dataset", REPO_ID)].branches["main"]
    missing = call(hub, "GET", f"/datasets/{REPO_ID}/resolve/main/missing.txt")
    assert (missing[0], missing[1]["X-Error-Code"]) == (404, "EntryNotFound")
    unknown = call(hub, "GET", f"/datasets/{REPO_ID}/resolve/v9/top.txt")
    assert (unknown[0], unknown[1]["X-Error-Code"]) == (404, "RevisionNotFound")


def test_a_commit_on_a_moved_branch_and_a_second_tag_are_refused(hub: HubServer) -> None:
    call(hub, "POST", "/api/repos/create", {"name": "data", "organization": "org", "type": "dataset"})
    initial = hub.store.repos[("dataset", REPO_ID)].branches["main"]
    assert commit(hub, {"one.txt": b"1"}, parent=initial)[0] == 200
    status, body = commit(hub, {"two.txt": b"2"}, parent=initial)
    assert status == 412 and b"A commit has happened since" in body
    assert call(hub, "POST", f"/api/datasets/{REPO_ID}/tag/main", {"tag": "v1"})[0] == 200
    assert call(hub, "POST", f"/api/datasets/{REPO_ID}/tag/main", {"tag": "v1"})[0] == 409
    request = urllib.request.Request(f"{hub.url}/api/datasets/{REPO_ID}/tag/main", data=b'{"tag": "v2"}', method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:  # no token: writes are refused
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 401
