"""Facebook Pages through facebook-sdk's GraphAPI, pinned to a current Graph version from settings."""

import io
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import facebook
import requests
from django.conf import settings

from .base import (
    AccountCheck,
    AuthExpired,
    Channel,
    ChannelError,
    Duplicate,
    Image,
    Metrics,
    Published,
    RateLimited,
    Rejected,
    RemotePost,
    Transient,
    UnknownOutcome,
    Usage,
    thread_session,
    transport_error,
)

# Post insights valid from Graph v23 on; one removed name fails the whole call with #100.
POST_INSIGHTS = ("post_media_view", "post_total_media_view_unique", "post_clicks", "post_reactions_by_type_total")
POST_FIELDS = "shares,comments.limit(0).summary(true),reactions.limit(0).summary(true)"
MAX_BATCH = 50
# A link post keeps its link as an attachment, whatever its message says: reconciliation looks there too.
RECENT_POST_FIELDS = "id,message,created_time,permalink_url,attachments{unshimmed_url,url,target}"
RATE_LIMIT_CODES = {4, 17, 32, 613, 80001}
TRANSIENT_CODES = {1, 2}
AUTH_CODES = {190, 102}


class GraphAPI(facebook.GraphAPI):
    """facebook-sdk accepts only Graph versions up to 3.1 in its constructor; the version is set afterwards."""

    def __init__(self, access_token: str, *, session: requests.Session, timeout: float):
        super().__init__(access_token=access_token, timeout=timeout, session=session)
        self.version = settings.FACEBOOK_GRAPH_VERSION


def graph_base_url_apply() -> None:
    """Point every facebook-sdk client at the configured Graph and login hosts (read at call time)."""
    facebook.FACEBOOK_GRAPH_URL = settings.FACEBOOK_GRAPH_URL
    facebook.FACEBOOK_WWW_URL = settings.FACEBOOK_WWW_URL


def graph_error(error: facebook.GraphAPIError, *, writing: bool) -> ChannelError:
    """Map a Graph error body onto the channel taxonomy; the message never carries the token."""
    body = error.result if isinstance(error.result, dict) else {}
    detail = body.get("error") if isinstance(body.get("error"), dict) else {}
    code = detail.get("code", error.code)
    subcode = detail.get("error_subcode")
    message = str(detail.get("message") or error.message or "Graph API error")
    if code in RATE_LIMIT_CODES:
        return RateLimited(
            f"Facebook: {message}", until=datetime.now(UTC) + timedelta(minutes=15 if code == 80001 else 5)
        )
    if code in AUTH_CODES or (code == 100 and subcode in {33, 463, 467}):
        return AuthExpired(f"Facebook: the Page token is no longer valid ({message})")
    if code == 506:
        return Duplicate(f"Facebook: {message}")
    if code in TRANSIENT_CODES:
        return UnknownOutcome(f"Facebook: {message}") if writing and code == 1 else Transient(f"Facebook: {message}")
    return Rejected(f"Facebook: {message}", code=str(code))


def attachment_links(item: dict) -> tuple[str, ...]:
    """The links a Graph post carries as attachments: the original URL and Facebook's redirect to it (which
    holds the original, encoded, in its `u` parameter)."""
    links: list[str] = []
    attachments = item.get("attachments")
    for attachment in attachments.get("data", []) if isinstance(attachments, dict) else []:
        if not isinstance(attachment, dict):
            continue
        target = attachment.get("target") if isinstance(attachment.get("target"), dict) else {}
        for url in (attachment.get("unshimmed_url"), attachment.get("url"), target.get("url")):
            if isinstance(url, str) and url:
                links.append(url)
                links.extend(parse_qs(urlsplit(url).query).get("u", []))
    return tuple(dict.fromkeys(links))


def _timestamp(value: str | None) -> datetime | None:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z") if value else None


class FacebookChannel(Channel):
    network = "facebook"

    def __init__(self, *, page_id: str, access_token: str, timeout: float | None = None):
        super().__init__()
        self.page_id = page_id
        self.session = thread_session(timeout=timeout or settings.CHANNEL_TIMEOUT)
        self.graph = GraphAPI(access_token, session=self.session, timeout=self.session.timeout)

    def _call(self, operation, *, writing: bool = False):
        try:
            return operation()
        except facebook.GraphAPIError as error:
            mapped = graph_error(error, writing=writing)
            if isinstance(mapped, RateLimited) and (minutes := self._regain_minutes()):
                mapped.until = datetime.now(UTC) + timedelta(minutes=minutes)
            raise mapped from None
        except requests.RequestException as error:
            raise transport_error(error, writing=writing, network="Facebook") from None
        except (ValueError, KeyError) as error:
            # facebook-sdk raises these on a malformed answer: the call reached the network.
            message = f"Facebook: malformed answer ({type(error).__name__})"
            raise (UnknownOutcome(message) if writing else Transient(message)) from None
        finally:
            self.usage = self._usage()

    def _regain_minutes(self) -> int:
        """Graph's own estimate of when a throttled Page may call again, from the usage header."""
        raw = {k.lower(): v for k, v in self.session.last_headers.items()}.get("x-business-use-case-usage")
        try:
            entries = json.loads(raw).get(self.page_id) or [] if raw else []
            return max((int(e.get("estimated_time_to_regain_access", 0)) for e in entries), default=0)
        except (ValueError, AttributeError, TypeError):
            return 0

    def _usage(self) -> Usage:
        headers = {k.lower(): v for k, v in self.session.last_headers.items()}
        percent = None
        try:
            if raw := headers.get("x-business-use-case-usage"):
                entries = json.loads(raw).get(self.page_id) or []
                percent = max((max(e.get("call_count", 0), e.get("total_time", 0)) for e in entries), default=None)
            if raw := headers.get("x-app-usage"):
                app = json.loads(raw)
                percent = max(percent or 0, app.get("call_count", 0), app.get("total_time", 0))
        except (ValueError, AttributeError):
            percent = None
        return Usage(percent_used=percent)

    def publish(self, *, text: str, link: str | None = None, image: Image | None = None) -> Published:
        if image is not None:
            answer = self._call(
                lambda: self.graph.put_photo(
                    image=io.BytesIO(image.content), album_path=f"{self.page_id}/photos", message=text
                ),
                writing=True,
            )
            external_id = answer.get("post_id") or f"{self.page_id}_{answer['id']}"
        else:
            fields = {"message": text, **({"link": link} if link else {})}
            answer = self._call(lambda: self.graph.put_object(self.page_id, "feed", **fields), writing=True)
            external_id = answer["id"]
        page_id, _, story_id = external_id.partition("_")
        return Published(external_id=external_id, url=f"https://www.facebook.com/{page_id}/posts/{story_id}")

    def delete(self, external_id: str) -> None:
        self._call(lambda: self.graph.delete_object(external_id), writing=True)

    def recent_posts(self, *, limit: int = 100) -> Iterator[RemotePost]:
        answer = self._call(
            lambda: self.graph.get_connections(self.page_id, "posts", fields=RECENT_POST_FIELDS, limit=min(limit, 100))
        )
        for item in answer.get("data", [])[:limit]:
            yield RemotePost(
                external_id=item["id"],
                text=item.get("message", ""),
                created_at=_timestamp(item.get("created_time")),
                url=item.get("permalink_url", ""),
                links=attachment_links(item),
            )

    def metrics(self, external_ids: Iterable[str]) -> dict[str, Metrics]:
        ids = list(dict.fromkeys(external_ids))
        results: dict[str, Metrics] = {}
        per_batch = MAX_BATCH // 2  # two operations a post: fields and insights
        for start in range(0, len(ids), per_batch):
            chunk = ids[start : start + per_batch]
            operations = []
            for post_id in chunk:
                operations.append({"method": "GET", "relative_url": f"{post_id}?fields={POST_FIELDS}"})
                operations.append(
                    {"method": "GET", "relative_url": f"{post_id}/insights?metric={','.join(POST_INSIGHTS)}"}
                )
            answers = self._call(
                lambda operations=operations: self.graph.request(
                    self.graph.version, post_args={"batch": json.dumps(operations), "include_headers": "false"}
                )
            )
            if not isinstance(answers, list) or len(answers) != len(operations):
                raise Transient("Facebook: malformed batch answer")
            for index, post_id in enumerate(chunk):
                fields = self._batch_body(answers[2 * index])
                insights = self._batch_body(answers[2 * index + 1])
                if fields is None and insights is None:
                    continue  # deleted or unreadable: its figures are unavailable, not zero
                results[post_id] = self._figures(post_id, fields or {}, insights or {})
        return results

    def _batch_body(self, answer) -> dict | None:
        if not isinstance(answer, dict) or answer.get("code") != 200:
            body = answer.get("body") if isinstance(answer, dict) else None
            try:
                parsed = json.loads(body) if body else {}
            except ValueError:
                parsed = {}
            error = parsed.get("error", {}) if isinstance(parsed, dict) else {}
            if error.get("code") in AUTH_CODES:
                raise AuthExpired("Facebook: the Page token is no longer valid")
            if error.get("code") in RATE_LIMIT_CODES:
                raise RateLimited(f"Facebook: {error.get('message')}", until=datetime.now(UTC) + timedelta(minutes=15))
            return None
        try:
            return json.loads(answer["body"])
        except (KeyError, ValueError):
            return None

    def _figures(self, post_id: str, fields: dict, insights: dict) -> Metrics:
        values = {item.get("name"): (item.get("values") or [{}])[0].get("value") for item in insights.get("data", [])}
        reactions = values.get("post_reactions_by_type_total")
        likes = fields.get("reactions", {}).get("summary", {}).get("total_count")
        if likes is None and isinstance(reactions, dict):
            likes = sum(reactions.values())
        return Metrics(
            external_id=post_id,
            views=values.get("post_media_view"),
            reach=values.get("post_total_media_view_unique"),
            clicks=values.get("post_clicks"),
            likes=likes,
            comments=fields.get("comments", {}).get("summary", {}).get("total_count"),
            # Graph leaves "shares" out when a post has none.
            shares=fields.get("shares", {}).get("count", 0) if fields else None,
            raw={"fields": fields, "insights": values},
        )

    def check(self) -> AccountCheck:
        token = self.graph.access_token
        answer = self._call(
            lambda: self.graph.debug_access_token(token, settings.FACEBOOK_APP_ID, settings.FACEBOOK_APP_SECRET)
        )
        data = answer.get("data", {})
        expires = data.get("expires_at") or 0
        valid = bool(data.get("is_valid"))
        name = ""
        if valid:
            name = self._call(lambda: self.graph.get_object(self.page_id, fields="name")).get("name", "")
        return AccountCheck(
            external_id=self.page_id,
            name=name,
            valid=valid,
            expires_at=datetime.fromtimestamp(expires, UTC) if expires else None,
            scopes=tuple(data.get("scopes", [])),
        )
