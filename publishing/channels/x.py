"""X accounts through tweepy.Client with an OAuth 2.0 user token; the API host comes from settings."""

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta

import requests
import tweepy
from django.conf import settings

from . import metric_names
from .base import (
    AccountCheck,
    ApiSession,
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
from .textlength import weighted_length

__all__ = ["XChannel", "weighted_length", "x_error"]

TWEEPY_HOSTS = ("https://api.twitter.com", "https://api.x.com")
MAX_LOOKUP = 100
REPLY_FIELDS = ["author_id", "created_at", "conversation_id", "in_reply_to_user_id", "referenced_tweets", "lang"]


def _reply(tweet, users: dict, conversation_id: str) -> RemoteComment:
    """A reply from a search answer. Its parent: the post it replied to, empty when that is the conversation's
    first post."""
    replied = next(
        (str(ref["id"]) for ref in (tweet.referenced_tweets or []) if getattr(ref, "type", None) == "replied_to"),
        "",
    )
    author = users.get(str(tweet.author_id))
    return RemoteComment(
        external_id=str(tweet.id),
        parent_id="" if replied == conversation_id else replied,
        author_id=str(tweet.author_id or ""),
        author_name=getattr(author, "name", "") or "",
        author_handle=getattr(author, "username", "") or "",
        text=tweet.text or "",
        language=tweet.lang or "",
        created_at=tweet.created_at,
    )


def x_session(timeout: float | None = None) -> ApiSession:
    base = settings.X_API_URL.rstrip("/")
    return thread_session(timeout=timeout or settings.CHANNEL_TIMEOUT, rewrite=dict.fromkeys(TWEEPY_HOSTS, base))


def _detail(error: tweepy.HTTPException) -> str:
    messages = [m for m in (error.api_messages or []) if m]
    if messages:
        return "; ".join(messages)
    try:
        return error.response.json().get("detail") or error.response.reason
    except ValueError:
        return error.response.reason or f"HTTP {error.response.status_code}"


def x_error(error: tweepy.HTTPException, *, writing: bool) -> ChannelError:
    detail = _detail(error)
    if isinstance(error, tweepy.TooManyRequests):
        reset = error.reset_time or int((datetime.now(UTC) + timedelta(minutes=15)).timestamp())
        return RateLimited(f"X: {detail}", until=datetime.fromtimestamp(reset, UTC))
    if isinstance(error, tweepy.Unauthorized):
        return AuthExpired("X: the access token is no longer valid")
    if isinstance(error, tweepy.Forbidden) and "duplicate content" in detail.lower():
        return Duplicate(f"X: {detail}")
    if isinstance(error, tweepy.TwitterServerError):
        return Transient(f"X: {detail}")
    return Rejected(f"X: {detail}", code=str(error.response.status_code))


def tweet_figures(tweet, *, non_public: bool) -> Metrics:
    """A looked-up post's figures: views from the owner's impressions where X gives them, else the public ones;
    X gives impressions, never reach; link clicks only to the owner, for 30 days."""
    public = tweet.public_metrics if isinstance(tweet.public_metrics, dict) else {}
    private = tweet.non_public_metrics if isinstance(tweet.non_public_metrics, dict) else {}
    views = count_or_none(private.get("impression_count"))
    if views is None:
        views = count_or_none(public.get("impression_count"))
    retweets, quotes = count_or_none(public.get("retweet_count")), count_or_none(public.get("quote_count"))
    figures = {
        "views": views,
        "reach": None,
        "reactions": count_or_none(public.get("like_count")),
        "comments": count_or_none(public.get("reply_count")),
        "shares": retweets + (quotes or 0) if retweets is not None else None,
        "clicks": count_or_none(private.get("url_link_clicks")),
    }
    unavailable = {name: f"X did not give {name}" for name, value in figures.items() if value is None}
    unavailable["reach"] = "X gives impressions, not reach"
    if figures["clicks"] is None:
        unavailable["clicks"] = (
            "X did not give link clicks"
            if non_public
            else f"X gives link clicks only for {metric_names.X_NON_PUBLIC_DAYS} days after posting"
        )
    raw = {"public_metrics": public, **({"non_public_metrics": private} if private else {})}
    return Metrics(external_id=str(tweet.id), unavailable=unavailable, raw=raw, **figures)


class XChannel(Channel):
    network = "x"

    def __init__(self, *, user_id: str, access_token: str, username: str = "", timeout: float | None = None):
        super().__init__()
        self.user_id = user_id
        self.username = username
        self.access_token = access_token
        self.session = x_session(timeout)
        self.client = tweepy.Client(bearer_token=access_token)
        self.client.session = self.session

    def _call(self, operation, *, writing: bool = False):
        try:
            return operation()
        except tweepy.HTTPException as error:
            raise x_error(error, writing=writing) from None
        except requests.RequestException as error:
            raise transport_error(error, writing=writing, network="X") from None
        except (ValueError, KeyError, TypeError) as error:
            message = f"X: malformed answer ({type(error).__name__})"
            raise (UnknownOutcome(message) if writing else Transient(message)) from None
        finally:
            self.usage = self._usage()

    def _usage(self) -> Usage:
        headers = {k.lower(): v for k, v in self.session.last_headers.items()}
        try:
            limit = int(headers["x-rate-limit-limit"])
            remaining = int(headers["x-rate-limit-remaining"])
            reset = datetime.fromtimestamp(int(headers["x-rate-limit-reset"]), UTC)
        except (KeyError, ValueError):
            return Usage()
        return Usage(remaining=remaining, limit=limit, reset_at=reset, percent_used=100 * (limit - remaining) / limit)

    def upload(self, image: Image) -> str:
        def send():
            response = self.session.post(
                f"{settings.X_API_URL.rstrip('/')}/2/media/upload",
                headers={"Authorization": f"Bearer {self.access_token}"},
                files={"media": (image.filename, image.content, image.content_type)},
                data={"media_category": "tweet_image"},
            )
            if response.status_code >= 400:
                raise {
                    401: tweepy.Unauthorized,
                    403: tweepy.Forbidden,
                    404: tweepy.NotFound,
                    429: tweepy.TooManyRequests,
                }.get(
                    response.status_code, tweepy.BadRequest if response.status_code < 500 else tweepy.TwitterServerError
                )(response)
            return response.json()["data"]["id"]

        # An orphaned upload is harmless: a lost answer here is retried, never reconciled.
        return self._call(send)

    def publish(
        self, *, text: str, link: str | None = None, image: Image | None = None, reply_to: str = ""
    ) -> Published:
        if link and link not in text:
            text = f"{text} {link}"
        media_ids = [self.upload(image)] if image is not None else None
        answer = self._call(
            lambda: self.client.create_tweet(
                text=text, media_ids=media_ids, in_reply_to_tweet_id=reply_to or None, user_auth=False
            ),
            writing=True,
        )
        post_id = str(answer.data["id"])
        return Published(external_id=post_id, url=self.post_url(post_id))

    def post_url(self, post_id: str) -> str:
        return f"https://x.com/{self.username or 'i/web'}/status/{post_id}"

    def delete(self, external_id: str) -> None:
        self._call(lambda: self.client.delete_tweet(external_id, user_auth=False), writing=True)

    def find_reply(self, *, reply_to: str, text: str) -> RemotePost | None:
        """Replies are in the account's own timeline: the newest with this text."""
        return next((post for post in self.recent_posts(limit=100) if post.text == text), None)

    def hide(self, external_id: str, *, hidden: bool) -> None:
        operation = self.client.hide_reply if hidden else self.client.unhide_reply
        self._call(lambda: operation(external_id, user_auth=False), writing=True)

    def replies_read(self, conversation_ids: dict[str, str]) -> CommentsRead:
        """The replies in each conversation newer than its `since_id` (empty: all X still holds, the last seven
        days), 100 a page. X bills every post returned, and nothing for an empty answer."""
        read = CommentsRead()
        for conversation_id, since_id in conversation_ids.items():
            found: list[RemoteComment] = []
            token = None
            try:
                while True:
                    read.calls += 1
                    answer = self._call(
                        lambda token=token, conversation_id=conversation_id, since_id=since_id: (
                            self.client.search_recent_tweets(
                                f"conversation_id:{conversation_id}",
                                since_id=since_id or None,
                                max_results=100,
                                next_token=token,
                                tweet_fields=REPLY_FIELDS,
                                expansions=["author_id"],
                                user_fields=["username", "name"],
                                user_auth=False,
                            )
                        )
                    )
                    users = {str(u.id): u for u in (answer.includes or {}).get("users", [])}
                    for tweet in answer.data or []:
                        found.append(_reply(tweet, users, conversation_id))
                    read.billed_reads += len(answer.data or [])
                    meta = answer.meta or {}
                    if meta.get("newest_id") and conversation_id not in read.newest:
                        read.newest[conversation_id] = str(meta["newest_id"])
                    token = meta.get("next_token")
                    if not token:
                        break
            except ChannelError as error:
                read.results[conversation_id] = error  # the next pass reads again from the same since_id
                continue
            read.results[conversation_id] = found
        return read

    def recent_posts(self, *, limit: int = 100) -> Iterator[RemotePost]:
        answer = self._call(
            lambda: self.client.get_users_tweets(
                self.user_id,
                max_results=max(5, min(limit, 100)),
                tweet_fields=["created_at", "entities"],
                user_auth=False,
            )
        )
        for tweet in (answer.data or [])[:limit]:
            links = tuple(url.get("expanded_url", "") for url in ((tweet.entities or {}).get("urls") or []))
            yield RemotePost(
                external_id=str(tweet.id),
                text=tweet.text,
                created_at=tweet.created_at,
                url=self.post_url(tweet.id),
                links=links,
            )

    def metrics(self, external_ids: Iterable[str]) -> dict[str, Metrics]:
        read = self.metrics_read(list(external_ids), non_public=True)
        return {post_id: found for post_id, found in read.results.items() if isinstance(found, Metrics)}

    def metrics_read(self, external_ids: list[str], *, non_public: bool) -> MetricsRead:
        """Lookups of up to 100 of this account's posts with its own token. `non_public`: ask the owner-only
        metrics too, which X gives for 30 days after posting (link clicks, and impressions as the owner sees
        them); without them views come from the public metrics and clicks are unavailable."""
        read = MetricsRead()
        fields = [*metric_names.X_PUBLIC_FIELDS, *(metric_names.X_NON_PUBLIC_FIELDS if non_public else ())]
        ids = list(dict.fromkeys(external_ids))
        for start in range(0, len(ids), MAX_LOOKUP):
            chunk = ids[start : start + MAX_LOOKUP]
            read.calls += 1
            try:
                answer = self._call(
                    lambda chunk=chunk: self.client.get_tweets(chunk, tweet_fields=fields, user_auth=False)
                )
            except ChannelError as error:
                read.results.update((post_id, error) for post_id in chunk)
                continue
            for problem in answer.errors or []:
                found = (
                    str(problem.get("resource_id") or problem.get("value") or "") if isinstance(problem, dict) else ""
                )
                if (
                    found in chunk
                    and "not-found" in str(problem.get("type", "")) + str(problem.get("title", "")).lower()
                ):
                    read.results[found] = Gone(f"X: {problem.get('detail') or 'the post is not found'}")
            for tweet in answer.data or []:
                read.results[str(tweet.id)] = tweet_figures(tweet, non_public=non_public)
        return read

    def check(self) -> AccountCheck:
        answer = self._call(lambda: self.client.get_me(user_auth=False))
        return AccountCheck(
            external_id=str(answer.data.id), name=answer.data.name, valid=True, handle=f"@{answer.data.username}"
        )


class XOAuth2(tweepy.OAuth2UserHandler):
    """tweepy's OAuth 2.0 PKCE handler with the authorize and token URLs taken from settings."""

    # tweet.moderate.write: listening hides replies in the account's conversations
    SCOPES = ["tweet.read", "tweet.write", "users.read", "offline.access", "media.write", "tweet.moderate.write"]

    def __init__(self, *, redirect_uri: str = ""):
        if settings.X_API_URL.startswith("http://"):
            # oauthlib refuses plain http; only a local sandbox is ever reached that way.
            import os

            os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")
        super().__init__(
            client_id=settings.X_CLIENT_ID or "chancery",
            redirect_uri=redirect_uri,
            scope=self.SCOPES,
            client_secret=settings.X_CLIENT_SECRET or None,
        )

    @staticmethod
    def token_url() -> str:
        return f"{settings.X_API_URL.rstrip('/')}/2/oauth2/token"

    def get_authorization_url(self) -> tuple[str, str, str]:
        """The URL to send the user to, with the state and the PKCE verifier to keep until the callback."""
        verifier = self._client.create_code_verifier(64)
        url, state = self.authorization_url(
            settings.X_AUTHORIZE_URL,
            code_challenge=self._client.create_code_challenge(verifier, "S256"),
            code_challenge_method="S256",
        )
        return url, state, verifier

    def fetch_token(self, authorization_response: str, *, code_verifier: str) -> dict:
        return super(tweepy.OAuth2UserHandler, self).fetch_token(
            self.token_url(),
            authorization_response=authorization_response,
            auth=self.auth,
            include_client_id=True,
            code_verifier=code_verifier,
            timeout=settings.CHANNEL_TIMEOUT,
        )

    def refresh(self, refresh_token: str) -> dict:
        extra = {} if self.auth else {"client_id": self.client_id}
        return self.refresh_token(
            self.token_url(), refresh_token=refresh_token, auth=self.auth, timeout=settings.CHANNEL_TIMEOUT, **extra
        )
