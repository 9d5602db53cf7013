"""The Graph API as Chancery uses it: login, Pages, posting, reading, insights, batch, errors and usage headers."""

import html
import json
import re
import secrets
import time
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlencode, urlsplit

from . import audience
from .conversations import Conversations
from .http import Drop, HttpError, Request, Response
from .store import FB_USER_ID, Store

VERSION_RE = re.compile(r"^/(v\d+\.\d+)(/.*)?$")
MAX_MESSAGE = 63206
MAX_BATCH = 50
USER_TOKEN_TTL = 2 * 3600
LONG_LIVED_TTL = 60 * 24 * 3600
CURRENT_METRICS = {"post_media_view", "post_total_media_view_unique", "post_clicks", "post_reactions_by_type_total"}
INSIGHTS_EXPANSION = re.compile(r"^insights\.metric\(([^)]*)\)$")
METRIC_TITLES = {
    "post_media_view": ("Media views", "The number of times your post was on screen."),
    "post_total_media_view_unique": ("Media viewers", "The number of people who saw your post."),
    "post_clicks": ("Post clicks", "The number of times people clicked on anywhere in your post."),
    "post_reactions_by_type_total": ("Reactions by type", "Total reactions on the post by type."),
}


def error(code: int, message: str, *, subcode: int | None = None, status: int = 400, kind: str = "OAuthException"):
    body = {"message": message, "type": kind, "code": code, "fbtrace_id": secrets.token_urlsafe(9)}
    if subcode is not None:
        body["error_subcode"] = subcode
    return HttpError(Response.json(status, {"error": body}))


def audience_likes(comment_id: str) -> int:
    return int(comment_id[-2:]) % 7 if comment_id[-2:].isdigit() else 0


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


class GraphApi:
    def __init__(
        self, store: Store, faults, conversations: Conversations, *, page_calls_per_hour: int, app_calls_per_hour: int
    ):
        self.store = store
        self.conversations = conversations
        self.faults = faults
        self.page_calls_per_hour = page_calls_per_hour
        self.app_calls_per_hour = app_calls_per_hour

    def handles(self, path: str) -> bool:
        return bool(VERSION_RE.match(path))

    # Entry point ------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        version, rest = VERSION_RE.match(request.path).groups()
        rest = (rest or "/").rstrip("/") or "/"
        headers = {"facebook-api-version": version}
        if rest == "/dialog/oauth":
            return self.login_dialog(request)
        try:
            response = self.route(request, version, rest, headers)
        except HttpError as failure:
            response = failure.response
        response.headers.update(headers)
        return response

    def route(self, request: Request, version: str, rest: str, headers: dict) -> Response:
        if rest == "/oauth/access_token":
            return self.access_token(request)
        if rest == "/debug_token":
            return self.debug_token(request)
        if rest == "/" and request.method == "POST" and "batch" in request.form:
            return self.batch(request, version, headers)

        token = self.token_of(request)
        account_id = token.account_id if token.kind == "fb_page" else None
        self.count_usage(token, headers)
        fault = self.faults.draw(account_id, writing=request.method in {"POST", "DELETE"})
        time.sleep(self.faults.latency(account_id))
        if fault == "malformed":
            return Response(200, b"<html><body>502 Bad Gateway</body></html>", {"Content-Type": "application/json"})
        if fault == "transient":
            raise error(2, "An unexpected error has occurred. Please retry your request later.", status=500)
        if fault == "rate_limit":
            raise error(
                80001,
                "(#80001) There have been too many calls to this Page account. Wait a bit and try again.",
                status=400,
            )
        if fault == "auth":
            raise error(190, "Error validating access token: Session has expired.", subcode=463)
        if fault == "reject":
            raise error(368, "(#368) The action attempted has been deemed abusive or is otherwise disallowed")

        parts = [p for p in rest.split("/") if p]
        node = parts[0]
        edge = parts[1] if len(parts) > 1 else ""
        if node == "me":
            node = token.account_id or FB_USER_ID
        if node == FB_USER_ID and edge == "accounts":
            return self.my_pages(request, token)
        if node == FB_USER_ID and not edge:
            return Response.json(200, {"id": FB_USER_ID, "name": "Sandbox Admin"})
        if "_" in node and (comment := self.conversations.comment(node)) is not None:
            return self.comment_node(request, token, comment, edge, drop=fault == "commit_then_drop")
        if "_" in node:
            return self.post_node(request, token, node, edge, drop=fault == "commit_then_drop")
        page = self.store.account(node)
        if not page or page.network != "facebook":
            raise error(
                100,
                f"(#100) Unsupported get request. Object with ID '{node}' does not exist, cannot be loaded "
                "due to missing permissions, or does not support this operation",
                kind="GraphMethodException",
            )
        if edge in {"feed", "photos"} and request.method == "POST":
            return self.publish(request, token, page.id, edge, drop=fault == "commit_then_drop")
        if edge in {"posts", "feed", "published_posts"} and request.method == "GET":
            return self.list_posts(request, page.id, version)
        if not edge and request.method == "GET":
            return Response.json(200, {"id": page.id, "name": page.name, "followers_count": page.followers})
        raise error(100, "(#100) Unknown path components", kind="OAuthException")

    # Tokens -----------------------------------------------------------------------------------
    def token_of(self, request: Request):
        raw = request.param("access_token") or request.bearer()
        if not raw:
            raise error(104, "An access token is required to request this resource.")
        token = self.store.token(raw)
        if token is None or token.kind not in {"fb_page", "fb_user"}:
            raise error(190, "Invalid OAuth access token - Cannot parse access token")
        if token.revoked:
            raise error(
                190,
                "Error validating access token: The session has been invalidated because the user changed "
                "their password or Facebook has changed the session for security reasons.",
                subcode=460,
            )
        if token.expires_at is not None and token.expires_at <= self.store.now():
            raise error(
                190, f"Error validating access token: Session has expired on {iso(token.expires_at)}.", subcode=463
            )
        return token

    def count_usage(self, token, headers: dict) -> None:
        app_count, _, app_ok = self.store.window_hit("fb:app", limit=self.app_calls_per_hour, seconds=3600)
        headers["X-App-Usage"] = json.dumps(
            {"call_count": min(100, app_count * 100 // self.app_calls_per_hour), "total_time": 1, "total_cputime": 1}
        )
        if not app_ok:
            raise error(4, "(#4) Application request limit reached")
        if token.kind != "fb_page":
            return
        count, reset, ok = self.store.window_hit(
            f"fb:page:{token.account_id}", limit=self.page_calls_per_hour, seconds=3600
        )
        percent = min(100, count * 100 // self.page_calls_per_hour)
        headers["X-Business-Use-Case-Usage"] = json.dumps(
            {
                token.account_id: [
                    {
                        "type": "pages",
                        "call_count": percent,
                        "total_cputime": max(1, percent // 2),
                        "total_time": max(1, percent // 2),
                        "estimated_time_to_regain_access": 0 if ok else max(1, int((reset - self.store.now()) // 60)),
                    }
                ]
            }
        )
        if not ok:
            raise error(
                80001, "(#80001) There have been too many calls to this Page account. Wait a bit and try again."
            )

    def access_token(self, request: Request) -> Response:
        if not request.param("client_id") or not request.param("client_secret"):
            raise error(101, "Error validating application. Invalid application ID.")
        if request.param("grant_type") == "fb_exchange_token":
            short = self.store.token_valid(request.param("fb_exchange_token"), "fb_user")
            if not short:
                raise error(190, "Invalid OAuth access token - Cannot parse access token")
            token = self.store.token_issue(kind="fb_user", account_id=None, ttl=LONG_LIVED_TTL, scopes=short.scopes)
            return Response.json(
                200, {"access_token": token.token, "token_type": "bearer", "expires_in": LONG_LIVED_TTL}
            )
        code = self.store.code_spend(request.param("code"), "facebook")
        if not code:
            raise error(100, "Invalid verification code format.", subcode=36007)
        if code["redirect_uri"] != request.param("redirect_uri"):
            raise error(
                100,
                "Error validating verification code. Please make sure your redirect_uri is identical "
                "to the one you used in the OAuth dialog request",
                subcode=36008,
            )
        token = self.store.token_issue(kind="fb_user", account_id=None, ttl=USER_TOKEN_TTL, scopes=code["scopes"])
        return Response.json(200, {"access_token": token.token, "token_type": "bearer", "expires_in": USER_TOKEN_TTL})

    def my_pages(self, request: Request, token) -> Response:
        long_lived = token.expires_at is None or token.expires_at - self.store.now() > USER_TOKEN_TTL
        data = []
        for page in self.store.accounts("facebook"):
            # A Page token carries the permissions the person granted the app.
            existing = [
                t
                for t in self.store.tokens_of(page.id, "fb_page")
                if (t.expires_at is None or not long_lived) and t.scopes == token.scopes
            ]
            page_token = (
                existing[-1]
                if existing
                else self.store.token_issue(
                    kind="fb_page",
                    account_id=page.id,
                    ttl=None if long_lived else USER_TOKEN_TTL,
                    scopes=token.scopes,
                )
            )
            data.append(
                {
                    "id": page.id,
                    "name": page.name,
                    "access_token": page_token.token,
                    "category": "Government Organization",
                    "tasks": ["ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MESSAGING", "MODERATE", "MANAGE"],
                }
            )
        return Response.json(200, {"data": data, "paging": {"cursors": {"before": "MA==", "after": "MA=="}}})

    def debug_token(self, request: Request) -> Response:
        app = request.param("access_token")
        if "|" not in app:
            raise error(190, "Invalid OAuth access token - Cannot parse access token")
        token = self.store.token(request.param("input_token"))
        if token is None or token.kind not in {"fb_page", "fb_user"}:
            return Response.json(
                200,
                {
                    "data": {
                        "is_valid": False,
                        "error": {"code": 190, "message": "Invalid OAuth access token - Cannot parse access token"},
                    }
                },
            )
        now = self.store.now()
        valid = not token.revoked and (token.expires_at is None or token.expires_at > now)
        data = {
            "app_id": app.split("|", 1)[0],
            "type": "PAGE" if token.kind == "fb_page" else "USER",
            "application": "Chancery",
            "is_valid": valid,
            "expires_at": int(token.expires_at) if token.expires_at else 0,
            "data_access_expires_at": int(now + 90 * 86400),
            "scopes": [s for s in token.scopes.split(",") if s],
            "user_id": FB_USER_ID,
        }
        if token.kind == "fb_page":
            data["profile_id"] = token.account_id
        if not valid:
            data["error"] = {
                "code": 190,
                "subcode": 460 if token.revoked else 463,
                "message": "Error validating access token",
            }
        return Response.json(200, {"data": data})

    def login_dialog(self, request: Request) -> Response:
        redirect_uri = request.param("redirect_uri")
        if not redirect_uri or not request.param("client_id"):
            return Response.html(400, "<h1>Sandbox Facebook</h1><p>client_id and redirect_uri are required.</p>")
        if request.method == "POST":
            code = self.store.code_issue(
                network="facebook", account_id=FB_USER_ID, redirect_uri=redirect_uri, scopes=request.param("scope")
            )
            separator = "&" if urlsplit(redirect_uri).query else "?"
            return Response.redirect(
                f"{redirect_uri}{separator}{urlencode({'code': code, 'state': request.param('state')})}"
            )
        fields = "".join(
            f'<input type="hidden" name="{name}" value="{html.escape(request.param(name))}">'
            for name in ("client_id", "redirect_uri", "state", "scope")
        )
        scopes = html.escape(request.param("scope").replace(",", ", ")) or "public_profile"
        pages = "".join(f"<li>{html.escape(p.name)}</li>" for p in self.store.accounts("facebook")[:20])
        return Response.html(
            200,
            f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Log in with Facebook (sandbox)</title></head><body>
<main><h1>Sandbox Facebook</h1><p>Continue as <strong>Sandbox Admin</strong> and allow the app to: {scopes}.</p>
<p>Pages you manage:</p><ul>{pages}</ul>
<form method="post">{fields}<button type="submit">Continue as Sandbox Admin</button></form></main></body></html>""",
        )

    # Posts ------------------------------------------------------------------------------------
    def publish(self, request: Request, token, page_id: str, edge: str, *, drop: bool) -> Response:
        if token.kind != "fb_page" or token.account_id != page_id:
            raise error(
                200,
                "(#200) If posting to a page, requires both pages_read_engagement and "
                "pages_manage_posts as an admin with sufficient administrative permission",
            )
        message = request.param("message") or request.param("caption")
        link = request.param("link")
        if edge == "feed" and not message and not link:
            raise error(100, "(#100) Missing message or attachment")
        if edge == "photos" and not (request.param("url") or request.files.get("source")):
            raise error(324, "(#324) Requires upload file")
        if len(message) > MAX_MESSAGE:
            raise error(100, "(#100) Param message must be at most 63206 characters long")
        created_at = None
        if request.param("published", "true").lower() == "false":
            scheduled = request.param("scheduled_publish_time")
            now = self.store.now()
            if not scheduled.isdigit() or not now + 600 <= int(scheduled) <= now + 30 * 86400:
                raise error(100, "(#100) The specified scheduled publish time is invalid.")
            created_at = float(scheduled)
        if message and self.store.post_duplicate(page_id, message, self.store.now() - 86400, link=link or ""):
            raise error(506, "(#506) Duplicate status message")
        post = self.store.post_create(
            account_id=page_id,
            network="facebook",
            text=message,
            link=link,
            media="photo" if edge == "photos" else "",
        )
        if created_at:
            with self.store.tx() as db:
                db.execute("UPDATE posts SET created_at = ? WHERE id = ?", (created_at, post.id))
        if drop:
            raise Drop()
        if edge == "photos":
            return Response.json(200, {"id": post.id.split("_", 1)[1], "post_id": post.id})
        return Response.json(200, {"id": post.id})

    def post_node(self, request: Request, token, post_id: str, edge: str, *, drop: bool) -> Response:
        post = self.store.post(post_id)
        if post is None or post.deleted:
            raise error(
                100,
                f"(#100) Unsupported get request. Object with ID '{post_id}' does not exist",
                kind="GraphMethodException",
            )
        if token.kind != "fb_page" or token.account_id != post.account_id:
            raise error(10, "(#10) This endpoint requires the 'pages_read_engagement' permission")
        if request.method == "DELETE" and not edge:
            self.store.post_delete(post_id)
            if drop:
                raise Drop()
            return Response.json(200, {"success": True})
        account = self.store.account(post.account_id)
        figures = audience.figures(post, account, self.store.now(), replies_factor=self.store.replies_factor(post.id))
        if edge == "insights":
            return Response.json(200, self.insights(post, figures, request.param("metric")))
        if edge == "comments":
            return self.comments_edge(request, token, post, parent_id="", drop=drop)
        if edge:
            raise error(100, "(#100) Unknown path components")
        fields = [f for f in re.split(r",(?![^(]*\))", request.param("fields", "id")) if f]
        data: dict = {"id": post.id}
        for name in fields:
            base = name.split(".", 1)[0]
            if expansion := INSIGHTS_EXPANSION.match(name):
                data["insights"] = self.insights(post, figures, expansion.group(1))
            elif base == "message":
                data["message"] = post.text
            elif base == "created_time":
                data["created_time"] = iso(post.created_at)
            elif base == "permalink_url":
                data["permalink_url"] = self.permalink(post)
            elif base == "attachments" and post.link:
                data["attachments"] = self.attachments(post)
            elif base == "shares" and figures["shares"]:
                data["shares"] = {"count": figures["shares"]}
            elif base in {"comments", "reactions"}:
                total = (
                    figures["comments"] if base == "comments" else figures["likes"] + figures["loves"] + figures["wows"]
                )
                data[base] = {"data": [], "summary": {"total_count": total}}
        return Response.json(200, data)

    def insights(self, post, figures: dict, names: str) -> dict:
        """A post's lifetime insights; one name the Graph does not know (or has retired) fails the whole call."""
        metrics = [m for m in names.split(",") if m]
        retired = set(self.store.setting("retired_metrics", []))
        if not metrics or any(m not in CURRENT_METRICS or m in retired for m in metrics):
            raise error(100, "(#100) The value must be a valid insights metric")
        values = {
            "post_media_view": figures["views"],
            "post_total_media_view_unique": figures["reach"],
            "post_clicks": figures["clicks"],
            "post_reactions_by_type_total": {
                k: v for k, v in (("like", figures["likes"]), ("love", figures["loves"]), ("wow", figures["wows"])) if v
            },
        }
        data = [
            {
                "name": m,
                "period": "lifetime",
                "values": [{"value": values[m]}],
                "title": METRIC_TITLES[m][0],
                "description": METRIC_TITLES[m][1],
                "id": f"{post.id}/insights/{m}/lifetime",
            }
            for m in metrics
        ]
        return {"data": data, "paging": {"previous": "", "next": ""}}

    def attachments(self, post) -> dict:
        """A link post's card, as the Graph gives it: the link behind Facebook's redirect, and unshimmed."""
        shim = f"https://l.facebook.com/l.php?{urlencode({'u': post.link, 'h': 'AT0sandbox'})}"
        return {
            "data": [
                {
                    "type": "share",
                    "media_type": "link",
                    "url": shim,
                    "unshimmed_url": post.link,
                    "target": {"url": shim},
                }
            ]
        }

    def permalink(self, post) -> str:
        page_id, story_id = post.id.split("_", 1)
        return f"https://www.facebook.com/{page_id}/posts/{story_id}"

    def list_posts(self, request: Request, page_id: str, version: str) -> Response:
        limit = max(1, min(100, int(request.param("limit", "25") or 25)))
        offset = int(request.param("after", "0") or 0)
        now = self.store.now()
        posts = [p for p in self.store.posts(page_id) if p.created_at <= now]
        window = posts[offset : offset + limit]
        fields = request.param("fields", "id,message,created_time")
        data = []
        for post in window:
            row = {"id": post.id, "created_time": iso(post.created_at)}
            if "message" in fields and post.text:
                row["message"] = post.text
            if "permalink_url" in fields:
                row["permalink_url"] = self.permalink(post)
            if "attachments" in fields and post.link:
                row["attachments"] = self.attachments(post)
            data.append(row)
        paging: dict = {"cursors": {"before": str(offset), "after": str(offset + len(window))}}
        if offset + limit < len(posts):
            query = urlencode(
                {
                    "access_token": request.param("access_token"),
                    "fields": fields,
                    "limit": limit,
                    "after": offset + limit,
                }
            )
            paging["next"] = f"{request.base_url}{version}/{page_id}/posts?{query}"
        return Response.json(200, {"data": data, "paging": paging})

    # Comments ---------------------------------------------------------------------------------
    def comment_view(self, comment, fields: set[str], post) -> dict:
        row: dict = {"id": comment.id}
        if "message" in fields:
            row["message"] = comment.text
        if "created_time" in fields:
            row["created_time"] = iso(comment.created_at)
        if "from" in fields:
            row["from"] = {"id": comment.author_id, "name": comment.author_name}
        if "parent" in fields and comment.parent_id:
            row["parent"] = {"id": comment.parent_id}
        if "is_hidden" in fields:
            row["is_hidden"] = comment.hidden
        if "like_count" in fields:
            row["like_count"] = audience_likes(comment.id)
        if "permalink_url" in fields:
            row["permalink_url"] = f"{self.permalink(post)}?comment_id={comment.id.split('_')[-1]}"
        return row

    def engagement_required(self, token, post, scope: str) -> None:
        if token.kind != "fb_page" or token.account_id != post.account_id:
            raise error(10, "(#10) This endpoint requires the 'pages_read_engagement' permission")
        if scope not in token.scopes.split(","):
            raise error(10, f"(#10) This endpoint requires the '{scope}' permission")

    def comments_edge(self, request: Request, token, post, *, parent_id: str, drop: bool) -> Response:
        """`GET /{post-or-comment}/comments` (toplevel or stream, chronological or reverse, since, cursor paging)
        and `POST` (the Page answers)."""
        if request.method == "POST":
            self.engagement_required(token, post, "pages_manage_engagement")
            message = request.param("message")
            if not message:
                raise error(100, "(#100) Missing message or attachment")
            if len(message) > 8000:
                raise error(100, "(#100) Param message must be at most 8000 characters long")
            page = self.store.account(post.account_id)
            made = self.conversations.add(
                post=post,
                text=message,
                author_id=page.id,
                author_name=page.name,
                author_handle=page.username,
                parent_id=parent_id,
            )
            if drop:
                raise Drop()
            return Response.json(200, {"id": made.id})
        self.engagement_required(token, post, "pages_read_user_content")
        now = self.store.now()
        everything = [c for c in self.conversations.of_post(post, now=now) if not c.deleted]
        if parent_id:
            found = [c for c in everything if c.parent_id == parent_id]
        elif request.param("filter", "toplevel") == "stream":
            found = everything
        else:
            found = [c for c in everything if not c.parent_id]
        since = request.param("since")
        if since:
            if not since.isdigit():
                raise error(100, "(#100) The parameter since must be a unix time")
            found = [c for c in found if c.created_at >= int(since)]
        if request.param("order", "chronological") == "reverse_chronological":
            found.reverse()
        limit = max(1, min(100, int(request.param("limit", "25") or 25)))
        offset = int(request.param("after", "0") or 0) if request.param("after", "0").isdigit() else 0
        window = found[offset : offset + limit]
        fields = set(request.param("fields", "id,message,created_time,from").split(","))
        data = [self.comment_view(c, fields, post) for c in window]
        paging: dict = {}
        if window:
            paging["cursors"] = {"before": str(offset), "after": str(offset + len(window))}
        if offset + limit < len(found):
            query = {k: v for k, v in {**request.query, **request.form}.items() if k != "after"}
            query["after"] = str(offset + limit)
            node = parent_id or post.id
            paging["next"] = f"{request.base_url}{request.path.split('/')[1]}/{node}/comments?{urlencode(query)}"
        body: dict = {"data": data, "paging": paging} if paging else {"data": data}
        if request.param("summary") == "true":
            body["summary"] = {"order": request.param("order", "chronological"), "total_count": len(found)}
        return Response.json(200, body)

    def comment_node(self, request: Request, token, comment, edge: str, *, drop: bool) -> Response:
        post = self.store.post(comment.post_id)
        if comment.deleted or post is None or post.deleted:
            raise error(
                100,
                f"(#100) Unsupported get request. Object with ID '{comment.id}' does not exist",
                kind="GraphMethodException",
            )
        if edge == "comments":
            return self.comments_edge(request, token, post, parent_id=comment.id, drop=drop)
        if edge:
            raise error(100, "(#100) Unknown path components")
        if request.method == "DELETE":
            raise error(200, "(#200) Permissions error")  # Chancery never deletes another person's comment
        if request.method == "POST":
            self.engagement_required(token, post, "pages_manage_engagement")
            wanted = request.param("is_hidden").lower()
            if wanted not in {"true", "false"}:
                raise error(100, "(#100) Param is_hidden must be a boolean")
            self.conversations.change(comment.id, hidden=wanted == "true")
            if drop:
                raise Drop()
            return Response.json(200, {"success": True})
        self.engagement_required(token, post, "pages_read_user_content")
        fields = set(request.param("fields", "id,message,created_time,from").split(","))
        return Response.json(200, self.comment_view(comment, fields, post))

    # Batch ------------------------------------------------------------------------------------
    def batch(self, request: Request, version: str, headers: dict) -> Response:
        try:
            operations = json.loads(request.form["batch"])
        except ValueError:
            raise error(100, "(#100) The parameter batch must be a JSON array") from None
        if not isinstance(operations, list) or not operations:
            raise error(100, "(#100) The parameter batch must be a JSON array")
        if len(operations) > MAX_BATCH:
            raise error(1, "(#1) Batch requests cannot contain more than 50 operations", status=400)
        results = []
        for op in operations:
            relative = op.get("relative_url", "").lstrip("/")
            url = urlsplit(relative)
            query = dict(parse_qs(url.query))
            if "access_token" not in query and request.param("access_token"):
                query["access_token"] = [request.param("access_token")]
            body = op.get("body", "")
            sub = Request.parse(
                method=op.get("method", "GET").upper(),
                path=f"/{version}/{url.path}",
                query=urlencode(query, doseq=True),
                headers={"content-type": "application/x-www-form-urlencoded"},
                body=body.encode() if isinstance(body, str) else b"",
                base_url=request.base_url,
            )
            sub_headers: dict = {}
            try:
                answer = self.route(sub, version, "/" + url.path.strip("/"), sub_headers)
            except HttpError as failure:
                answer = failure.response
            except Drop:
                answer = Response.json(500, {"error": {"message": "An unknown error occurred", "code": 1}})
            results.append(
                {
                    "code": answer.status,
                    "headers": [{"name": k, "value": v} for k, v in {**answer.headers, **sub_headers}.items()],
                    "body": answer.body.decode(),
                }
            )
            headers.update({k: v for k, v in sub_headers.items() if k.startswith("X-")})
        return Response.json(200, results)
