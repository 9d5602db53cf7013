"""Real processes for the integration tier: the sandbox as its own server, and a Celery worker over Redis
reading the same PostgreSQL test database as the tests."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings

from tests.sandbox import SandboxClient, free_port

ROOT = Path(__file__).resolve().parents[2]
QUEUES = ",".join(queue.name for queue in settings.CELERY_TASK_QUEUES)


class WorkerProcess:
    """A `celery worker` child process that a test can start, SIGKILL and restart."""

    def __init__(self, env: dict[str, str], log_path: Path):
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen | None = None
        self.generation = 0

    def start(self) -> None:
        from portal.celery import app

        self.generation += 1
        name = f"test-worker-{os.getpid()}-{self.generation}@%h"
        log = open(self.log_path, "a")  # noqa: SIM115 - owned by the child for its whole life
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "portal",
                "worker",
                "-Q",
                QUEUES,
                "-n",
                name,
                "--pool",
                "threads",
                "--concurrency",
                "8",
                "-l",
                "INFO",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited with {self.process.returncode}; see {self.log_path}")
            if any(name.split("@")[0] in host for reply in app.control.ping(timeout=0.5) for host in reply):
                return
        raise RuntimeError(f"worker did not answer a ping within 60 s; see {self.log_path}")

    def kill(self) -> None:
        """SIGKILL: the worker dies mid-task, as a crashed machine would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture(scope="session")
def sandbox_server(tmp_path_factory):
    """The sandbox as its own process, the way production reaches a real network: over HTTP only."""
    port = free_port()
    state = tmp_path_factory.mktemp("sandbox") / "sandbox.sqlite3"
    process = subprocess.Popen(
        [sys.executable, "-m", "publishing.sandbox", "--port", str(port), "--state", str(state)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            requests.get(f"{url}/_sandbox/accounts", timeout=1)
            break
        except requests.ConnectionError:
            time.sleep(0.1)
    yield SandboxClient(url, None)
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker, sandbox_server, tmp_path_factory):
    from django.db import connection

    from portal.celery import app

    db = connection.settings_dict
    database_url = f"postgresql://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "FACEBOOK_GRAPH_URL": f"{sandbox_server.url}/",
        "X_API_URL": sandbox_server.url,
        "FACEBOOK_APP_ID": "100200300",
        "FACEBOOK_APP_SECRET": "app-secret",
        "X_CLIENT_ID": "chancery-tests",
        "PUBLISHING_SWEEP_SENDING_AFTER": "4",
        "PUBLISHING_SWEEP_QUEUED_AFTER": "8",
        "PUBLISHING_RETRY_BASE_SECONDS": "0.5",
    }
    app.control.purge()
    _forget_pacing()
    worker = WorkerProcess(env, tmp_path_factory.mktemp("worker") / "worker.log")
    worker.start()
    yield worker
    worker.stop()


def _forget_pacing() -> None:
    """Per-account pacing lives in Redis keyed by account id; a new test database reuses the ids."""
    import redis

    client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    keys = list(client.scan_iter("chancery:*"))
    if keys:
        client.delete(*keys)


@pytest.fixture
def worker(celery_worker):
    """A worker started for this test: each test empties the database, and with it the content types
    a running worker has cached."""
    celery_worker.stop()
    celery_worker.start()
    return celery_worker


def wait_until(predicate, *, timeout: float = 30, interval: float = 0.2, message: str = "condition", tick=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := predicate():
            return result
        if tick:
            tick()
        time.sleep(interval)
    from django.db.models import Count

    from publishing.models import Post

    states = dict(Post.objects.values_list("state").annotate(n=Count("pk")))
    raise AssertionError(f"timed out after {timeout} s waiting for {message}; posts by state: {states}")


def run_together(call, *, threads: int, timeout: float = 60) -> tuple[list, list]:
    """Start `threads` threads that each make `call()` at the same moment, each on its own database connection
    (closed as it ends); their results, and the errors they raised (a thread's error belongs to the test)."""
    from django.db import connections

    start, results, errors = threading.Barrier(threads), [], []

    def run():
        try:
            start.wait()
            results.append(call())
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=timeout)
    return results, errors
