"""A small Hub-compatible HTTP server for tests: `HubServer` (see server.py)."""

from tests.hubserver.server import HubServer
from tests.hubserver.store import HubStore

__all__ = ["HubServer", "HubStore"]
