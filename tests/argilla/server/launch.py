"""Start a real argilla-server on loopback for the tests, with the in-memory search engine.

Run with the server's own interpreter from the repository root::

    .venv-argilla/bin/python -m tests.argilla.server.launch --home DIR --redis-url unix:///DIR/redis.sock \
        --owner-api-key KEY [--owner-password PASSWORD] [--port-file FILE]

It binds 127.0.0.1 on a free port itself (no race with other processes), prints ``ARGILLA_PORT=<port>`` on
stdout (and writes the port to FILE, atomically, when asked), migrates a fresh SQLite database under DIR,
creates the owner user ``owner`` with the given API key, and serves the API with uvicorn until it is
terminated. Elasticsearch/OpenSearch cannot run here, so ARGILLA_SEARCH_ENGINE is set to ``memory``
(tests/argilla/server/memory_engine.py, registered on import).

No rq worker runs. On the SDK's path (create a dataset, log records, add responses, search) the server enqueues
one job: creating a dataset through the SDK PATCHes its guidelines and distribution, which queues
``update_dataset_records_status_job`` (it recomputes the status of records that have responses; a new dataset has
none, so it has nothing to do). A worker in another process could not run it anyway: it would update its own,
empty in-memory index. Webhooks, Hub import/export and later distribution changes also queue jobs; the tests use
none of them and assert that the queues hold nothing else.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
from pathlib import Path

OWNER_USERNAME = "owner"


def _configure_environment(home: Path, redis_url: str) -> None:
    """argilla-server reads its settings from ARGILLA_* variables once, at import: set them first."""
    os.environ.update(
        {
            "ARGILLA_HOME_PATH": str(home),
            "ARGILLA_DATABASE_URL": f"sqlite+aiosqlite:///{home / 'argilla.db'}",
            "ARGILLA_REDIS_URL": redis_url,
            "ARGILLA_SEARCH_ENGINE": "memory",
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "HF_HUB_OFFLINE": "1",
        }
    )


def _migrate() -> None:
    from argilla_server.cli.database.migrate import migrate_db

    migrate_db(revision="head")


def _create_owner(api_key: str, password: str) -> None:
    from argilla_server.cli.database.users.create import _create
    from argilla_server.models import UserRole

    asyncio.run(
        _create(first_name="Owner", username=OWNER_USERNAME, role=UserRole.owner, password=password, api_key=api_key)
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True, help="folder for the SQLite database and server files")
    parser.add_argument("--redis-url", required=True, help="e.g. unix:///tmp/x/redis.sock or redis://127.0.0.1:N/0")
    parser.add_argument("--owner-api-key", required=True)
    parser.add_argument("--owner-password", default="owner-password-123")
    parser.add_argument("--port-file", type=Path, help="write the port here once the socket is bound")
    args = parser.parse_args(argv)

    args.home.mkdir(parents=True, exist_ok=True)
    _configure_environment(args.home.resolve(), args.redis_url)

    # Registers the "memory" engine with SearchEngine.register before the app looks engines up.
    from tests.argilla.server import memory_engine  # noqa: F401

    _migrate()
    _create_owner(args.owner_api_key, args.owner_password)

    import uvicorn
    from argilla_server import app

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    print(f"ARGILLA_PORT={port}", flush=True)
    if args.port_file:
        partial = args.port_file.with_name(args.port_file.name + ".partial")
        partial.write_text(str(port), encoding="utf-8")
        partial.rename(args.port_file)
    config = uvicorn.Config(app, access_log=False, log_level="warning", lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main(sys.argv[1:])
