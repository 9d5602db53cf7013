"""Channels reuse one HTTP session per worker thread, and nothing of one account rides along with another's."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from publishing.channels.base import thread_session
from publishing.channels.facebook import FacebookChannel
from publishing.channels.x import XChannel


@pytest.fixture
def cookie_server():
    seen = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            seen.append(self.headers.get("Cookie"))
            body = b"{}"
            self.send_response(200)
            self.send_header("Set-Cookie", "session=account-a; Path=/")
            self.send_header("x-rate-limit-remaining", "7")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()


def test_a_thread_reuses_its_session_and_threads_do_not_share_one():
    first = XChannel(user_id="1", access_token="a").session
    assert XChannel(user_id="2", access_token="b").session is first
    assert FacebookChannel(page_id="3", access_token="c").session is not first  # other settings, other session
    others = []
    thread = threading.Thread(target=lambda: others.append(XChannel(user_id="1", access_token="a").session))
    thread.start()
    thread.join()
    assert others[0] is not first


def test_the_shared_session_keeps_no_cookies(cookie_server):
    url, seen = cookie_server
    session = thread_session(timeout=5)
    session.get(f"{url}/one")
    session.get(f"{url}/two")
    assert seen == [None, None]
    assert len(session.cookies) == 0


def test_a_failed_call_leaves_no_usage_of_the_previous_one(cookie_server):
    url, _seen = cookie_server
    session = thread_session(timeout=5)
    session.get(f"{url}/one")
    assert session.last_headers["x-rate-limit-remaining"] == "7"
    with pytest.raises(requests.ConnectionError):
        session.get("http://127.0.0.1:9/unreachable")
    assert session.last_headers == {}


def test_the_environment_proxies_are_read_once_per_host_and_still_honoured(monkeypatch):
    from publishing.channels.base import ApiSession

    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.ministry.example:3128")
    monkeypatch.setenv("NO_PROXY", "sandbox.internal")
    reads = []
    original = requests.sessions.get_environ_proxies
    monkeypatch.setattr(
        requests.sessions, "get_environ_proxies", lambda *a, **k: reads.append(a[0]) or original(*a, **k)
    )
    session = ApiSession(timeout=5)

    for _ in range(3):
        merged = session.merge_environment_settings("https://graph.facebook.com/v25.0/me?x=1", {}, None, None, None)
        assert merged["proxies"]["https"] == "http://proxy.ministry.example:3128"
        merged["proxies"]["https"] = "changed by a caller"  # a caller's change stays its own
    bypassed = session.merge_environment_settings("https://sandbox.internal/2/tweets", {}, None, None, None)
    assert "https" not in bypassed["proxies"]
    assert len(reads) == 2  # one per host

    # A call that names its own proxies is merged afresh, as requests does.
    own = session.merge_environment_settings(
        "https://graph.facebook.com/", {"https": "http://other:1"}, None, None, None
    )
    assert own["proxies"]["https"] == "http://other:1"
