"""The connect flows through the real libraries: Facebook login → long-lived user token → Page token,
and X OAuth 2.0 with PKCE → access and refresh tokens. Secrets kept between steps are encrypted."""

import secrets
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

import facebook
import requests
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from publishing.channels.base import ChannelError
from publishing.channels.facebook import GraphAPI
from publishing.channels.x import XChannel, XOAuth2

from .credentials import credentials_decrypt, credentials_encrypt
from .models import Embassy, SocialAccount
from .services import ConnectError, account_connect, expiry_from_unix

SESSION_KEY = "chancery_connect"
FACEBOOK_SCOPES = [
    "pages_show_list",
    "pages_manage_posts",
    "pages_read_engagement",
    "read_insights",
    # listening: read the comments, answer and hide them
    "pages_read_user_content",
    "pages_manage_engagement",
]


def _pending(session) -> dict:
    return session.setdefault(SESSION_KEY, {})


def _graph(token: str | None = None) -> GraphAPI:
    return GraphAPI(token or "", session=requests.Session(), timeout=settings.CHANNEL_TIMEOUT)


def connect_begin(*, session, embassy: Embassy, network: str, redirect_uri: str) -> str:
    """Remember who is connecting what, and return the network's authorization URL."""
    pending = {"embassy_id": embassy.pk}
    if network == SocialAccount.Network.X:
        url, state, verifier = XOAuth2(redirect_uri=redirect_uri).get_authorization_url()
        pending.update(state=state, verifier=credentials_encrypt({"v": verifier}))
    else:
        state = secrets.token_urlsafe(24)
        pending["state"] = state
        url = f"{settings.FACEBOOK_WWW_URL}{settings.FACEBOOK_GRAPH_VERSION}/dialog/oauth?" + urlencode(
            {
                "client_id": settings.FACEBOOK_APP_ID,
                "redirect_uri": redirect_uri,
                "state": state,
                "scope": ",".join(FACEBOOK_SCOPES),
                "response_type": "code",
            }
        )
    _pending(session)[network] = pending
    session.modified = True
    return url


def pending_embassy_id(session, network: str, *, state: str) -> int:
    pending = _pending(session).get(network)
    if not pending or not state or not secrets.compare_digest(pending.get("state", ""), state):
        raise ConnectError(_("This connection link has expired or was not started here. Please start again."))
    return pending["embassy_id"]


def x_connect_finish(
    *, session, embassy: Embassy, user, authorization_response: str, redirect_uri: str
) -> SocialAccount:
    pending = _pending(session).pop(network := SocialAccount.Network.X, None)
    session.modified = True
    if not pending:
        raise ConnectError(_("This connection link has expired. Please start again."))
    verifier = credentials_decrypt(pending["verifier"])["v"]
    try:
        token = XOAuth2(redirect_uri=redirect_uri).fetch_token(authorization_response, code_verifier=verifier)
    except Exception as error:  # oauthlib's errors have many types; none may leak the code or verifier
        raise ConnectError(
            _("X did not accept the authorization (%(kind)s). Please try again.") % {"kind": type(error).__name__}
        ) from None
    if not token.get("refresh_token"):
        raise ConnectError(_("X gave no refresh token: the offline.access permission is needed."))
    try:
        me = XChannel(user_id="", access_token=token["access_token"]).check()
    except ChannelError as error:
        raise ConnectError(str(error)) from None
    return account_connect(
        embassy=embassy,
        network=network,
        external_id=me.external_id,
        handle=me.handle,
        display_name=me.name,
        credentials={"access_token": token["access_token"], "refresh_token": token["refresh_token"]},
        expires_at=timezone.now() + timedelta(seconds=int(token.get("expires_in", 7200))),
        user=user,
    )


def facebook_code_exchange(*, session, code: str, redirect_uri: str) -> None:
    """Code → short-lived user token → long-lived user token, kept encrypted until a Page is chosen."""
    pending = _pending(session).get(SocialAccount.Network.FACEBOOK)
    if not pending or not code:
        raise ConnectError(_("Facebook did not send a login code. Please start again."))
    try:
        short = _graph().get_access_token_from_code(
            code, redirect_uri, settings.FACEBOOK_APP_ID, settings.FACEBOOK_APP_SECRET
        )["access_token"]
        long_lived = _graph(short).extend_access_token(settings.FACEBOOK_APP_ID, settings.FACEBOOK_APP_SECRET)
    except (facebook.GraphAPIError, requests.RequestException, KeyError, ValueError) as error:
        raise ConnectError(
            _("Facebook login failed (%(kind)s). Please try again.") % {"kind": type(error).__name__}
        ) from None
    pending["user_token"] = credentials_encrypt({"t": long_lived["access_token"]})
    session.modified = True


def facebook_pages(*, session) -> list[dict]:
    """The Pages the logged-in Facebook user manages, with their Page tokens (kept in memory only)."""
    pending = _pending(session).get(SocialAccount.Network.FACEBOOK) or {}
    if "user_token" not in pending:
        raise ConnectError(_("Log in with Facebook first."))
    user_token = credentials_decrypt(pending["user_token"])["t"]
    try:
        answer = _graph(user_token).get_connections("me", "accounts", fields="name,access_token,tasks", limit=100)
    except (facebook.GraphAPIError, requests.RequestException, ValueError) as error:
        raise ConnectError(_("Could not list your Pages (%(kind)s).") % {"kind": type(error).__name__}) from None
    return [page for page in answer.get("data", []) if "CREATE_CONTENT" in page.get("tasks", ["CREATE_CONTENT"])]


def facebook_connect_finish(*, session, embassy: Embassy, user, page_id: str) -> SocialAccount:
    pages = {page["id"]: page for page in facebook_pages(session=session)}
    page = pages.get(page_id)
    if page is None:
        raise ConnectError(_("That Page is not one you manage."))
    try:
        debug = _graph().debug_access_token(
            page["access_token"], settings.FACEBOOK_APP_ID, settings.FACEBOOK_APP_SECRET
        )
    except (facebook.GraphAPIError, requests.RequestException, ValueError) as error:
        raise ConnectError(_("Could not check the Page token (%(kind)s).") % {"kind": type(error).__name__}) from None
    _pending(session).pop(SocialAccount.Network.FACEBOOK, None)
    session.modified = True
    return account_connect(
        embassy=embassy,
        network=SocialAccount.Network.FACEBOOK,
        external_id=page["id"],
        display_name=page["name"],
        handle=page["name"],
        credentials={"access_token": page["access_token"]},
        expires_at=expiry_from_unix(debug.get("data", {}).get("expires_at")),
        user=user,
    )


def login_origins() -> list[str]:
    """The origins of the networks' sign-in pages, where connecting an account leads."""
    urls = (settings.FACEBOOK_WWW_URL, settings.X_AUTHORIZE_URL)
    return sorted({f"{urlsplit(url).scheme}://{urlsplit(url).netloc}" for url in urls if urlsplit(url).netloc})
