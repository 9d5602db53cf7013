"""`python -m publishing.sandbox --port N`: serve the sandbox until interrupted."""

import argparse
import logging
import os
from pathlib import Path

from .server import serve


def main() -> None:
    parser = argparse.ArgumentParser(description="Local Graph API and X API v2 sandbox.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("SANDBOX_PORT", "8001")))
    parser.add_argument(
        "--state",
        default=os.environ.get(
            "SANDBOX_STATE", str(Path(os.environ.get("CHANCERY_VAR_DIR", "var")) / "sandbox.sqlite3")
        ),
        help="SQLite file that keeps accounts, tokens and posts across restarts",
    )
    parser.add_argument(
        "--page-calls-per-hour", type=int, default=int(os.environ.get("SANDBOX_PAGE_CALLS_PER_HOUR", "4800"))
    )
    args = parser.parse_args()
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO"), format="%(asctime)s %(levelname)s sandbox %(message)s"
    )
    serve(args.host, args.port, args.state, page_calls_per_hour=args.page_calls_per_hour)


if __name__ == "__main__":
    main()
