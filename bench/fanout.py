"""Fan-out: one story to N embassies × 2 networks through the whole publisher, against bare client calls.

The sandbox runs as its own process with 100 ms latency on every call. Chancery's figure is the time from
approving every post to the last one published, through PostgreSQL, Redis, a worker process and the
dispatcher; the baseline sends the same number of posts with facebook-sdk and tweepy directly from a
thread pool of the same size. Needs PostgreSQL and Redis (DATABASE_URL, CELERY_BROKER_URL; local
defaults below). Prints one JSON document.

Run: `.venv/bin/python bench/fanout.py [--embassies 200] [--concurrency 16] [--latency-ms 100]`
"""

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/chancery_bench"
DEFAULT_BROKER = "redis://127.0.0.1:6379/7"


def var_dir_of(env: dict) -> Path:
    return Path(env["CHANCERY_VAR_DIR"])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str) -> None:
    for _ in range(200):
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not come up")


def cpu_seconds(pids) -> float:
    """User + system CPU time of these processes, from /proc (Linux)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def postgres_pids() -> list[int]:
    found = subprocess.run(["pgrep", "-x", "postgres"], capture_output=True, text=True).stdout.split()
    return [int(pid) for pid in found]


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of every core since boot, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def cpu_snapshot(processes: list) -> dict:
    times = os.times()
    busy, total = machine_busy()
    return {
        "machine_busy": busy,
        "machine_total": total,
        "sandbox": cpu_seconds([processes[0].pid]),
        "workers": cpu_seconds([p.pid for p in processes[1:]]),
        "postgres": cpu_seconds(postgres_pids()),
        "this_process": times.user + times.system,
    }


def cpu_used(before: dict, after: dict) -> dict:
    used = {name: round(after[name] - before[name], 2) for name in before if not name.startswith("machine_")}
    busy = after["machine_busy"] - before["machine_busy"]
    used["machine_busy_fraction"] = round(busy / max(1, after["machine_total"] - before["machine_total"]), 2)
    return used


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--embassies", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--latency-ms", type=float, default=100)
    parser.add_argument("--pool", choices=["threads", "prefork"], default="threads")
    args = parser.parse_args()

    var_dir = Path(os.environ.get("CHANCERY_VAR_DIR", ROOT / "var" / "bench"))
    var_dir.mkdir(parents=True, exist_ok=True)
    database = os.environ.get("DATABASE_URL", DEFAULT_DATABASE)
    broker = os.environ.get("CELERY_BROKER_URL", DEFAULT_BROKER)
    dbname = database.rsplit("/", 1)[1]
    admin_url = database.rsplit("/", 1)[0] + "/postgres"

    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{dbname}"')

    sandbox_port = free_port()
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        # Production settings: DEBUG off, so nothing records every query.
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-" + "k" * 50,
        "CREDENTIALS_KEYS": "hVbNKLyNTkvvnmdOvq7Lm0ncS7RVTJzWHVCqSuxNKEk=",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "CHANCERY_VAR_DIR": str(var_dir),
        "DATABASE_URL": database,
        "CELERY_BROKER_URL": broker,
        "LOG_LEVEL": "WARNING",
        "FACEBOOK_GRAPH_URL": f"{sandbox_url}/",
        "X_API_URL": sandbox_url,
        "SANDBOX_URL": sandbox_url,
        "FACEBOOK_APP_ID": "100200300",
        "FACEBOOK_APP_SECRET": "bench",
        "X_CLIENT_ID": "bench",
    }
    os.environ.update(env)
    processes = []
    try:
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "publishing.sandbox",
                    "--port",
                    str(sandbox_port),
                    "--state",
                    str(var_dir / "sandbox.sqlite3"),
                    "--page-calls-per-hour",
                    "100000",
                ],
                env={**env, "SANDBOX_FAULTS": json.dumps({"latency_ms": args.latency_ms})},
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], env=env, cwd=ROOT, check=True)
        wait_for(f"{sandbox_url}/_sandbox/accounts")
        requests.post(f"{sandbox_url}/_sandbox/reset", timeout=5)
        requests.post(f"{sandbox_url}/_sandbox/faults", json={"latency_ms": args.latency_ms}, timeout=5)

        import django

        django.setup()
        result = run(args, sandbox_url, env, processes)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    print(json.dumps(result, indent=2))


def run(args, sandbox_url: str, env: dict, processes: list) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from embassies.models import Embassy, SocialAccount
    from portal.celery import app
    from portal.demo.site import demo_site_load
    from portal.models import Country, StoryPage
    from publishing import services
    from publishing.models import Distribution, Post
    from publishing.tasks import posts_dispatch_task

    demo_site_load()
    countries = list(Country.objects.all()[: args.embassies])
    session = requests.Session()
    for n in range(args.embassies):
        embassy = Embassy.objects.create(
            name=f"Embassy {n}",
            slug=f"embassy-{n}",
            country=countries[n % len(countries)],
            city=f"City {n}",
            region="europe",
            time_zone="Europe/Stockholm",
            posting_languages=["en"],
        )
        for network in ("facebook", "x"):
            remote = session.post(
                f"{sandbox_url}/_sandbox/accounts",
                json={"network": network, "name": f"Embassy {n}", "username": f"emb{n}"},
                timeout=10,
            ).json()
            account = SocialAccount(embassy=embassy, network=network, external_id=remote["id"])
            account.credentials_set(
                {"access_token": remote["access_token"], "refresh_token": remote.get("refresh_token", "")}
            )
            account.token_expires_at = timezone.now() + timezone.timedelta(hours=2) if network == "x" else None
            account.save()
    story = StoryPage.objects.filter(locale__language_code="en").order_by("pk").first()
    Distribution.objects.filter(story=story).delete()

    connection.queries_log.clear()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        distribution = services.distribution_plan(story=story)
    planning_seconds = time.perf_counter() - started
    total = distribution.posts.count()

    app.control.purge()
    # Threads: one worker process per core with the threads split between them; prefork: one worker with a
    # child process per slot. Either way the same total concurrency as the baseline.
    workers = int(os.environ.get("XX_PROCS", "0")) or (max(1, min(os.cpu_count() or 1, args.concurrency)) if args.pool == "threads" else 1)
    slots = str(args.concurrency // workers)
    for index in range(workers):
        command = [sys.executable, "-m", "celery", "-A", "portal", "worker", "-Q", "default,publish.facebook,publish.x"]
        command += ["-n", f"bench{index}@%h", "--pool", args.pool, "--concurrency", slots]
        command += ["-l", os.environ.get("BENCH_WORKER_LOG", "WARNING")]
        command += ["--without-gossip", "--without-mingle"]
        log = open(var_dir_of(env) / f"worker{index}.log", "w")  # noqa: SIM115 - the worker's for its life
        processes.append(subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT))
    for _ in range(120):
        if len(app.control.ping(timeout=0.5)) >= workers:
            break

    cpu_before = cpu_snapshot(processes)
    started = time.perf_counter()
    services.posts_approve(posts=distribution.posts.all(), user=None)
    while Post.objects.filter(distribution=distribution).exclude(state=Post.State.PUBLISHED).exists():
        posts_dispatch_task.delay()
        time.sleep(0.25)
        if time.perf_counter() - started > 900:
            raise RuntimeError("Chancery did not publish every post within 15 minutes")
    chancery_seconds = time.perf_counter() - started
    chancery_cpu = cpu_used(cpu_before, cpu_snapshot(processes))

    cpu_before = cpu_snapshot(processes)
    bare_seconds = bare_calls(SocialAccount.objects.all(), args.concurrency)
    bare_cpu = cpu_used(cpu_before, cpu_snapshot(processes))
    return {
        "benchmark": "fanout",
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "embassies": args.embassies,
        "posts": total,
        "concurrency": args.concurrency,
        "worker_pool": f"{workers} × {args.pool} {slots}",
        "sandbox_latency_ms": args.latency_ms,
        "planning": {"seconds": round(planning_seconds, 3), "queries": len(captured)},
        "chancery_approval_to_all_published_seconds": round(chancery_seconds, 2),
        # planning happens inside the publish; review is skipped (everything approved at once)
        "chancery_publish_to_all_published_seconds": round(planning_seconds + chancery_seconds, 2),
        "chancery_posts_per_second": round(total / chancery_seconds, 1),
        "baseline_bare_client_seconds": round(bare_seconds, 2),
        "baseline_posts_per_second": round(total / bare_seconds, 1),
        "ratio_bare_over_chancery": round(bare_seconds / chancery_seconds, 3),
        "ratio_bare_over_chancery_with_planning": round(bare_seconds / (planning_seconds + chancery_seconds), 3),
        "dispatch_tick_seconds": 0.25,
        # CPU seconds spent by each side while it ran: on a small machine they share the same cores
        "cpu_seconds": {"chancery": chancery_cpu, "baseline": bare_cpu},
    }


def bare_calls(accounts, concurrency: int) -> float:
    """The same number of posts, sent with the client libraries and nothing else."""
    import facebook
    import tweepy
    from django.conf import settings

    from publishing.channels.base import ApiSession
    from publishing.channels.x import TWEEPY_HOSTS

    jobs = [(a.network, a.external_id, a.credentials_get()["access_token"]) for a in accounts]

    def send(job):
        network, external_id, token = job
        if network == "facebook":
            graph = facebook.GraphAPI(access_token=token, timeout=20)
            graph.version = settings.FACEBOOK_GRAPH_VERSION
            graph.put_object(external_id, "feed", message=f"Baseline post {external_id}")
        else:
            client = tweepy.Client(bearer_token=token)
            client.session = ApiSession(timeout=20, rewrite=dict.fromkeys(TWEEPY_HOSTS, settings.X_API_URL))
            client.create_tweet(text=f"Baseline post {external_id}", user_auth=False)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(send, jobs))
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
