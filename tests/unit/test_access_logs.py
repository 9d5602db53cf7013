"""No secret in any log: an OAuth callback's code and state reach neither gunicorn's nor runserver's access log."""

import io
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.sandbox import free_port

ROOT = Path(__file__).resolve().parents[2]
CALLBACK = "/admin/embassies/connect/x/callback/?state=St4teS3cret&code=AuthC0deS3cret"


def test_gunicorns_access_log_names_the_path_without_the_callbacks_code_and_state(tmp_path):
    port, log = free_port(), tmp_path / "access.log"
    env = {**os.environ, "DEBUG": "1", "CHANCERY_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "portal.settings"}
    env.pop("DATABASE_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", "1", "--access-logfile", str(log)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"http://127.0.0.1:{port}{CALLBACK}", allow_redirects=False, timeout=5)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(timeout=10)
    written = log.read_text()
    assert "/admin/embassies/connect/x/callback/" in written
    assert "St4teS3cret" not in written and "AuthC0deS3cret" not in written


def test_runservers_access_log_hides_the_callbacks_code_and_state():
    logger = logging.getLogger("django.server")
    handler = next(h for h in logger.handlers if isinstance(h, logging.StreamHandler))
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        logger.info('"%s" %s %s', f"GET {CALLBACK} HTTP/1.1", 302, 0)
    finally:
        handler.setStream(previous)
    written = stream.getvalue()
    assert "/admin/embassies/connect/x/callback/?state=[redacted]&code=[redacted]" in written
    assert "St4teS3cret" not in written and "AuthC0deS3cret" not in written
