"""A small Hub-compatible HTTP server: exactly the endpoints `huggingface_hub` and `datasets` call to create a
dataset repo, upload one commit (preupload, LFS batch + upload + verify, NDJSON commit), tag it, and read it back
(info, refs, tree, paths-info, commits, resolve with HEAD and byte ranges). Xet is not offered; clients run with
HF_HUB_DISABLE_XET=1 and use the LFS protocol, which the Hub still accepts.

Standard library only (and PyYAML for card metadata), so it runs wherever the tests run. Start it with
``HubServer()`` as a context manager (it binds 127.0.0.1 on a free port) or ``python -m tests.hubserver``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from http.server import ThreadingHTTPServer

from tests.hubserver.reads import ReadEndpoints
from tests.hubserver.store import HubStore
from tests.hubserver.writes import WriteEndpoints

_TYPE = r"(?P<type>models|datasets|spaces)"
_REPO = r"(?P<ns>[^/]+)/(?P<name>[^/]+)"


class Handler(WriteEndpoints, ReadEndpoints):
    """Every endpoint; ROUTES below maps requests to its methods."""


Endpoint = Callable[..., None]
# (methods, path pattern, endpoint name for failure injection, needs the token, handler)
ROUTES: list[tuple[tuple[str, ...], re.Pattern[str], str, bool, Endpoint]] = [
    (("POST",), re.compile(r"/api/repos/create"), "create", True, Handler.create_repo),
    (("POST",), re.compile(r"/api/validate-yaml"), "validate_yaml", False, Handler.validate_yaml),
    (("GET",), re.compile(rf"/api/{_TYPE}/{_REPO}"), "info", False, Handler.info),
    (("GET",), re.compile(rf"/api/{_TYPE}/{_REPO}/revision/(?P<rev>[^/]+)"), "info", False, Handler.info),
    (("GET",), re.compile(rf"/api/{_TYPE}/{_REPO}/refs"), "refs", False, Handler.refs),
    (("POST",), re.compile(rf"/api/{_TYPE}/{_REPO}/tag/(?P<rev>[^/]+)"), "tag", True, Handler.create_tag),
    (("DELETE",), re.compile(rf"/api/{_TYPE}/{_REPO}/tag/(?P<tag>[^/]+)"), "delete_tag", True, Handler.delete_tag),
    (("GET",), re.compile(rf"/api/{_TYPE}/{_REPO}/commits/(?P<rev>[^/]+)"), "commits", False, Handler.commits),
    (("POST",), re.compile(rf"/api/{_TYPE}/{_REPO}/preupload/(?P<rev>[^/]+)"), "preupload", True, Handler.preupload),
    (("POST",), re.compile(rf"/api/{_TYPE}/{_REPO}/commit/(?P<rev>[^/]+)"), "commit", True, Handler.commit),
    (
        ("GET",),
        re.compile(rf"/api/{_TYPE}/{_REPO}/tree/(?P<rev>[^/]+)(?:/(?P<path>.+))?"),
        "tree",
        False,
        Handler.tree,
    ),
    (
        ("POST",),
        re.compile(rf"/api/{_TYPE}/{_REPO}/paths-info/(?P<rev>[^/]+)"),
        "paths_info",
        False,
        Handler.paths_info,
    ),
    (
        ("POST",),
        re.compile(rf"/(?:(?P<prefix>datasets|spaces)/)?{_REPO}\.git/info/lfs/objects/batch"),
        "lfs_batch",
        True,
        Handler.lfs_batch,
    ),
    (("PUT",), re.compile(r"/_lfs/upload/(?P<oid>[0-9a-f]{64})"), "lfs_upload", False, Handler.lfs_upload),
    (("POST",), re.compile(r"/_lfs/verify"), "lfs_verify", False, Handler.lfs_verify),
    (
        ("GET", "HEAD"),
        re.compile(rf"/(?:(?P<prefix>datasets|spaces)/)?{_REPO}/resolve/(?P<rev>[^/]+)/(?P<path>.+)"),
        "resolve",
        False,
        Handler.resolve,
    ),
]


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, store: HubStore, token: str | None) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.routes = ROUTES
        self.store = store
        self.token = token
        self.requests: list[tuple[str, str]] = []
        self.url = f"http://127.0.0.1:{self.server_address[1]}"


class HubServer:
    """The test Hub on 127.0.0.1 and a free port. ``token``: when set, every write must carry it."""

    def __init__(self, token: str | None = None) -> None:
        self.store = HubStore()
        self._server = _Server(self.store, token)
        self._thread = threading.Thread(target=self._server.serve_forever, name="hubserver", daemon=True)

    @property
    def url(self) -> str:
        return self._server.url

    @property
    def requests(self) -> list[tuple[str, str]]:
        """(method, path) of every request so far, in order."""
        return list(self._server.requests)

    def fail_next(self, endpoint: str, status: int = 500, times: int = 1) -> None:
        self.store.fail_next(endpoint, status, times)

    def start(self) -> HubServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> HubServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
