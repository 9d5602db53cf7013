"""Portal throughput and latency under gunicorn, against a bare-view baseline on the same server in the same run:
page-cache hits and misses apart, the time from publishing a new revision until a reader sees it, and a burst of
200 concurrent clients on a story.

Run: `make bench` (or `.venv/bin/python bench/portal.py [--seconds N]`). Prints one JSON document. The page cache
is Redis's database 3 when a Redis answers at 127.0.0.1:6379 (the production shape), else the shared folder.
"""

import argparse
import http.client
import itertools
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


MISSES = itertools.count()  # never the same query twice in a run: every such request is a miss


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load(port: int, path: str, *, clients: int, seconds: float, unique: bool = False) -> dict:
    """`clients` keep-alive connections asking for `path` for `seconds`; with `unique`, each request carries a query
    the page does not use but the cache keys on, so every one is a miss."""
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
            target = f"{path}?miss={next(MISSES)}" if unique else path
            try:
                conn.request("GET", target, headers={"Host": "127.0.0.1"})
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


def queries_per_page(paths: list[str]) -> dict[str, dict[str, int]]:
    """Queries to build each page (a miss) and to serve it again (a hit), in this process."""
    import django
    from django.core.cache import caches
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    django.setup()
    client = Client(HTTP_HOST="127.0.0.1")
    counts = {}
    for path in paths:
        client.get(path)  # renditions made once, as a running server has them
        caches["pages"].clear()
        with CaptureQueriesContext(connection) as miss:
            assert client.get(path).status_code == 200, path
        with CaptureQueriesContext(connection) as hit:
            assert client.get(path)["X-Cache"] == "hit", path
        counts[path] = {"miss": len(miss), "hit": len(hit)}
    return counts


def publish_visible_seconds(port: int, slug: str) -> float:
    """From publishing a new revision of the story (here, as the admin or the worker would) until a reader of the
    running server sees it: the purge reaches the servers' shared page cache as the publication commits."""
    from portal.models import StoryPage
    from portal.review import review_passed

    story = StoryPage.objects.get(slug=slug, locale__language_code="en")
    marker = f"Correction {time.time_ns()}"
    story.title = marker
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    started = time.perf_counter()
    with review_passed():
        story.save_revision().publish()
    while time.perf_counter() - started < 60:
        conn.request("GET", story.url, headers={"Host": "127.0.0.1"})
        if marker in conn.getresponse().read().decode():
            return round(time.perf_counter() - started, 3)
        time.sleep(0.01)
    return float("inf")


def redis_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=8.0, help="load duration per URL")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--burst-clients", type=int, default=200)
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
    if redis_answers():
        env["PAGE_CACHE_URL"] = "redis://127.0.0.1:6379/3"
        import redis

        redis.Redis.from_url(env["PAGE_CACHE_URL"]).flushdb()
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
            load(port, path, clients=args.clients, seconds=1)  # warm-up: the pages are now in the cache
        baseline = load(port, "/_baseline/", clients=args.clients, seconds=args.seconds)
        results = {
            "home": load(port, home, clients=args.clients, seconds=args.seconds),
            "story": load(port, story, clients=args.clients, seconds=args.seconds),
            "home_miss": load(port, home, clients=args.clients, seconds=args.seconds, unique=True),
            "story_miss": load(port, story, clients=args.clients, seconds=args.seconds, unique=True),
            # One client per worker: a miss's own latency, without waiting behind other requests.
            "story_miss_one_per_worker": load(port, story, clients=args.workers, seconds=args.seconds, unique=True),
        }
        visible = [publish_visible_seconds(port, "climate-finance-pledge") for _ in range(5)]
        burst = load(port, story, clients=args.burst_clients, seconds=args.seconds)
    finally:
        server.terminate()
        server.wait(timeout=10)

    for name, path in (("home", home), ("story", story)):
        kinds = [("hit", results[name]), ("miss", results[f"{name}_miss"])]
        if name == "story":
            kinds.append(("miss", results["story_miss_one_per_worker"]))
        for kind, result in kinds:
            result[f"queries_on_{kind}"] = queries[path][kind]
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
                    "page_cache": "redis" if "PAGE_CACHE_URL" in env else "shared folder",
                },
                "clients": args.clients,
                "seconds_per_url": args.seconds,
                "baseline": baseline,
                "pages": results,
                "queries_arabic_story": queries["/ar/stories/climate-finance-pledge/"],
                "publish_visible_seconds": {"median": statistics.median(visible), "runs": visible},
                "story_at_200_clients": {"clients": args.burst_clients, **burst},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
