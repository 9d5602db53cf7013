"""Portal throughput and latency under gunicorn at 8 concurrent clients, against a bare-view baseline.

Run: `make bench` (or `.venv/bin/python bench/portal.py [--seconds N]`). Prints one JSON document.
"""

import argparse
import http.client
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load(port: int, path: str, *, clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client():
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, failed = [], 0
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Host": "127.0.0.1"})
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    failed += 1
            except (OSError, http.client.HTTPException):
                failed += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)
            errors += failed

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {
        "path": path,
        "requests": len(latencies),
        "errors": errors,
        "throughput_rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(quantiles[49] * 1000, 2),
        "p95_ms": round(quantiles[94] * 1000, 2),
    }


def queries_per_page(paths: list[str]) -> dict[str, int]:
    import django
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    django.setup()
    client = Client(HTTP_HOST="127.0.0.1")
    counts = {}
    for path in paths:
        client.get(path)  # warm renditions and caches, as a running server has them
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200, path
        counts[path] = len(captured)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=8.0, help="load duration per URL")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()

    var_dir = tempfile.mkdtemp(prefix="chancery-bench-")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "CHANCERY_VAR_DIR": var_dir,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-" + "k" * 50,
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECURE_SSL_REDIRECT": "0",
        "CREDENTIALS_KEYS": "hVbNKLyNTkvvnmdOvq7Lm0ncS7RVTJzWHVCqSuxNKEk=",
        "WAGTAILADMIN_BASE_URL": "http://127.0.0.1",
    }
    os.environ.update(env)
    manage = [sys.executable, str(ROOT / "manage.py")]
    for command in (["migrate", "--noinput", "-v", "0"], ["collectstatic", "--noinput", "-v", "0"], ["load_demo"]):
        subprocess.run(manage + command, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)

    home, story = "/en/", "/en/stories/climate-finance-pledge/"
    queries = queries_per_page([home, story, "/ar/stories/climate-finance-pledge/"])

    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--access-logfile",
            "-",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        for path in ("/_baseline/", home, story):
            load(port, path, clients=args.clients, seconds=1)  # warm-up
        baseline = load(port, "/_baseline/", clients=args.clients, seconds=args.seconds)
        results = {
            "home": load(port, home, clients=args.clients, seconds=args.seconds),
            "story": load(port, story, clients=args.clients, seconds=args.seconds),
        }
    finally:
        server.terminate()
        server.wait(timeout=10)

    for name, path in (("home", home), ("story", story)):
        result = results[name]
        result["queries"] = queries[path]
        result["throughput_vs_baseline"] = round(result["throughput_rps"] / baseline["throughput_rps"], 3)
        result["p50_vs_baseline"] = round(result["p50_ms"] / baseline["p50_ms"], 2) if baseline["p50_ms"] else None
    print(
        json.dumps(
            {
                "benchmark": "portal",
                "machine": {
                    "cpus": os.cpu_count(),
                    "platform": platform.platform(),
                    "python": platform.python_version(),
                    "database": "sqlite" if "DATABASE_URL" not in os.environ else "from DATABASE_URL",
                    "server": f"gunicorn, {args.workers} sync workers",
                },
                "clients": args.clients,
                "seconds_per_url": args.seconds,
                "baseline": baseline,
                "pages": results,
                "queries_arabic_story": queries["/ar/stories/climate-finance-pledge/"],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
