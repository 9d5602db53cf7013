"""The collector reads from any server that follows the real API shapes, chosen by settings alone: here a small
server that knows nothing of the sandbox and answers only the documented Graph batch and X lookup shapes."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from embassies.models import SocialAccount
from publishing.channels.facebook import graph_base_url_apply
from publishing.models import Post
from publishing.reach.collect import metrics_collect
from tests.factories import embassy_make, portal_tree_build
from tests.sandbox import free_port

PAGES = {"page-1": "token-page-1", "page-2": "token-page-2"}  # Page → its Page token
FB_POSTS = {"page-1_10": (120, 90, 4, 3, 0, 6), "page-2_20": (300, 200, 12, 1, 5, 9)}  # views reach reacts comm sh clk
X_TOKENS = {"user-1": "x-token-1"}
X_POSTS = {"1700000000000000001": (450, 11, 2, 1, 1, 8)}  # impressions likes replies retweets quotes clicks


class RealShapes(BaseHTTPRequestHandler):
    seen: list = []

    def log_message(self, *args):
        pass

    def answer(self, status: int, body) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        operations = json.loads(form["batch"][0])
        assert len(operations) <= 50
        self.seen.append(("batch", len(operations)))
        answers = []
        for op in operations:
            url = urlsplit(op["relative_url"])
            post_id, query = url.path.strip("/"), parse_qs(url.query)
            page = post_id.split("_")[0]
            if query.get("access_token", [form.get("access_token", [""])[0]])[0] != PAGES[page]:
                body = {"error": {"message": "(#10) Permission denied", "type": "OAuthException", "code": 10}}
                answers.append({"code": 403, "headers": [], "body": json.dumps(body)})
                continue
            views, reach, reactions, comments, shares, clicks = FB_POSTS[post_id]
            fields = query["fields"][0]
            names = fields.split("insights.metric(")[1].rstrip(")").split(",")
            values = {"post_media_view": views, "post_total_media_view_unique": reach, "post_clicks": clicks}
            body = {
                "id": post_id,
                "comments": {"data": [], "summary": {"order": "ranked", "total_count": comments, "can_comment": True}},
                "reactions": {"data": [], "summary": {"total_count": reactions, "viewer_reaction": "NONE"}},
                "insights": {
                    "data": [
                        {
                            "name": n,
                            "period": "lifetime",
                            "values": [{"value": values[n]}],
                            "id": f"{post_id}/insights/{n}/lifetime",
                        }
                        for n in names
                    ],
                    "paging": {"previous": "p", "next": "n"},
                },
            }
            if shares:
                body["shares"] = {"count": shares}
            answers.append(
                {
                    "code": 200,
                    "headers": [{"name": "Content-Type", "value": "text/javascript"}],
                    "body": json.dumps(body),
                }
            )
        self.answer(200, answers)

    def do_GET(self):
        url = urlsplit(self.path)
        assert url.path == "/2/tweets", url.path
        query = parse_qs(url.query)
        assert self.headers["Authorization"] == f"Bearer {X_TOKENS['user-1']}"
        self.seen.append(("lookup", len(query["ids"][0].split(","))))
        data = []
        for post_id in query["ids"][0].split(","):
            impressions, likes, replies, retweets, quotes, clicks = X_POSTS[post_id]
            tweet = {
                "id": post_id,
                "text": "…",
                "edit_history_tweet_ids": [post_id],
                "public_metrics": {
                    "retweet_count": retweets,
                    "reply_count": replies,
                    "like_count": likes,
                    "quote_count": quotes,
                    "bookmark_count": 0,
                    "impression_count": impressions,
                },
            }
            if "non_public_metrics" in query["tweet.fields"][0]:
                tweet["non_public_metrics"] = {
                    "impression_count": impressions,
                    "url_link_clicks": clicks,
                    "user_profile_clicks": 0,
                }
            data.append(tweet)
        self.answer(200, {"data": data})


@pytest.fixture
def real_shapes(settings):
    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), RealShapes)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.FACEBOOK_GRAPH_URL = f"http://127.0.0.1:{port}/"
    settings.X_API_URL = f"http://127.0.0.1:{port}"
    graph_base_url_apply()
    RealShapes.seen = []
    yield RealShapes
    server.shutdown()
    server.server_close()


def test_the_collector_reads_any_server_with_the_real_shapes(db, real_shapes):
    tree = portal_tree_build(languages=("en",))
    embassies = [embassy_make(f"e{n}", "SE", f"City {n}", "Europe/Stockholm") for n in range(2)]
    accounts = []
    for embassy, (page, token) in zip(embassies, PAGES.items(), strict=True):
        account = SocialAccount(embassy=embassy, network="facebook", external_id=page)
        account.credentials_set({"access_token": token})
        account.save()
        accounts.append(account)
    x_account = SocialAccount(embassy=embassies[0], network="x", external_id="user-1", handle="@e0")
    x_account.credentials_set({"access_token": X_TOKENS["user-1"]})
    x_account.save()
    story = tree.story_add(slug="s", texts={"en": ("Story", "Standfirst.")})["en"]
    published_at = timezone.now() - timedelta(hours=2)
    external = {accounts[0].pk: "page-1_10", accounts[1].pk: "page-2_20", x_account.pk: "1700000000000000001"}
    for post in Post.objects.filter(distribution__story=story):
        Post.objects.filter(pk=post.pk).update(
            state=Post.State.PUBLISHED,
            external_id=external[post.account_id],
            published_at=published_at,
            metrics_due_at=published_at + timedelta(hours=1),
        )
    report = metrics_collect()
    assert report.posts == 3 and report.failed == 0
    assert real_shapes.seen == [("batch", 2), ("lookup", 1)]  # both Pages in one batch, each with its own token
    got = {
        p.external_id: tuple(
            getattr(p.latest_snapshot, f) for f in ("views", "reach", "reactions", "comments", "shares", "clicks")
        )
        for p in Post.objects.select_related("latest_snapshot")
    }
    assert got["page-1_10"] == (120, 90, 4, 3, 0, 6)  # no "shares" in the answer: none
    assert got["page-2_20"] == (300, 200, 12, 1, 5, 9)
    assert got["1700000000000000001"] == (450, None, 11, 2, 2, 8)  # shares = retweets + quotes; X has no reach
