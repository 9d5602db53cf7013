"""Reach: (a) one collection pass over 5,000 published posts against the sandbox process — the calls each network
counted against the fewest possible, seconds and CPU — beside a bare baseline making the same reads with
facebook-sdk and tweepy and storing nothing; (b) the story report and the ministry dashboard over at least 5 million
snapshots on PostgreSQL — p50, p95 and queries — beside a plain count over the same table, in the same run.

Needs PostgreSQL (DATABASE_URL; a local default below). Prints one JSON document.

Run: `.venv/bin/python bench/reach.py [--embassies 250] [--stories 10] [--snapshots 5000000] [--latency-ms 0]`
"""

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.fanout import (  # noqa: E402
    bench_env,
    cpu_seconds,
    database_fresh,
    free_port,
    plain_stories_build,
    postgres_pids,
    wait_for,
)

DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/chancery_bench_reach"
REPEAT = 25


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def timed(call, repeat: int = REPEAT) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    seconds, queries = [], 0
    call()  # warm: the first request compiles templates and fills caches
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            call()
            seconds.append(time.perf_counter() - started)
        queries = len(captured.captured_queries)
    return {
        "p50_ms": round(statistics.median(seconds) * 1000, 1),
        "p95_ms": round(percentile(seconds, 0.95) * 1000, 1),
        "queries": queries,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--embassies", type=int, default=250, help="each with a Facebook Page and an X account")
    parser.add_argument("--stories", type=int, default=10, help="each sent to every account: posts = 2 × this × that")
    parser.add_argument("--snapshots", type=int, default=5_000_000)
    parser.add_argument("--latency-ms", type=float, default=0)
    args = parser.parse_args()

    var_dir = Path(os.environ.get("CHANCERY_VAR_DIR", ROOT / "var" / "bench-reach"))
    var_dir.mkdir(parents=True, exist_ok=True)
    database = os.environ.get("DATABASE_URL", DEFAULT_DATABASE)
    database_fresh(database)
    sandbox_port = free_port()
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    env = bench_env(
        var_dir=var_dir, database=database, broker="memory://", sandbox_url=sandbox_url, hosts="127.0.0.1,testserver"
    )
    os.environ.update(env)
    sandbox = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "publishing.sandbox",
            "--port",
            str(sandbox_port),
            "--state",
            str(var_dir / "sb.sqlite3"),
        ]
        + ["--page-calls-per-hour", "1000000"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for command in (["migrate", "--noinput", "-v", "0"], ["collectstatic", "--noinput", "-v", "0"]):
            subprocess.run([sys.executable, "manage.py", *command], env=env, cwd=ROOT, check=True)
        wait_for(f"{sandbox_url}/_sandbox/accounts")
        requests.post(f"{sandbox_url}/_sandbox/reset", timeout=5)
        requests.post(f"{sandbox_url}/_sandbox/faults", json={"latency_ms": args.latency_ms}, timeout=5)
        import django

        django.setup()
        result = {
            "machine": {
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
                "platform": platform.platform(),
                "sandbox_latency_ms": args.latency_ms,
            }
        }
        posts = fixtures(args, sandbox_url)
        result["collection"] = collection(posts, sandbox_url, sandbox.pid)
        result["reports"] = reports(args)
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=20)
    print(json.dumps(result, indent=2, default=str))


def fixtures(args, sandbox_url: str) -> list:
    """Embassies with sandbox accounts, stories planned to every account and their posts published on the sandbox
    an hour ago (straight through the API: this is the fixture, not what is measured)."""
    from datetime import timedelta

    from django.utils import timezone

    from embassies.models import Embassy, SocialAccount
    from portal.demo.site import demo_site_load
    from portal.models import Country
    from publishing import planning
    from publishing.models import Distribution, Post

    demo_site_load()
    countries = list(Country.objects.all())
    session = requests.Session()
    for n in range(args.embassies):
        embassy = Embassy.objects.create(
            name=f"Embassy {n}",
            slug=f"embassy-{n}",
            country=countries[n % len(countries)],
            city=f"City {n}",
            region=["europe", "africa", "americas", "asia-pacific", "middle-east"][n % 5],
            time_zone="Europe/Stockholm",
            posting_languages=["en"],
        )
        for network in ("facebook", "x"):
            remote = session.post(
                f"{sandbox_url}/_sandbox/accounts",
                json={"network": network, "name": f"Embassy {n}", "username": f"emb{n}", "followers": 1000 + 37 * n},
                timeout=10,
            ).json()
            account = SocialAccount(embassy=embassy, network=network, external_id=remote["id"])
            account.credentials_set({"access_token": remote["access_token"]})
            account.save()
    stories = plain_stories_build(args.stories)
    Distribution.objects.filter(story__in=stories).delete()
    for story in stories:
        planning.distribution_plan(story=story)
    posts = list(Post.objects.select_related("account"))

    def send(post):
        token = post.account.credentials_get()["access_token"]
        text = f"{post.text[:200]} {post.marker}"
        if post.network == "facebook":
            answer = requests.post(
                f"{sandbox_url}/v25.0/{post.account.external_id}/feed",
                data={"message": text, "access_token": token},
                timeout=30,
            ).json()
        else:
            answer = requests.post(
                f"{sandbox_url}/2/tweets", json={"text": text}, headers={"Authorization": f"Bearer {token}"}, timeout=30
            ).json()["data"]
        return post.pk, answer["id"]

    with ThreadPoolExecutor(16) as pool:
        sent = dict(pool.map(send, posts))
    # An hour on: the first scheduled age (the two-hour X access tokens are still valid).
    requests.post(f"{sandbox_url}/_sandbox/clock", json={"advance_seconds": 3600}, timeout=5)
    published_at = timezone.now() - timedelta(hours=1)
    for post in posts:
        post.state, post.external_id, post.published_at = Post.State.PUBLISHED, sent[post.pk], published_at
        post.metrics_due_at = timezone.now() - timedelta(minutes=1)
    Post.objects.bulk_update(posts, ["state", "external_id", "published_at", "metrics_due_at"], batch_size=1000)
    return posts


def collection(posts: list, sandbox_url: str, sandbox_pid: int) -> dict:
    """The collector's pass against bare clients making the same reads."""
    import facebook
    import tweepy
    from django.db import connection

    from publishing.channels.facebook import GraphAPI, _operation
    from publishing.channels.metric_names import FACEBOOK_FIELDS, FACEBOOK_INSIGHTS
    from publishing.channels.x import x_session
    from publishing.reach.collect import metrics_collect

    facebook_posts = [p for p in posts if p.network == "facebook"]
    by_account: dict[int, list] = {}
    for post in posts:
        if post.network == "x":
            by_account.setdefault(post.account_id, []).append(post)
    minimum = {
        "facebook": math.ceil(len(facebook_posts) / 50),
        "x": sum(math.ceil(len(group) / 100) for group in by_account.values()),
    }

    requests.delete(f"{sandbox_url}/_sandbox/calls", timeout=5)
    before = (time.process_time(), cpu_seconds([sandbox_pid]), cpu_seconds(postgres_pids()))
    started = time.perf_counter()
    report = metrics_collect()
    seconds = time.perf_counter() - started
    after = (time.process_time(), cpu_seconds([sandbox_pid]), cpu_seconds(postgres_pids()))
    counted = requests.get(f"{sandbox_url}/_sandbox/calls", timeout=5).json()
    chancery = {
        "posts": report.posts,
        "failed": report.failed,
        "calls": {"facebook": counted.get("graph", 0), "x": counted.get("x", 0)},
        "seconds": round(seconds, 2),
        "cpu_seconds": {
            "collector": round(after[0] - before[0], 2),
            "sandbox": round(after[1] - before[1], 2),
            "postgres": round(after[2] - before[2], 2),
        },
    }

    # The baseline: the same batches and lookups from bare clients, nothing stored.
    tokens = {p.account_id: p.account.credentials_get()["access_token"] for p in posts}
    requests.delete(f"{sandbox_url}/_sandbox/calls", timeout=5)
    before = (time.process_time(), cpu_seconds([sandbox_pid]))
    started = time.perf_counter()
    session = requests.Session()
    graph = GraphAPI(tokens[facebook_posts[0].account_id], session=session, timeout=30)
    facebook.FACEBOOK_GRAPH_URL = f"{sandbox_url}/"
    read = 0
    for start in range(0, len(facebook_posts), 50):
        chunk = facebook_posts[start : start + 50]
        operations = [
            _operation(p.external_id, tokens[p.account_id], FACEBOOK_INSIGHTS.values(), fields=FACEBOOK_FIELDS)
            for p in chunk
        ]
        read += len(graph.request(graph.version, post_args={"batch": json.dumps(operations)}))
    for account_id, group in by_account.items():
        client = tweepy.Client(bearer_token=tokens[account_id])
        client.session = x_session()
        answer = client.get_tweets(
            [p.external_id for p in group], tweet_fields=["public_metrics", "non_public_metrics"], user_auth=False
        )
        read += len(answer.data or [])
    baseline_seconds = time.perf_counter() - started
    after = (time.process_time(), cpu_seconds([sandbox_pid]))
    counted = requests.get(f"{sandbox_url}/_sandbox/calls", timeout=5).json()
    baseline = {
        "posts": read,
        "calls": {"facebook": counted.get("graph", 0), "x": counted.get("x", 0)},
        "seconds": round(baseline_seconds, 2),
        "cpu_seconds": {"client": round(after[0] - before[0], 2), "sandbox": round(after[1] - before[1], 2)},
    }
    connection.close()
    return {
        "minimum_calls": minimum,
        "chancery": chancery,
        "baseline_bare_clients": baseline,
        "ratios": {
            "calls_vs_minimum": {n: round(chancery["calls"][n] / minimum[n], 3) for n in minimum},
            "seconds_vs_baseline": round(seconds / baseline_seconds, 2),
        },
    }


def reports(args) -> dict:
    """Snapshots up to `--snapshots` over two years of posts (eight scheduled ages a post, as the collector leaves
    them; older distributions of the same stories stand for the archive), then the reports timed against a count."""
    from django.contrib.auth.models import Group, User
    from django.db import connection
    from django.test import RequestFactory

    from publishing.models import Distribution, MetricSnapshot, Post
    from publishing.reach import views

    story_id = Post.objects.order_by("pk").values_list("distribution__story_id", flat=True).first()
    accounts = list(Post.objects.filter(distribution__story_id=story_id).values_list("account_id", flat=True))
    per_distribution = len(accounts) * 8
    archive = max(0, (args.snapshots - MetricSnapshot.objects.count()) // per_distribution + 1)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # Archive distributions: sequences of the last story, one a day going back.
        cursor.execute(
            "INSERT INTO publishing_distribution (story_id, sequence, created_at) "
            "SELECT %s, g, now() - g * interval '1 day' FROM generate_series(1, %s) g",
            [Distribution.objects.order_by("-pk").values_list("story_id", flat=True).first(), archive],
        )
        cursor.execute(
            """
            INSERT INTO publishing_post (distribution_id, account_id, embassy_id, network, language, fallback,
                sensitive, text, link, marker, state, due_at, attempts, checks, external_id, external_url,
                published_at, reason, held_for, updated_at, metrics_due_at)
            SELECT d.id, a.id, a.embassy_id, a.network, 'en', false, false, 'Archived post', 'https://example.org/',
                'a' || d.id || '-' || a.id, 'published', d.created_at, 1, 0, 'a' || d.id || '_' || a.id, '',
                d.created_at, '', '', now(), NULL
            FROM publishing_distribution d CROSS JOIN embassies_socialaccount a WHERE d.sequence > 0
            """
        )
        cursor.execute(
            """
            INSERT INTO publishing_metricsnapshot (post_id, account_id, collected_at, age_seconds, step, views, reach,
                reactions, comments, shares, clicks, unavailable, names_version, raw)
            SELECT p.id, p.account_id, p.published_at + h * interval '1 hour', h * 3600, s - 1,
                (200 + (p.id * 7 + s * 13) % 900) * s, CASE WHEN p.network = 'x' THEN NULL ELSE 150 * s END,
                12 * s, 2 * s, s, 5 * s, '{}', 'bench', '{}'
            FROM publishing_post p CROSS JOIN LATERAL (VALUES (1, 1), (2, 3), (3, 6), (4, 12), (5, 24), (6, 72),
                (7, 168), (8, 720)) AS ages(s, h)
            WHERE p.distribution_id IN (SELECT id FROM publishing_distribution WHERE sequence > 0)
            """
        )
        cursor.execute(
            """
            UPDATE publishing_post p SET latest_snapshot_id = l.id, latest_views = l.views, latest_reach = l.reach,
                latest_reactions = l.reactions, latest_comments = l.comments, latest_shares = l.shares,
                latest_clicks = l.clicks, latest_collected_at = l.collected_at
            FROM (
                SELECT DISTINCT ON (post_id) post_id, id, views, reach, reactions, comments, shares, clicks,
                    collected_at
                FROM publishing_metricsnapshot ORDER BY post_id, collected_at DESC
            ) l WHERE l.post_id = p.id AND p.latest_snapshot_id IS NULL
            """
        )
        cursor.execute("ANALYZE")
    generated = time.perf_counter() - started
    total = MetricSnapshot.objects.count()

    lead = User.objects.create_user("bench-lead", "lead@example.org", "x")
    lead.groups.add(Group.objects.get(name="Communications leads"))
    lead = User.objects.get(pk=lead.pk)
    factory = RequestFactory()

    def get(view, path: str, *args, **query):
        request = factory.get(path, query)
        request.user = lead
        response = view(request, *args)
        if hasattr(response, "render"):
            response.render()
        assert response.status_code == 200, response.status_code
        return response

    def count():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM publishing_metricsnapshot")
            cursor.fetchone()

    story_posts = Post.objects.filter(distribution__story_id=story_id).count()
    return {
        "snapshots": total,
        "posts": Post.objects.count(),
        "generated_seconds": round(generated, 1),
        "baseline_count_all_snapshots": timed(count, repeat=5),
        "story_report": {
            "posts": story_posts,
            **timed(lambda: get(views.story, f"/admin/reach/stories/{story_id}/", story_id)),
        },
        "story_chart_data": timed(lambda: get(views.story, "/", story_id, chart="json")),
        "dashboard_30_days": timed(lambda: get(views.dashboard, "/admin/reach/")),
        "dashboard_12_months": timed(lambda: get(views.dashboard, "/admin/reach/", days="365")),
    }


if __name__ == "__main__":
    main()
