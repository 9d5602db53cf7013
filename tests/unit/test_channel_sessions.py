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
