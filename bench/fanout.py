"""Fan-out: one story to N embassies × 2 networks through the whole publisher, against bare client calls.

The sandbox runs as its own process with 100 ms latency on every call. Chancery's figure is the time from
approving every post to the last one published, through PostgreSQL, Redis, a worker process and the
dispatcher; the baseline sends the same posts again (a fresh marker each) with facebook-sdk and tweepy
directly from a thread pool of the same size. Rounds alternate the two (a new story per Chancery round) and
the medians are reported, with each round's figures and the CPU each side used. Needs PostgreSQL and Redis
(DATABASE_URL, CELERY_BROKER_URL; local defaults below). Prints one JSON document.

Run: `.venv/bin/python bench/fanout.py [--embassies 200] [--concurrency 16] [--latency-ms 100] [--rounds 3]`

`--compare-with DIR` also runs each round's Chancery side with workers started from another checkout (of the same
database schema), so that a change to the publisher is measured against the code before it in one run:
`git worktree add ../before HEAD~1 && .venv/bin/python bench/fanout.py --compare-with ../before`.
"""

import argparse
import json
import os
import platform
import secrets
import socket
import statistics
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
BEAT_TICK = 5.0  # seconds between beat's dispatcher runs (portal.settings' CELERY_BEAT_SCHEDULE)
POLL = 0.25  # seconds between the bench's looks at the posts


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


def database_fresh(database: str) -> None:
    """Drop and create the bench's own PostgreSQL database."""
    import psycopg

    dbname = database.rsplit("/", 1)[1]
    with psycopg.connect(database.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{dbname}"')


def plain_stories_build(count: int) -> list:
    """`count` new stories that concern no country and wait for no head of mission, published as the system does
    (a revision no person wrote): a bench measures the publisher, never a person's sign-off it would wait for."""
    from portal.models import StoryIndexPage, StoryPage

    index = StoryIndexPage.objects.filter(locale__language_code="en").first()
    stories = []
    for n in range(count):
        story = StoryPage(
            title=f"Bench story {n} {secrets.token_hex(3)}",
            slug=f"bench-{n}-{secrets.token_hex(3)}",
            standfirst=f"A plain story for measuring the publisher, number {n}.",
            hashtags="Bench",
            target="all",
        )
        index.add_child(instance=story)
        story.save_revision().publish()
        stories.append(StoryPage.objects.get(pk=story.pk))
    return stories


def posts_settled_or_fail(posts, *, started: float, bound: float) -> None:
    """Stop with a clear error, naming what every unpublished post waits in, once `bound` seconds have passed."""
    if time.perf_counter() - started <= bound:
        return
    from django.db.models import Count

    stuck = dict(posts.exclude(state="published").values_list("state").annotate(n=Count("pk")))
    sensitive = posts.exclude(state="published").filter(sensitive=True).count()
    raise SystemExit(
        f"Not every post was published within {bound:.0f} s: still {stuck} ({sensitive} wait for a head of "
        "mission). Look at the worker logs under the bench's var directory."
    )


def bench_env(*, var_dir: Path, database: str, broker: str, sandbox_url: str, hosts: str = "127.0.0.1") -> dict:
    """Production settings (DEBUG off, so nothing records every query) pointed at the sandbox."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-" + "k" * 50,
        "CREDENTIALS_KEYS": "hVbNKLyNTkvvnmdOvq7Lm0ncS7RVTJzWHVCqSuxNKEk=",
        "ALLOWED_HOSTS": hosts,
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--embassies", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--latency-ms", type=float, default=100)
    parser.add_argument("--rounds", type=int, default=3, help="Chancery and baseline rounds; medians are reported")
    parser.add_argument("--pool", choices=["threads", "prefork"], default="threads")
    parser.add_argument(
        "--bound-seconds", type=float, default=300, help="stop with an error if a round has not published by then"
    )
    parser.add_argument(
        "--compare-with", type=Path, help="another checkout whose workers also run every round (see above)"
    )
    parser.add_argument(
        "--processes", type=int, default=0, help="worker processes for the threads pool (default: two per core)"
    )
    args = parser.parse_args()

    var_dir = Path(os.environ.get("CHANCERY_VAR_DIR", ROOT / "var" / "bench"))
    var_dir.mkdir(parents=True, exist_ok=True)
    database = os.environ.get("DATABASE_URL", DEFAULT_DATABASE)
    broker = os.environ.get("CELERY_BROKER_URL", DEFAULT_BROKER)
    database_fresh(database)
    sandbox_port = free_port()
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    env = bench_env(var_dir=var_dir, database=database, broker=broker, sandbox_url=sandbox_url)
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
    from portal.models import Country
    from publishing import approval, planning
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
    stories = plain_stories_build(args.rounds * (2 if args.compare_with else 1))
    Distribution.objects.filter(story__in=stories).delete()  # planned as they were published: planned again below

    app.control.purge()
    # Threads: two worker processes per core with the threads split between them (fewer threads contend for
    # each interpreter lock); prefork: one worker with a child process per slot. Either way the same total
    # concurrency as the baseline.
    workers = args.processes or max(1, min(2 * (os.cpu_count() or 1), args.concurrency))
    workers = workers if args.pool == "threads" else 1
    slots = str(args.concurrency // workers)

    def workers_start(tree: Path) -> list:
        started = []
        for index in range(workers):
            command = [sys.executable, "-m", "celery", "-A", "portal", "worker"]
            command += ["-Q", "default,publish.facebook,publish.x", "-n", f"bench{index}@%h"]
            command += ["--pool", args.pool, "--concurrency", slots]
            command += ["-l", os.environ.get("BENCH_WORKER_LOG", "WARNING"), "--without-gossip", "--without-mingle"]
            log = open(var_dir_of(env) / f"worker{index}.log", "a")  # noqa: SIM115 - the worker's for its life
            started.append(subprocess.Popen(command, env=env, cwd=tree, stdout=log, stderr=subprocess.STDOUT))
        for _ in range(120):
            if len(app.control.ping(timeout=0.5)) >= workers:
                break
        processes.extend(started)
        return started

    def workers_stop(started: list) -> None:
        for process in started:
            process.terminate()
        for process in started:
            process.wait(timeout=30)
            processes.remove(process)

    trees = {"chancery": ROOT}
    if args.compare_with:
        trees["compared"] = args.compare_with.resolve()
    else:
        workers_start(ROOT)  # for the whole run

    # Rounds alternate Chancery (a new story each time: the networks refuse a repeated text) and the bare
    # baseline, so both meet the machine in the same state; the medians make the figures.
    def chancery_round(story) -> dict:
        connection.queries_log.clear()
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            distribution = planning.distribution_plan(story=story)
        planning_seconds = time.perf_counter() - started

        cpu_before = cpu_snapshot(processes)
        started, approved_at = time.perf_counter(), timezone.now()
        approval.posts_approve(posts=distribution.posts.all(), user=None)
        posts = Post.objects.filter(distribution=distribution)
        beat_at = started + BEAT_TICK
        while posts.exclude(state=Post.State.PUBLISHED).exists():
            # The approval asks for a dispatch as it commits; the bench stands in for beat, at beat's pace, for
            # anything that waits longer (a post put back for a retry).
            if time.perf_counter() >= beat_at:
                posts_dispatch_task.delay()
                beat_at += BEAT_TICK
            time.sleep(POLL)
            posts_settled_or_fail(posts, started=started, bound=args.bound_seconds)
        # The last post's own record, not when this loop noticed it: polling a few times a second keeps the
        # bench's queries off the cores it measures.
        seconds = (max(posts.values_list("published_at", flat=True)) - approved_at).total_seconds()
        return {
            "distribution": distribution,
            "planning_seconds": planning_seconds,
            "planning_queries": len(captured),
            "seconds": seconds,
            "cpu": cpu_used(cpu_before, cpu_snapshot(processes)),
        }

    rounds = []
    remaining = iter(stories)
    for _ in range(args.rounds):
        measured = {}
        for name, tree in trees.items():
            started_workers = workers_start(tree) if args.compare_with else []
            measured[name] = chancery_round(next(remaining))
            workers_stop(started_workers)
        ours = measured["chancery"]
        total = ours["distribution"].posts.count()
        if args.compare_with:
            workers_start(ROOT)  # the baseline's CPU figures count the idle workers, as in a run without it
        cpu_before = cpu_snapshot(processes)
        bare_seconds = bare_calls(ours["distribution"].posts.all(), args.concurrency)
        bare_cpu = cpu_used(cpu_before, cpu_snapshot(processes))
        if args.compare_with:
            workers_stop(processes[1:])
        chancery_seconds = ours["seconds"]
        rounds.append(
            {
                "planning_seconds": round(ours["planning_seconds"], 3),
                "planning_queries": ours["planning_queries"],
                "chancery_approval_to_all_published_seconds": round(chancery_seconds, 2),
                "baseline_bare_client_seconds": round(bare_seconds, 2),
                "ratio_bare_over_chancery": round(bare_seconds / chancery_seconds, 3),
                # CPU seconds each side used while it ran: on a small machine they share the same cores
                "cpu_seconds": {"chancery": ours["cpu"], "baseline": bare_cpu},
            }
        )
        if compared := measured.get("compared"):
            rounds[-1]["compared_approval_to_all_published_seconds"] = round(compared["seconds"], 2)
            rounds[-1]["cpu_seconds"]["compared"] = compared["cpu"]

    def median_of(name: str) -> float:
        return statistics.median(r[name] for r in rounds)

    planned = median_of("planning_seconds")
    chancery = median_of("chancery_approval_to_all_published_seconds")
    bare = median_of("baseline_bare_client_seconds")
    return {
        "benchmark": "fanout",
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "embassies": args.embassies,
        "posts": total,
        "concurrency": args.concurrency,
        "worker_pool": f"{workers} × {args.pool} {slots}",
        "sandbox_latency_ms": args.latency_ms,
        "rounds": len(rounds),
        "planning": {"seconds": planned, "queries": max(r["planning_queries"] for r in rounds)},
        "chancery_approval_to_all_published_seconds": chancery,
        # planning happens inside the publish; review is skipped (everything approved at once)
        "chancery_publish_to_all_published_seconds": round(planned + chancery, 2),
        "chancery_posts_per_second": round(total / chancery, 1),
        "baseline_bare_client_seconds": bare,
        "baseline_posts_per_second": round(total / bare, 1),
        "ratio_bare_over_chancery": round(bare / chancery, 3),
        "ratio_bare_over_chancery_with_planning": round(bare / (planned + chancery), 3),
        "beat_tick_seconds": BEAT_TICK,
        **(
            {
                "compared_with": str(args.compare_with),
                "compared_approval_to_all_published_seconds": (
                    compared := median_of("compared_approval_to_all_published_seconds")
                ),
                "ratio_chancery_over_compared": round(chancery / compared, 3),
            }
            if args.compare_with
            else {}
        ),
        "each_round": rounds,
    }


def bare_calls(posts, concurrency: int) -> float:
    """The same posts (text, link and length; only the reconciliation marker differs, or the networks would
    refuse them as duplicates) sent with the client libraries and nothing else."""
    import facebook
    import tweepy
    from django.conf import settings

    from publishing.channels.base import thread_session
    from publishing.channels.x import TWEEPY_HOSTS

    jobs = []
    for post in posts.select_related("account"):
        marker = secrets.token_hex(len(post.marker) // 2)
        text, link = post.text.replace(post.marker, marker), post.link.replace(post.marker, marker)
        jobs.append(
            (post.network, post.account.external_id, post.account.credentials_get()["access_token"], text, link)
        )

    def send(job):
        network, external_id, token, text, link = job
        # Like Chancery's workers, each thread keeps one HTTP session per network and reuses its connections.
        if network == "facebook":
            graph = facebook.GraphAPI(access_token=token, timeout=20, session=thread_session(timeout=20))
            graph.version = settings.FACEBOOK_GRAPH_VERSION
            graph.put_object(external_id, "feed", message=text, link=link)
        else:
            client = tweepy.Client(bearer_token=token)
            client.session = thread_session(timeout=20, rewrite=dict.fromkeys(TWEEPY_HOSTS, settings.X_API_URL))
            client.create_tweet(text=text, user_auth=False)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(send, jobs))
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
