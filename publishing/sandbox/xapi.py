"""X API v2 as Chancery uses it: OAuth 2.0 with PKCE, posting, deleting, lookup, timelines, media, limits."""

import base64
import hashlib
import html
import time
from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit

from publishing.channels.textlength import max_weighted_length, urls, weighted_length

from . import audience
from .http import Drop, HttpError, Request, Response
from .store import Store

ACCESS_TTL = 2 * 3600
PROBLEM = "https://api.twitter.com/2/problems"
# (limit, seconds) per user, as X documents them
LIMITS = {
    "post": (100, 15 * 60),
    "delete": (50, 15 * 60),
    "lookup": (5000, 15 * 60),
    "timeline": (900, 15 * 60),
    "me": (75, 15 * 60),
    "media": (500, 15 * 60),
    "search": (300, 15 * 60),
    "hide": (50, 15 * 60),
}
SEARCH_WINDOW = 7 * 86400  # recent search sees the last seven days
CONVERSATION_QUERY = "conversation_id:"
APP_POSTS_PER_DAY = 10000


def problem(status: int, title: str, detail: str, kind: str = "about:blank", **extra) -> HttpError:
    return HttpError(Response.json(status, {"title": title, "detail": detail, "type": kind, "status": status, **extra}))


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


class XApi:
    def __init__(self, store: Store, faults, conversations):
        self.store = store
        self.faults = faults
        self.conversations = conversations

    def handles(self, path: str) -> bool:
        return path.startswith(("/2/", "/i/oauth2/"))

    def handle(self, request: Request) -> Response:
        try:
            return self.route(request)
        except HttpError as failure:
            return failure.response

    def route(self, request: Request) -> Response:
        path, method = request.path.rstrip("/"), request.method
        if path == "/i/oauth2/authorize":
            return self.authorize(request)
        if path == "/2/oauth2/token" and method == "POST":
            return self.token(request)
        if path == "/2/oauth2/revoke" and method == "POST":
            self.store.tokens_revoke(token=request.param("token"))
            return Response.json(200, {"revoked": True})

        user = self.user_of(request)
        writing = method in {"POST", "DELETE"}
        fault = self.faults.draw(user.id, writing=writing)
        time.sleep(self.faults.latency(user.id))
        if fault == "malformed":
            return Response(200, b"<html><body>502 Bad Gateway</body></html>", {"Content-Type": "application/json"})
        if fault == "transient":
            raise problem(503, "Service Unavailable", "Service Unavailable")
        if fault == "auth":
            raise problem(401, "Unauthorized", "Unauthorized")
        if fault == "reject" and writing:
            raise problem(403, "Forbidden", "You are not permitted to perform this action.")

        if path == "/2/tweets" and method == "POST":
            return self.create(request, user, forced_429=fault == "rate_limit", drop=fault == "commit_then_drop")
        if fault == "rate_limit":
            raise self.too_many(self.store.now() + self.faults.retry_after(user.id))
        if path.startswith("/2/tweets/") and method == "DELETE":
            return self.delete(user, path.rsplit("/", 1)[1], drop=fault == "commit_then_drop")
        if path == "/2/tweets" and method == "GET":
            return self.lookup(request, user)
        if path == "/2/tweets/search/recent" and method == "GET":
            return self.search(request, user)
        if path.startswith("/2/tweets/") and path.endswith("/hidden") and method == "PUT":
            return self.hide(request, user, path.split("/")[3])
        if path == "/2/users/me" and method == "GET":
            response = Response.json(200, {"data": {"id": user.id, "name": user.name, "username": user.username}})
            return self.limited(response, f"x:me:{user.id}", "me")
        if path.startswith("/2/users/") and path.endswith("/tweets") and method == "GET":
            return self.timeline(request, user, path.split("/")[3])
        if path == "/2/media/upload" and method == "POST":
            return self.upload(request, user)
        raise problem(
            404, "Not Found Error", f"Sorry, that page does not exist: {method} {path}", f"{PROBLEM}/resource-not-found"
        )

    # Auth -------------------------------------------------------------------------------------
    def user_of(self, request: Request):
        token = self.store.token_valid(request.bearer(), "x_access")
        if token is None:
            raise problem(401, "Unauthorized", "Unauthorized")
        return self.store.account(token.account_id)

    def authorize(self, request: Request) -> Response:
        redirect_uri = request.param("redirect_uri")
        if request.param("response_type") != "code" or not redirect_uri or not request.param("client_id"):
            return Response.html(
                400, "<h1>Sandbox X</h1><p>response_type=code, client_id and redirect_uri are required.</p>"
            )
        if request.param("code_challenge_method") != "S256" or not request.param("code_challenge"):
            return Response.html(400, "<h1>Sandbox X</h1><p>PKCE with code_challenge_method=S256 is required.</p>")
        if request.method == "POST":
            account = self.store.account(request.param("account"))
            if not account or account.network != "x":
                return Response.html(400, "<h1>Sandbox X</h1><p>Choose an account.</p>")
            code = self.store.code_issue(
                network="x",
                account_id=account.id,
                redirect_uri=redirect_uri,
                code_challenge=request.param("code_challenge"),
                scopes=request.param("scope"),
            )
            separator = "&" if urlsplit(redirect_uri).query else "?"
            return Response.redirect(
                f"{redirect_uri}{separator}{urlencode({'state': request.param('state'), 'code': code})}"
            )
        hidden = "".join(
            f'<input type="hidden" name="{n}" value="{html.escape(request.param(n))}">'
            for n in (
                "response_type",
                "client_id",
                "redirect_uri",
                "scope",
                "state",
                "code_challenge",
                "code_challenge_method",
            )
        )
        accounts = self.store.accounts("x")
        choices = "".join(
            f'<li><label><input type="radio" name="account" value="{a.id}"{" checked" if i == 0 else ""}> '
            f"{html.escape(a.name)} (@{html.escape(a.username)})</label></li>"
            for i, a in enumerate(accounts)
        )
        scopes = html.escape(request.param("scope"))
        return Response.html(
            200,
            f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Authorize app (sandbox X)</title></head><body><main><h1>Sandbox X</h1>
<p>The app asks for: {scopes}</p><form method="post">{hidden}<fieldset><legend>Sign in as</legend>
<ul>{choices}</ul></fieldset><button type="submit">Authorize app</button></form></main></body></html>""",
        )

    def token(self, request: Request) -> Response:
        invalid = problem(
            400,
            "invalid_request",
            "invalid_request",
            error="invalid_request",
            error_description="Value passed for the token was invalid.",
        )
        grant = request.param("grant_type")
        if grant == "authorization_code":
            code = self.store.code_spend(request.param("code"), "x")
            if not code or code["redirect_uri"] != request.param("redirect_uri"):
                raise invalid
            verifier = request.param("code_verifier").encode()
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=").decode()
            if challenge != code["code_challenge"]:
                raise invalid
            return self.issue(code["account_id"], code["scopes"])
        if grant == "refresh_token":
            spent = self.store.token_spend(request.param("refresh_token"), "x_refresh")
            if not spent:
                raise invalid
            return self.issue(spent.account_id, spent.scopes)
        raise problem(400, "unsupported_grant_type", "unsupported_grant_type", error="unsupported_grant_type")

    def issue(self, account_id: str, scopes: str) -> Response:
        access = self.store.token_issue(kind="x_access", account_id=account_id, ttl=ACCESS_TTL, scopes=scopes)
        body = {"token_type": "bearer", "expires_in": ACCESS_TTL, "access_token": access.token, "scope": scopes}
        if "offline.access" in scopes.split():
            body["refresh_token"] = self.store.token_issue(
                kind="x_refresh", account_id=account_id, ttl=None, scopes=scopes
            ).token
        return Response.json(200, body)

    # Limits -----------------------------------------------------------------------------------
    def too_many(self, reset: float, headers: dict | None = None) -> HttpError:
        response = Response.json(
            429, {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429}
        )
        response.headers.update(headers or {})
        response.headers.setdefault("x-rate-limit-reset", str(int(reset)))
        response.headers.setdefault("x-rate-limit-remaining", "0")
        return HttpError(response)

    def window(self, key: str, name: str) -> tuple[dict, bool, float]:
        limit, seconds = LIMITS[name]
        count, reset, ok = self.store.window_hit(key, limit=limit, seconds=seconds)
        headers = {
            "x-rate-limit-limit": str(limit),
            "x-rate-limit-remaining": str(max(0, limit - count)),
            "x-rate-limit-reset": str(int(reset)),
        }
        return headers, ok, reset

    def limited(self, response: Response, key: str, name: str) -> Response:
        headers, ok, reset = self.window(key, name)
        if not ok:
            raise self.too_many(reset, headers)
        response.headers.update(headers)
        return response

    # Posts ------------------------------------------------------------------------------------
    def create(self, request: Request, user, *, forced_429: bool, drop: bool) -> Response:
        headers, ok, reset = self.window(f"x:post:{user.id}", "post")
        day_count, day_reset, day_ok = self.store.window_hit("x:post:app", limit=APP_POSTS_PER_DAY, seconds=86400)
        headers.update(
            {
                "x-app-limit-24hour-limit": str(APP_POSTS_PER_DAY),
                "x-app-limit-24hour-remaining": str(max(0, APP_POSTS_PER_DAY - day_count)),
                "x-app-limit-24hour-reset": str(int(day_reset)),
            }
        )
        if forced_429 or not ok or not day_ok:
            if forced_429 and ok and day_ok:
                headers["x-rate-limit-reset"] = str(int(self.store.now() + self.faults.retry_after(user.id)) + 1)
            raise self.too_many(reset if not ok else day_reset, headers)
        body = request.json if isinstance(request.json, dict) else {}
        text = body.get("text", "")
        media_ids = (body.get("media") or {}).get("media_ids") or []
        if not isinstance(text, str) or (not text and not media_ids):
            raise problem(
                400,
                "Invalid Request",
                "One or more parameters to your request was invalid.",
                f"{PROBLEM}/invalid-request",
                errors=[{"message": "text or media is required"}],
            )
        if weighted_length(text) > max_weighted_length():
            raise problem(
                403,
                "Forbidden",
                "Your Tweet text is too long. For more information on how Twitter "
                "determines text length see https://github.com/twitter/twitter-text.",
            )
        if len(media_ids) > 4 or any(not self.store.media_exists(str(m), user.id) for m in media_ids):
            raise problem(
                400,
                "Invalid Request",
                "One or more parameters to your request was invalid.",
                f"{PROBLEM}/invalid-request",
                errors=[{"message": "Your media IDs are invalid."}],
            )
        if self.store.post_duplicate(user.id, text, self.store.now() - 86400):
            raise problem(403, "Forbidden", "You are not allowed to create a Tweet with duplicate content.")
        answered = (
            (body.get("reply") or {}).get("in_reply_to_tweet_id") if isinstance(body.get("reply"), dict) else None
        )
        root = None
        if answered:
            root = self.conversation_root(str(answered))
            if root is None:
                raise problem(
                    400,
                    "Invalid Request",
                    "One or more parameters to your request was invalid.",
                    f"{PROBLEM}/invalid-request",
                    errors=[{"message": "The Tweet you are replying to is deleted or not visible to you."}],
                )
        post = self.store.post_create(account_id=user.id, network="x", text=text, media=",".join(map(str, media_ids)))
        if root is not None:
            # The reply is in the account's timeline and in the conversation it answers.
            self.conversations.add(
                post=root,
                text=text,
                author_id=user.id,
                author_name=user.name,
                author_handle=user.username,
                parent_id=str(answered),
                comment_id=post.id,
            )
        if drop:
            raise Drop()
        data = {"id": post.id, "text": self.shortened(post.text)[0], "edit_history_tweet_ids": [post.id]}
        return Response.json(201, {"data": data}, headers)

    def delete(self, user, post_id: str, *, drop: bool) -> Response:
        headers, ok, reset = self.window(f"x:delete:{user.id}", "delete")
        if not ok:
            raise self.too_many(reset, headers)
        post = self.store.post(post_id)
        if post and post.account_id != user.id:
            raise problem(403, "Forbidden", "You are not allowed to delete a Tweet that is not yours.")
        deleted = bool(post) and self.store.post_delete(post_id)
        if drop:
            raise Drop()
        return Response.json(200, {"data": {"deleted": deleted}}, headers)

    def shortened(self, text: str) -> tuple[str, list[dict]]:
        """The text as X returns it, every link rewritten to t.co, and the url entities that expand them."""
        entities, position = [], 0
        for url in urls(text):
            short = "https://t.co/" + base64.b32encode(hashlib.sha256(url.encode()).digest()).decode()[:10].lower()
            start = text.index(url, position)
            text = text[:start] + short + text[start + len(url) :]
            position = start + len(short)
            expanded = url if "://" in url else f"http://{url}"
            entities.append(
                {
                    "start": start,
                    "end": position,
                    "url": short,
                    "expanded_url": expanded,
                    "display_url": expanded.split("://", 1)[1][:26],
                }
            )
        return text, entities

    def tweet(self, post, user, fields: set[str], now: float) -> dict:
        text, links = self.shortened(post.text)
        data = {"id": post.id, "text": text, "edit_history_tweet_ids": [post.id]}
        if "entities" in fields and links:
            data["entities"] = {"urls": links}
        if "created_at" in fields:
            data["created_at"] = iso(post.created_at)
        if "author_id" in fields:
            data["author_id"] = post.account_id
        figures = audience.figures(
            post, self.store.account(post.account_id), now, replies_factor=self.store.replies_factor(post.id)
        )
        if "public_metrics" in fields:
            data["public_metrics"] = {
                "retweet_count": figures["shares"],
                "reply_count": figures["comments"],
                "like_count": figures["likes"],
                "quote_count": figures["quotes"],
                "bookmark_count": figures["bookmarks"],
                "impression_count": figures["views"],
            }
        own_and_recent = post.account_id == user.id and now - post.created_at <= 30 * 86400
        if own_and_recent and "non_public_metrics" in fields:
            data["non_public_metrics"] = {
                "impression_count": figures["views"],
                "url_link_clicks": figures["clicks"],
                "user_profile_clicks": figures["profile_clicks"],
                "engagements": figures["likes"] + figures["shares"] + figures["comments"] + figures["clicks"],
            }
        if own_and_recent and "organic_metrics" in fields:
            data["organic_metrics"] = {
                "impression_count": figures["views"],
                "like_count": figures["likes"],
                "reply_count": figures["comments"],
                "retweet_count": figures["shares"],
                "url_link_clicks": figures["clicks"],
                "user_profile_clicks": figures["profile_clicks"],
            }
        return data

    def lookup(self, request: Request, user) -> Response:
        headers, ok, reset = self.window(f"x:lookup:{user.id}", "lookup")
        if not ok:
            raise self.too_many(reset, headers)
        ids = [i for i in request.param("ids").split(",") if i]
        if not 1 <= len(ids) <= 100:
            raise problem(
                400,
                "Invalid Request",
                "One or more parameters to your request was invalid.",
                f"{PROBLEM}/invalid-request",
                errors=[
                    {
                        "parameters": {"ids": [request.param("ids")]},
                        "message": "The `ids` query parameter value must be between 1 and 100 ids",
                    }
                ],
            )
        fields = set(request.param("tweet.fields").split(","))
        now = self.store.now()
        data, errors = [], []
        for post_id in ids:
            post = self.store.post(post_id) or self.reply_as_post(post_id)
            if post is None or post.deleted:
                errors.append(
                    {
                        "value": post_id,
                        "detail": f"Could not find tweet with ids: [{post_id}].",
                        "title": "Not Found Error",
                        "resource_type": "tweet",
                        "parameter": "ids",
                        "resource_id": post_id,
                        "type": f"{PROBLEM}/resource-not-found",
                    }
                )
            else:
                data.append(self.tweet(post, user, fields, now))
        body: dict = {}
        if data:
            body["data"] = data
        if errors:
            body["errors"] = errors
        return Response.json(200, body, headers)

    # Conversations ---------------------------------------------------------------------------
    def conversation_root(self, tweet_id: str):
        """The post that started the conversation `tweet_id` belongs to (the post itself, or a reply's root)."""
        post = self.store.post(tweet_id)
        comment = self.conversations.comment(tweet_id)
        if comment is not None and not comment.deleted:
            return self.store.post(comment.post_id)
        return post if post is not None and not post.deleted else None

    def reply_as_post(self, tweet_id: str):
        """An audience reply, shaped as a post for a lookup (its figures are the audience's, like any post)."""
        comment = self.conversations.comment(tweet_id)
        if comment is None:
            return None
        return type(self.store.post(comment.post_id))(
            id=comment.id,
            account_id=comment.author_id,
            network="x",
            text=comment.text,
            link="",
            media="",
            created_at=comment.created_at,
            deleted=comment.deleted,
        )

    def search(self, request: Request, user) -> Response:
        """Recent search, as Chancery uses it: `conversation_id:<id>` (with `since_id`, `until_id`, paging), the last
        seven days only, newest first; every post returned is billed."""
        headers, ok, reset = self.window(f"x:search:{user.id}", "search")
        if not ok:
            raise self.too_many(reset, headers)
        query = request.param("query").strip()
        invalid = problem(
            400,
            "Invalid Request",
            "One or more parameters to your request was invalid.",
            f"{PROBLEM}/invalid-request",
            errors=[{"parameters": {"query": [query]}, "message": "There were errors processing your request"}],
        )
        if not query.startswith(CONVERSATION_QUERY) or not query[len(CONVERSATION_QUERY) :].isdigit():
            raise invalid
        try:
            limit = int(request.param("max_results", "10") or 10)
        except ValueError:
            raise invalid from None
        if not 10 <= limit <= 100:
            raise invalid
        root = self.store.post(query[len(CONVERSATION_QUERY) :])
        now = self.store.now()
        found = []
        if root is not None and not root.deleted:
            found = [
                c
                for c in self.conversations.of_post(root, now=now)
                if not c.deleted and c.created_at >= now - SEARCH_WINDOW
            ]
        since_id, until_id = request.param("since_id"), request.param("until_id")
        # Ids grow with time on X; the sandbox orders by time and compares by position.
        order = {c.id: n for n, c in enumerate(found)}
        if since_id:
            found = (
                [c for c in found if order[c.id] > order.get(since_id, -1)]
                if since_id in order
                else [c for c in found if c.id > since_id and len(c.id) >= len(since_id)]
            )
        if until_id and until_id in order:
            found = [c for c in found if order[c.id] < order[until_id]]
        found.reverse()  # newest first
        offset = int(request.param("next_token", "0") or 0) if request.param("next_token", "0").isdigit() else 0
        window = found[offset : offset + limit]
        self.store.counter_add("x_post_reads", len(window))
        fields = set(request.param("tweet.fields").split(","))
        data = []
        for comment in window:
            row = {"id": comment.id, "text": comment.text, "edit_history_tweet_ids": [comment.id]}
            if "author_id" in fields:
                row["author_id"] = comment.author_id
            if "created_at" in fields:
                row["created_at"] = iso(comment.created_at)
            if "conversation_id" in fields:
                row["conversation_id"] = root.id
            if "lang" in fields:
                row["lang"] = comment.lang
            if "in_reply_to_user_id" in fields:
                parent = self.conversations.comment(comment.parent_id)
                row["in_reply_to_user_id"] = parent.author_id if parent else root.account_id
            if "referenced_tweets" in fields:
                row["referenced_tweets"] = [{"type": "replied_to", "id": comment.parent_id or root.id}]
            if "public_metrics" in fields:
                row["public_metrics"] = {"retweet_count": 0, "reply_count": 0, "like_count": 0, "quote_count": 0}
            data.append(row)
        meta: dict = {"result_count": len(window)}
        if window:
            meta.update(newest_id=window[0].id, oldest_id=window[-1].id)
        if offset + limit < len(found):
            meta["next_token"] = str(offset + limit)
        body: dict = {"meta": meta}
        if data:
            body["data"] = data
            if "author_id" in request.param("expansions").split(","):
                authors = {c.author_id: c for c in window}
                body["includes"] = {
                    "users": [{"id": a, "name": c.author_name, "username": c.author_handle} for a, c in authors.items()]
                }
        return Response.json(200, body, headers)

    def hide(self, request: Request, user, tweet_id: str) -> Response:
        headers, ok, reset = self.window(f"x:hide:{user.id}", "hide")
        if not ok:
            raise self.too_many(reset, headers)
        token = self.store.token(request.bearer())
        if "tweet.moderate.write" not in token.scopes.split():
            raise problem(
                403,
                "Forbidden",
                "You are not permitted to perform this action.",
                "https://api.twitter.com/2/problems/client-forbidden",
                reason="client-not-enrolled",
            )
        comment = self.conversations.comment(tweet_id)
        root = self.store.post(comment.post_id) if comment else None
        if comment is None or comment.deleted or root is None:
            raise problem(
                404, "Not Found Error", f"Could not find tweet with id: [{tweet_id}].", f"{PROBLEM}/resource-not-found"
            )
        if root.account_id != user.id:
            raise problem(403, "Forbidden", "You can only hide replies to conversations you started.")
        body = request.json if isinstance(request.json, dict) else {}
        if not isinstance(body.get("hidden"), bool):
            raise problem(
                400,
                "Invalid Request",
                "One or more parameters to your request was invalid.",
                f"{PROBLEM}/invalid-request",
                errors=[{"message": "hidden must be a boolean"}],
            )
        self.conversations.change(tweet_id, hidden=body["hidden"])
        return Response.json(200, {"data": {"hidden": body["hidden"]}}, headers)

    def timeline(self, request: Request, user, author_id: str) -> Response:
        headers, ok, reset = self.window(f"x:timeline:{user.id}", "timeline")
        if not ok:
            raise self.too_many(reset, headers)
        author = self.store.account(author_id)
        if not author or author.network != "x":
            raise problem(
                404, "Not Found Error", f"Could not find user with id: [{author_id}].", f"{PROBLEM}/resource-not-found"
            )
        limit = max(5, min(100, int(request.param("max_results", "10") or 10)))
        offset = int(request.param("pagination_token", "0") or 0)
        posts = self.store.posts(author_id)
        window = posts[offset : offset + limit]
        fields = set(request.param("tweet.fields").split(","))
        now = self.store.now()
        meta: dict = {"result_count": len(window)}
        if window:
            meta.update(newest_id=window[0].id, oldest_id=window[-1].id)
        if offset + limit < len(posts):
            meta["next_token"] = str(offset + limit)
        body = {"meta": meta}
        if window:
            body["data"] = [self.tweet(p, user, fields, now) for p in window]
        return Response.json(200, body, headers)

    def upload(self, request: Request, user) -> Response:
        headers, ok, reset = self.window(f"x:media:{user.id}", "media")
        if not ok:
            raise self.too_many(reset, headers)
        content = request.files.get("media") or b""
        if not content:
            raise problem(
                400,
                "Invalid Request",
                "One or more parameters to your request was invalid.",
                f"{PROBLEM}/invalid-request",
                errors=[{"message": "media is required"}],
            )
        media_id = self.store.media_create(user.id, len(content))
        data = {"id": media_id, "media_key": f"3_{media_id}", "size": len(content), "expires_after_secs": 86400}
        return Response.json(200, {"data": data}, headers)
