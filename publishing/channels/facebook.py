"""Facebook Pages through facebook-sdk's GraphAPI, pinned to a current Graph version from settings."""

import io
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import facebook
import requests
from django.conf import settings

from . import metric_names
from .base import (
    AccountCheck,
    AuthExpired,
    Channel,
    ChannelError,
    CommentsRead,
    Duplicate,
    Gone,
    Image,
    Metrics,
    MetricsRead,
    Published,
    RateLimited,
    Rejected,
    RemoteComment,
    RemotePost,
    Transient,
    UnknownOutcome,
    Usage,
    count_or_none,
    thread_session,
    transport_error,
)

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

    def publish(
        self, *, text: str, link: str | None = None, image: Image | None = None, reply_to: str = ""
    ) -> Published:
        if reply_to:
            answer = self._call(lambda: self.graph.put_object(reply_to, "comments", message=text), writing=True)
            return Published(external_id=answer["id"], url=self.comment_url(answer["id"]))
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

    def comment_url(self, comment_id: str) -> str:
        story_id, _, number = comment_id.rpartition("_")
        return f"https://www.facebook.com/{self.page_id}/posts/{story_id}?comment_id={number}"

    def find_reply(self, *, reply_to: str, text: str) -> RemotePost | None:
        answer = self._call(
            lambda: self.graph.get_connections(
                reply_to, "comments", fields="id,message,created_time,from", order="reverse_chronological", limit=100
            )
        )
        for item in answer.get("data", []) if isinstance(answer, dict) else []:
            if (item.get("from") or {}).get("id") == self.page_id and item.get("message") == text:
                return RemotePost(
                    external_id=item["id"],
                    text=text,
                    created_at=_timestamp(item.get("created_time")),
                    url=self.comment_url(item["id"]),
                )
        return None

    def hide(self, external_id: str, *, hidden: bool) -> None:
        self._call(
            lambda: self.graph.request(
                f"{self.graph.version}/{external_id}", post_args={"is_hidden": "true" if hidden else "false"}
            ),
            writing=True,
        )

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
        token = self.graph.access_token
        read = pages_metrics([(post_id, token) for post_id in dict.fromkeys(external_ids)])
        return {post_id: found for post_id, found in read.results.items() if isinstance(found, Metrics)}

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


# Reading many Pages' posts at once ------------------------------------------------------------------------------

COMMENT_FIELDS = "id,message,created_time,from,parent,is_hidden,like_count,comment_count,permalink_url"


def _comment(item: dict) -> RemoteComment | None:
    """A Graph comment as a RemoteComment; None for one without the fields a conversation needs."""
    if not isinstance(item, dict) or not isinstance(item.get("id"), str):
        return None
    author = item.get("from") if isinstance(item.get("from"), dict) else {}
    parent = item.get("parent") if isinstance(item.get("parent"), dict) else {}
    try:
        created = _timestamp(item.get("created_time"))
    except (TypeError, ValueError):
        created = None
    hidden = item.get("is_hidden")
    return RemoteComment(
        external_id=item["id"],
        parent_id=str(parent.get("id") or ""),
        author_id=str(author.get("id") or ""),
        author_name=str(author.get("name") or ""),
        author_handle="",
        text=str(item.get("message") or ""),
        created_at=created,
        hidden=hidden if isinstance(hidden, bool) else None,
    )


def pages_comments(
    reads: list[tuple[str, str, int | None]], *, page_size: int = 100, timeout: float | None = None
) -> CommentsRead:
    """The comments and replies (the whole stream, newest first) of many posts on many Pages, `reads` being (post
    id, that Page's token, unix time of the last comment already held or None): batches of up to 50 operations,
    one a post, and one more operation for each further page of a post's answer."""
    read = CommentsRead()
    if not reads:
        return read
    session = thread_session(timeout=timeout or settings.CHANNEL_TIMEOUT)
    graph = GraphAPI(reads[0][1], session=session, timeout=session.timeout)
    pending = [(post_id, token, since, "") for post_id, token, since in dict.fromkeys(reads)]
    while pending:
        chunk, pending = pending[:MAX_BATCH], pending[MAX_BATCH:]
        operations = []
        for post_id, token, since, after in chunk:
            query = {
                "filter": "stream",
                "order": "reverse_chronological",
                "limit": page_size,
                "fields": COMMENT_FIELDS,
                "access_token": token,
                **({"since": since} if since else {}),
                **({"after": after} if after else {}),
            }
            operations.append({"method": "GET", "relative_url": f"{post_id}/comments?{urlencode(query)}"})
        read.calls += 1
        try:
            answers = graph.request(
                graph.version, post_args={"batch": json.dumps(operations), "include_headers": "false"}
            )
            if not isinstance(answers, list) or len(answers) != len(operations):
                raise Transient("Facebook: malformed batch answer")
        except facebook.GraphAPIError as error:
            failure = graph_error(error, writing=False)
            read.results.update((post_id, failure) for post_id, *_ in chunk)
            continue
        except requests.RequestException as error:
            failure = transport_error(error, writing=False, network="Facebook")
            read.results.update((post_id, failure) for post_id, *_ in chunk)
            continue
        except (ValueError, KeyError, Transient) as error:
            failure = error if isinstance(error, Transient) else Transient("Facebook: malformed answer")
            read.results.update((post_id, failure) for post_id, *_ in chunk)
            continue
        for (post_id, token, since, _after), answer in zip(chunk, answers, strict=True):
            if (error := _operation_error(answer)) is not None:
                read.results[post_id] = _operation_failure(error)
                continue
            try:
                body = json.loads(answer["body"])
                items = body["data"]
            except (KeyError, TypeError, ValueError):
                read.results[post_id] = Transient("Facebook: malformed comments answer")
                continue
            found = read.results.setdefault(post_id, [])
            if isinstance(found, ChannelError):
                continue
            found.extend(c for c in map(_comment, items if isinstance(items, list) else []) if c is not None)
            paging = body.get("paging") if isinstance(body.get("paging"), dict) else {}
            cursor = (paging.get("cursors") or {}).get("after") if isinstance(paging.get("cursors"), dict) else None
            if paging.get("next") and cursor:
                pending.append((post_id, token, since, str(cursor)))
    return read


def _operation(post_id: str, token: str, insights: Iterable[str], *, fields: Iterable[str] = ()) -> dict:
    """One batch operation reading a post's fields and its insights as a field expansion, with its own Page
    token: one read a post, whatever Page it is on."""
    names = list(insights)
    wanted = [*fields, *([f"insights.metric({','.join(names)})"] if names else [])]
    return {
        "method": "GET",
        "relative_url": f"{post_id}?{urlencode({'fields': ','.join(wanted), 'access_token': token})}",
    }


def _operation_error(answer) -> dict | None:
    """The Graph error an operation answered, or None when it answered 200 with a JSON object."""
    if isinstance(answer, dict) and answer.get("code") == 200:
        return None
    body = answer.get("body") if isinstance(answer, dict) else None
    try:
        parsed = json.loads(body) if isinstance(body, str) else {}
    except ValueError:
        parsed = {}
    error = parsed.get("error") if isinstance(parsed, dict) else None
    return error if isinstance(error, dict) else {"code": None, "message": "malformed operation answer"}


def _retired_metric_error(error: dict | None) -> bool:
    return bool(error) and error.get("code") == 100 and "metric" in str(error.get("message", "")).lower()


def _operation_failure(error: dict) -> ChannelError:
    code, message = error.get("code"), str(error.get("message") or "Graph API error")
    if code == 100 and ("does not exist" in message or error.get("type") == "GraphMethodException"):
        return Gone(f"Facebook: {message}")
    if code in RATE_LIMIT_CODES:
        return RateLimited(f"Facebook: {message}", until=datetime.now(UTC) + timedelta(minutes=15))
    if code in AUTH_CODES:
        return AuthExpired("Facebook: the Page token is no longer valid")
    if code in TRANSIENT_CODES or code is None:
        return Transient(f"Facebook: {message}")
    return Rejected(f"Facebook: {message}", code=str(code))


def _post_figures(post_id: str, body: dict, insights: dict[str, str], retired: Iterable[str]) -> Metrics:
    data = (body.get("insights") or {}).get("data") if isinstance(body.get("insights"), dict) else None
    values = {}
    for item in data if isinstance(data, list) else []:
        if isinstance(item, dict) and isinstance(item.get("values"), list) and item["values"]:
            first = item["values"][0]
            values[item.get("name")] = first.get("value") if isinstance(first, dict) else None
    unavailable: dict[str, str] = {}
    figures: dict[str, int | None] = {}
    retired = set(retired)
    for figure, name in metric_names.FACEBOOK_INSIGHTS.items():
        if name in retired:
            figures[figure] = None
            unavailable[figure] = f"Facebook retired the metric {name}"
            continue
        figures[figure] = count_or_none(values.get(name))
        if figures[figure] is None:
            unavailable[figure] = f"Facebook did not give {name}"

    def summary(edge: str) -> int | None:
        node = body.get(edge)
        return count_or_none(node.get("summary", {}).get("total_count")) if isinstance(node, dict) else None

    figures["reactions"], figures["comments"] = summary("reactions"), summary("comments")
    shares = body.get("shares")
    # The Graph leaves "shares" out when a post has none.
    figures["shares"] = count_or_none(shares.get("count")) if isinstance(shares, dict) else 0
    for figure in ("reactions", "comments", "shares"):
        if figures[figure] is None:
            unavailable[figure] = f"Facebook did not give {figure}"
    return Metrics(external_id=post_id, unavailable=unavailable, raw=body, **figures)


def pages_metrics(
    reads: list[tuple[str, str]], *, retired: Iterable[str] = (), timeout: float | None = None
) -> MetricsRead:
    """The figures of many posts on many Pages, `reads` being (post id, that Page's token): batches of up to 50
    operations, one a post. When the Graph refuses an insights metric (#100 fails the whole operation), one more
    batch asks each name alone for one of the refused posts, the retired names are dropped, and the refused posts
    are read again without them — the other metrics still arrive in the same pass."""
    read = MetricsRead()
    if not reads:
        return read
    retired_names = list(dict.fromkeys(retired))
    session = thread_session(timeout=timeout or settings.CHANNEL_TIMEOUT)
    graph = GraphAPI(reads[0][1], session=session, timeout=session.timeout)

    def asked() -> list[str]:
        return [name for name in metric_names.FACEBOOK_INSIGHTS.values() if name not in retired_names]

    def batch(operations: list[dict]) -> list:
        read.calls += 1
        try:
            answers = graph.request(
                graph.version, post_args={"batch": json.dumps(operations), "include_headers": "false"}
            )
        except facebook.GraphAPIError as error:
            raise graph_error(error, writing=False) from None
        except requests.RequestException as error:
            raise transport_error(error, writing=False, network="Facebook") from None
        except (ValueError, KeyError) as error:
            raise Transient(f"Facebook: malformed answer ({type(error).__name__})") from None
        if not isinstance(answers, list) or len(answers) != len(operations):
            raise Transient("Facebook: malformed batch answer")
        return answers

    pending = list(dict.fromkeys(reads))
    while pending:
        chunk, pending = pending[:MAX_BATCH], pending[MAX_BATCH:]
        try:
            answers = batch([_operation(p, t, asked(), fields=metric_names.FACEBOOK_FIELDS) for p, t in chunk])
        except ChannelError as error:
            read.results.update((post_id, error) for post_id, _ in chunk)
            continue
        refused = []
        for (post_id, token), answer in zip(chunk, answers, strict=True):
            error = _operation_error(answer)
            if error is None:
                try:
                    body = json.loads(answer["body"])
                except (KeyError, TypeError, ValueError):
                    body = None
                read.results[post_id] = (
                    _post_figures(post_id, body, metric_names.FACEBOOK_INSIGHTS, retired_names)
                    if isinstance(body, dict)
                    else Transient("Facebook: malformed operation answer")
                )
            elif _retired_metric_error(error) and asked():
                refused.append((post_id, token))
            else:
                read.results[post_id] = _operation_failure(error)
        if not refused:
            continue
        names = asked()
        post_id, token = refused[0]
        try:
            probes = batch([_operation(post_id, token, [name]) for name in names])
        except ChannelError as error:
            read.results.update((p, error) for p, _ in refused)
            continue
        newly = [
            name for name, answer in zip(names, probes, strict=True) if _retired_metric_error(_operation_error(answer))
        ]
        if not newly:
            read.results.update((p, Transient("Facebook refused the insights metrics")) for p, _ in refused)
            continue
        retired_names.extend(newly)
        read.retired.extend(newly)
        pending = refused + pending
    return read
