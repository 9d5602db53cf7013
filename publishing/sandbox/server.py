"""The sandbox's HTTP server: routes to the Graph API, the X API, fixtures, fault knobs and an HTML view."""

import contextlib
import html
import json
import logging
import socket
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from .conversations import Conversations
from .faults import FaultPlan, Faults
from .graph import GraphApi
from .http import Drop, Request, Response
from .store import Store
from .xapi import XApi

log = logging.getLogger("publishing.sandbox")
X_SCOPES = "tweet.read tweet.write users.read offline.access media.write tweet.moderate.write"
FB_PAGE_SCOPES = (
    "pages_manage_posts,pages_read_engagement,read_insights,pages_read_user_content,pages_manage_engagement"
)
# What an account connected before listening holds: it posts, and cannot read comments.
X_POSTING_SCOPES = "tweet.read tweet.write users.read offline.access media.write"
FB_POSTING_SCOPES = "pages_manage_posts,pages_read_engagement,read_insights"


class Sandbox:
    """Everything behind the port: state, faults and the two APIs."""

    def __init__(self, state_path: str | Path, *, page_calls_per_hour: int = 4800, app_calls_per_hour: int = 200_000):
        self.store = Store(state_path)
        self.faults = Faults(self.store)
        self.conversations = Conversations(self.store)
        self.graph = GraphApi(
            self.store,
            self.faults,
            self.conversations,
            page_calls_per_hour=page_calls_per_hour,
            app_calls_per_hour=app_calls_per_hour,
        )
        self.x = XApi(self.store, self.faults, self.conversations)
        self.calls: Counter = Counter()  # API requests by network, method and first path segment
        self._calls_lock = threading.Lock()

    def count(self, network: str, request: Request) -> None:
        parts = [p for p in request.path.split("/") if p]
        kind = "batch" if network == "graph" and request.method == "POST" and "batch" in request.form else ""
        key = f"{network} {request.method} {kind or '/'.join(parts[1:2] if network == 'graph' else parts[:2])}"
        with self._calls_lock:
            self.calls[key] += 1
            self.calls[network] += 1

    def handle(self, request: Request) -> Response:
        if request.path.startswith("/_sandbox"):
            return self.admin(request)
        if self.graph.handles(request.path):
            self.count("graph", request)
            return self.graph.handle(request)
        if self.x.handles(request.path):
            self.count("x", request)
            return self.x.handle(request)
        return Response.json(404, {"error": {"message": f"Unknown path {request.path}", "code": 803}})

    # Fixtures and knobs -----------------------------------------------------------------------
    def account_view(self, account) -> dict:
        kind = "fb_page" if account.network == "facebook" else "x_access"
        tokens = self.store.tokens_of(account.id, kind)
        now = self.store.now()
        live = [t for t in tokens if t.expires_at is None or t.expires_at > now]
        view = {
            "id": account.id,
            "network": account.network,
            "name": account.name,
            "username": account.username,
            "followers": account.followers,
            "utc_offset_hours": account.utc_offset_hours,
            "access_token": live[-1].token if live else None,
            "scopes": live[-1].scopes if live else "",
        }
        if account.network == "x":
            refresh = self.store.tokens_of(account.id, "x_refresh")
            view["refresh_token"] = refresh[-1].token if refresh else None
            view["expires_in"] = int(live[-1].expires_at - now) if live else 0
        return view

    def account_create(self, data: dict) -> dict:
        network = data.get("network")
        name = str(data.get("name", "")).strip()
        if network not in {"facebook", "x"} or not name:
            raise ValueError('"network" must be "facebook" or "x", and "name" is required')
        username = str(data.get("username") or "".join(c for c in name.lower() if c.isalnum())[:15] or "account")
        account = self.store.account_create(
            network=network,
            name=name,
            username=username,
            followers=int(data.get("followers", 5000)),
            utc_offset_hours=int(data.get("utc_offset_hours", 0)),
        )
        listening = data.get("listening", True)  # false: connected before listening, with posting scopes only
        if network == "facebook":
            scopes = FB_PAGE_SCOPES if listening else FB_POSTING_SCOPES
            self.store.token_issue(kind="fb_page", account_id=account.id, ttl=None, scopes=scopes)
        else:
            scopes = X_SCOPES if listening else X_POSTING_SCOPES
            self.store.token_issue(kind="x_access", account_id=account.id, ttl=2 * 3600, scopes=scopes)
            self.store.token_issue(kind="x_refresh", account_id=account.id, ttl=None, scopes=scopes)
        return self.account_view(account)

    def admin(self, request: Request) -> Response:
        parts = [p for p in request.path.split("/") if p][1:]
        method = request.method
        try:
            data = request.json if isinstance(request.json, dict) else {}
            if not parts and method == "GET":
                return Response.html(200, self.page_index())
            if parts == ["accounts"] and method == "POST":
                return Response.json(201, self.account_create(data))
            if parts == ["accounts"] and method == "GET":
                network = request.query.get("network")
                return Response.json(200, {"data": [self.account_view(a) for a in self.store.accounts(network)]})
            if len(parts) >= 2 and parts[0] == "accounts":
                account = self.store.account(parts[1])
                if account is None:
                    return Response.json(404, {"error": "no such account"})
                if len(parts) == 2:
                    return Response.html(200, self.page_account(account))
                if parts[2] == "posts":
                    posts = self.store.posts(account.id, include_deleted=True)
                    return Response.json(200, {"data": [p.__dict__ for p in posts]})
                if parts[2] == "revoke" and method == "POST":
                    return Response.json(200, {"revoked": self.store.tokens_revoke(account_id=account.id)})
            if len(parts) == 3 and parts[0] == "posts" and parts[2] == "replies" and method == "POST":
                # The audience answers this post with `factor` times its usual replies.
                if self.store.post(parts[1]) is None:
                    return Response.json(404, {"error": "no such post"})
                factor = float(data.get("factor", 1))
                if not 0 <= factor <= 1000:
                    raise ValueError('"factor" must be between 0 and 1000')
                self.store.setting_set(f"replies:{parts[1]}", factor)
                return Response.json(200, {"post": parts[1], "factor": factor})
            if len(parts) == 3 and parts[0] == "posts" and parts[2] == "comments":
                post = self.store.post(parts[1])
                if post is None:
                    return Response.json(404, {"error": "no such post"})
                if method == "GET":
                    found = self.conversations.of_post(post, now=self.store.now())
                    return Response.json(200, {"data": [c.__dict__ for c in found]})
                if method == "POST":
                    # A person (or an official account) comments on the post, or replies to a comment in it.
                    text, name = str(data.get("text", "")), str(data.get("author_name", "Someone"))
                    if not text:
                        raise ValueError('"text" is required')
                    handle = str(data.get("author_handle") or "".join(c for c in name.lower() if c.isalnum()))
                    made = self.conversations.add(
                        post=post,
                        text=text,
                        author_id=str(data.get("author_id") or f"8{abs(hash(handle)) % 10**14:014d}"),
                        author_name=name,
                        author_handle=handle,
                        parent_id=str(data.get("parent_id", "")),
                        lang=str(data.get("lang", "")),
                    )
                    return Response.json(201, made.__dict__)
            if len(parts) == 2 and parts[0] == "comments" and method == "POST":
                # Its author edits or deletes it ({"text": …} / {"deleted": true}), or the Page hides it.
                changed = self.conversations.change(
                    parts[1], **{k: data[k] for k in ("text", "deleted", "hidden") if k in data}
                )
                if changed is None:
                    return Response.json(404, {"error": "no such comment, or nothing to change"})
                return Response.json(200, changed.__dict__)
            if parts == ["webhooks"] and method == "POST":
                # Subscribe a callback to the Pages' feed, as an app's webhook settings do: verified, then signed.
                subscribed = self.conversations.webhook_subscribe(
                    callback_url=str(data.get("callback_url", "")),
                    verify_token=str(data.get("verify_token", "")),
                    app_secret=str(data.get("app_secret", "")),
                )
                return Response.json(200 if subscribed else 400, {"subscribed": subscribed})
            if parts == ["usage"] and method == "GET":
                # What X billed for reading: every post a search returned.
                return Response.json(200, {"x_post_reads": self.store.setting("x_post_reads", 0)})
            if parts == ["metrics", "retired"] and method == "GET":
                return Response.json(200, {"retired": self.store.setting("retired_metrics", [])})
            if parts == ["metrics", "retired"] and method == "POST":
                # Retire Graph insights metrics: any call naming one fails with #100, as the Graph does.
                names = data.get("names")
                if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                    raise ValueError('"names" must be a list of metric names')
                self.store.setting_set("retired_metrics", sorted(set(names)))
                return Response.json(200, {"retired": sorted(set(names))})
            if parts == ["calls"] and method == "GET":
                # How many API requests arrived since the last reset: {"graph": n, "x": n, "<network> <method>
                # <path kind>": n}; a batch counts once, as the networks count requests.
                with self._calls_lock:
                    return Response.json(200, dict(self.calls))
            if parts == ["calls"] and method == "DELETE":
                with self._calls_lock:
                    self.calls.clear()
                return Response.json(200, {})
            if parts == ["faults"] and method == "GET":
                return Response.json(200, self.faults.all())
            if parts == ["faults"] and method == "POST":
                scope = str(data.get("scope", "*"))
                self.faults.set(scope, FaultPlan.parse(data))
                return Response.json(200, {scope: self.faults.plan(scope).as_dict()})
            if parts == ["faults"] and method == "DELETE":
                self.faults.clear()
                return Response.json(200, {})
            if parts == ["clock"] and method == "POST":
                # {"advance_seconds": n} moves the clock; {"freeze": true} stops it where it is (figures then
                # read the same however long a test takes between two reads), {"freeze": false} lets it run.
                if "freeze" in data:
                    frozen = self.store.setting("clock_frozen_at")
                    if data["freeze"] and frozen is None:
                        self.store.setting_set("clock_frozen_at", time.time())
                    elif not data["freeze"] and frozen is not None:
                        offset = float(self.store.setting("clock_offset", 0)) - (time.time() - float(frozen))
                        self.store.setting_set("clock_offset", offset)
                        self.store.setting_set("clock_frozen_at", None)
                offset = float(self.store.setting("clock_offset", 0)) + float(data.get("advance_seconds", 0))
                self.store.setting_set("clock_offset", offset)
                return Response.json(200, {"offset_seconds": offset, "now": self.store.now()})
            if parts == ["reset"] and method == "POST":
                self.store.reset()
                return Response.json(200, {"reset": True})
        except (ValueError, TypeError) as problem:
            return Response.json(400, {"error": str(problem)})
        return Response.json(404, {"error": f"unknown sandbox endpoint {method} {request.path}"})

    # HTML view --------------------------------------------------------------------------------
    def page(self, title: str, body: str) -> str:
        return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b2430}}
table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #ddd;padding:.4rem;text-align:start}}
.post{{border:1px solid #ddd;border-radius:8px;padding:.75rem 1rem;margin:.75rem 0;white-space:pre-wrap}}
.deleted{{opacity:.5;text-decoration:line-through}}small{{color:#555}}</style></head>
<body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>"""

    def page_index(self) -> str:
        rows = "".join(
            f"<tr><td>{'Facebook Page' if a.network == 'facebook' else 'X account'}</td>"
            f'<td><a href="/_sandbox/accounts/{a.id}">{html.escape(a.name)}</a></td><td>@{html.escape(a.username)}</td>'
            f"<td>{len(self.store.posts(a.id))}</td></tr>"
            for a in self.store.accounts()
        )
        return self.page(
            "Network sandbox",
            "<p>The local stand-in for Facebook and X. Every post Chancery sends lands here.</p>"
            f"<table><thead><tr><th>Network</th><th>Name</th><th>Handle</th><th>Posts</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>",
        )

    def page_account(self, account) -> str:
        posts = "".join(
            f'<article class="post{" deleted" if p.deleted else ""}" data-post-id="{p.id}">{html.escape(p.text)}'
            f"{f'<br><a href={json.dumps(p.link)}>{html.escape(p.link)}</a>' if p.link else ''}"
            f"<br><small>{datetime.fromtimestamp(p.created_at, UTC):%Y-%m-%d %H:%M} UTC · id {p.id}</small></article>"
            for p in self.store.posts(account.id, include_deleted=True)
        )
        network = "Facebook Page" if account.network == "facebook" else "X account"
        return self.page(
            f"{account.name} ({network})",
            f'<p><a href="/_sandbox/">All accounts</a> · @{html.escape(account.username)} · '
            f"{account.followers} followers</p>{posts or '<p>No posts yet.</p>'}",
        )


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ChancerySandbox/1.0"
    # Headers and body leave in two writes; with Nagle's algorithm the body of an answer on a kept-alive
    # connection would wait for the client's delayed ACK (about 40 ms), which no real API front end does.
    disable_nagle_algorithm = True
    sandbox: Sandbox

    def _serve(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        host = self.headers.get("Host") or f"{self.server.server_address[0]}:{self.server.server_address[1]}"
        try:
            request = Request.parse(
                method=self.command,
                path=url.path,
                query=url.query,
                headers=dict(self.headers.items()),
                body=body,
                base_url=f"http://{host}/",
            )
            response = self.sandbox.handle(request)
        except Drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        except ValueError as problem:
            response = Response.json(400, {"error": {"message": f"Malformed request: {problem}", "code": 100}})
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_DELETE = do_PUT = do_HEAD = _serve

    def log_message(self, format, *args):
        log.debug("%s %s", self.address_string(), format % args)


def make_server(host: str, port: int, state_path: str | Path, **options) -> ThreadingHTTPServer:
    sandbox = Sandbox(state_path, **options)
    handler = type("SandboxHandler", (Handler,), {"sandbox": sandbox})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    server.sandbox = sandbox
    return server


def serve(host: str, port: int, state_path: str | Path, **options) -> None:
    """Serve in the foreground until interrupted."""
    Path(state_path).parent.mkdir(parents=True, exist_ok=True)
    server = make_server(host, port, state_path, **options)
    log.info("serving on http://%s:%s/_sandbox/ (state: %s)", host, port, state_path)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def serve_in_thread(host: str, port: int, state_path: str | Path, **options) -> ThreadingHTTPServer:
    """Start a sandbox in a background thread (tests, load_demo); call .shutdown() to stop it."""
    server = make_server(host, port, state_path, **options)
    threading.Thread(target=server.serve_forever, name="sandbox", daemon=True).start()
    return server
