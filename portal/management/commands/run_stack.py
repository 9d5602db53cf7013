"""Starts the web server, a Celery worker, beat and the network sandbox together; Ctrl-C stops them all."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from embassies.demo.missions import STAFF
from portal.demo.site import DEMO_PASSWORD, DEMO_USERS

QUEUES = ",".join(queue.name for queue in settings.CELERY_TASK_QUEUES)


class Command(BaseCommand):
    help = "Run web, worker, beat and the sandbox in the foreground, as `make run` does."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000")
        parser.add_argument("--sandbox-port", type=int, default=int(os.environ.get("SANDBOX_PORT", "8001")))

    def processes(self, addr: str, sandbox_port: int) -> dict[str, list[str]]:
        python = sys.executable
        celery = [python, "-m", "celery", "-A", "portal"]
        return {
            "sandbox": [python, "-m", "publishing.sandbox", "--port", str(sandbox_port)],
            "web": [python, "manage.py", "runserver", addr, "--noreload"],
            "worker": celery + ["worker", "-Q", QUEUES, "--pool", "threads", "--concurrency", "8", "-l", "WARNING"],
            "beat": celery + ["beat", "-l", "WARNING", "--pidfile", str(settings.VAR_DIR / "beat.pid")],
        }

    def handle(self, *args, addr, sandbox_port, **options):
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        children: dict[str, subprocess.Popen] = {}
        for name, argv in self.processes(addr, sandbox_port).items():
            if name == "sandbox" and not _sandbox_available():
                continue
            children[name] = subprocess.Popen(argv, env=env, cwd=settings.BASE_DIR, start_new_session=True)
        self._print_banner(addr, sandbox_port if "sandbox" in children else None)

        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                for name, child in children.items():
                    if child.poll() is not None:
                        self.stderr.write(f"{name} stopped with exit code {child.returncode}; stopping the rest.")
                        stopping = True
                        break
                time.sleep(0.5)
        finally:
            for child in children.values():
                if child.poll() is None:
                    os.killpg(child.pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            for child in children.values():
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    os.killpg(child.pid, signal.SIGKILL)
            self.stdout.write("All Chancery processes stopped.")

    def _print_banner(self, addr: str, sandbox_port: int | None) -> None:
        base = f"http://{addr}"
        lines = [
            "",
            "Chancery is running. Ctrl-C stops everything.",
            f"  Portal:  {base}/en/   (Arabic, right-to-left: {base}/ar/)",
            f"  Admin:   {base}/admin/",
        ]
        if sandbox_port:
            lines.append(f"  Sandbox: http://127.0.0.1:{sandbox_port}/_sandbox/   (the local Facebook and X)")
        lines.append(f"  Demo logins (password for all: {DEMO_PASSWORD}):")
        lines += [f"    {username:<14} {group or 'administrator'}" for username, group, _ in DEMO_USERS]
        lines += [f"    {username:<14} embassy {role} ({country})" for username, country, role in STAFF]
        self.stdout.write("\n".join(lines) + "\n")


def _sandbox_available() -> bool:
    try:
        import publishing.sandbox.__main__  # noqa: F401
    except ImportError:
        return False
    return True
