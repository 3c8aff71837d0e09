"""Run the test Hub by hand: ``python -m tests.hubserver [--token T]``; prints its URL, serves until Ctrl-C."""

from __future__ import annotations

import argparse
import time

from tests.hubserver.server import HubServer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--token", default=None, help="require this token on every write")
    args = parser.parse_args()
    with HubServer(token=args.token) as server:
        print(f"HF_ENDPOINT={server.url}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
