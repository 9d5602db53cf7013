"""A sandbox on a free local port for each test, with fresh state; the real client libraries talk to it."""

import socket

import pytest
import requests

from publishing.sandbox.server import serve_in_thread


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SandboxClient:
    """The sandbox's fixture and fault endpoints, as a test uses them."""

    def __init__(self, url: str, server):
        self.url = url
        self.server = server

    def account(self, network: str, name: str, **extra) -> dict:
        response = requests.post(
            f"{self.url}/_sandbox/accounts", json={"network": network, "name": name, **extra}, timeout=10
        )
        response.raise_for_status()
        return response.json()

    def connect(self, embassy, network: str, *, username: str, name: str = ""):
        """A sandbox account for `embassy` on `network`, connected as the embassy's SocialAccount with its tokens
        (an X access token lives two hours, as on X)."""
        from datetime import timedelta

        from django.utils import timezone

        from embassies.models import SocialAccount

        remote = self.account(network, name or f"{embassy.name} {network}", username=username)
        account = SocialAccount(
            embassy=embassy,
            network=network,
            external_id=remote["id"],
            handle=f"@{username}",
            display_name=remote["name"],
            token_expires_at=timezone.now() + timedelta(hours=2) if network == "x" else None,
        )
        account.credentials_set(
            {"access_token": remote["access_token"], "refresh_token": remote.get("refresh_token") or ""}
        )
        account.save()
        return account

    def posts(self, account_id: str) -> list[dict]:
        return requests.get(f"{self.url}/_sandbox/accounts/{account_id}/posts", timeout=10).json()["data"]

    def faults(self, scope: str = "*", **plan) -> None:
        requests.post(f"{self.url}/_sandbox/faults", json={"scope": scope, **plan}, timeout=10).raise_for_status()

    def revoke(self, account_id: str) -> None:
        requests.post(f"{self.url}/_sandbox/accounts/{account_id}/revoke", timeout=10).raise_for_status()

    def advance(self, seconds: float) -> None:
        requests.post(f"{self.url}/_sandbox/clock", json={"advance_seconds": seconds}, timeout=10).raise_for_status()

    def freeze(self, frozen: bool = True) -> None:
        requests.post(f"{self.url}/_sandbox/clock", json={"freeze": frozen}, timeout=10).raise_for_status()

    def calls(self) -> dict[str, int]:
        return requests.get(f"{self.url}/_sandbox/calls", timeout=10).json()

    def calls_reset(self) -> None:
        requests.delete(f"{self.url}/_sandbox/calls", timeout=10).raise_for_status()

    def retire(self, *names: str) -> None:
        requests.post(
            f"{self.url}/_sandbox/metrics/retired", json={"names": list(names)}, timeout=10
        ).raise_for_status()

    def replies(self, post_id: str, factor: float) -> None:
        requests.post(
            f"{self.url}/_sandbox/posts/{post_id}/replies", json={"factor": factor}, timeout=10
        ).raise_for_status()

    def says(self, post) -> dict:
        """A post's figures read straight from the API with its account's token: the independent check of what the
        collector stored, normalised as the reach issue defines each figure."""
        token = post.account.credentials_get()["access_token"]
        if post.network == "facebook":
            answer = requests.get(
                f"{self.url}/v25.0/{post.external_id}",
                params={
                    "access_token": token,
                    "fields": "shares,comments.summary(true),reactions.summary(true),"
                    "insights.metric(post_media_view,post_total_media_view_unique,post_clicks)",
                },
                timeout=10,
            ).json()
            insights = {i["name"]: i["values"][0]["value"] for i in answer["insights"]["data"]}
            return {
                "views": insights["post_media_view"],
                "reach": insights["post_total_media_view_unique"],
                "clicks": insights["post_clicks"],
                "reactions": answer["reactions"]["summary"]["total_count"],
                "comments": answer["comments"]["summary"]["total_count"],
                "shares": answer.get("shares", {}).get("count", 0),
            }
        answer = requests.get(
            f"{self.url}/2/tweets",
            params={"ids": post.external_id, "tweet.fields": "public_metrics,non_public_metrics"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        ).json()["data"][0]
        public, private = answer["public_metrics"], answer.get("non_public_metrics", {})
        return {
            "views": private.get("impression_count", public["impression_count"]),
            "reach": None,
            "clicks": private.get("url_link_clicks"),
            "reactions": public["like_count"],
            "comments": public["reply_count"],
            "shares": public["retweet_count"] + public["quote_count"],
        }


@pytest.fixture
def sandbox(tmp_path, settings):
    port = free_port()
    server = serve_in_thread("127.0.0.1", port, tmp_path / "sandbox.sqlite3")
    url = f"http://127.0.0.1:{port}"
    settings.FACEBOOK_GRAPH_URL = f"{url}/"
    settings.FACEBOOK_WWW_URL = f"{url}/"
    settings.X_API_URL = url
    settings.X_AUTHORIZE_URL = f"{url}/i/oauth2/authorize"
    settings.X_CLIENT_ID = "chancery-tests"
    settings.FACEBOOK_APP_ID, settings.FACEBOOK_APP_SECRET = "1234567890", "app-secret-for-tests"
    from publishing.channels.facebook import graph_base_url_apply

    graph_base_url_apply()
    yield SandboxClient(url, server)
    server.shutdown()
    server.server_close()
