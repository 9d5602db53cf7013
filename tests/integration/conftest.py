"""A real Celery worker process over Redis, reading the same PostgreSQL test database as the tests."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

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
def celery_worker(django_db_setup, django_db_blocker, tmp_path_factory):
    from django.db import connection

    from portal.celery import app

    db = connection.settings_dict
    database_url = f"postgresql://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    app.control.purge()
    worker = WorkerProcess(env, tmp_path_factory.mktemp("worker") / "worker.log")
    worker.start()
    yield worker
    worker.stop()


def wait_until(predicate, *, timeout: float = 30, interval: float = 0.2, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := predicate():
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {message}")
