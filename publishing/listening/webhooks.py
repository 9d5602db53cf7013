"""Facebook Page webhooks (`feed`): the subscription handshake, and signed deliveries taken as hints to read a post's
comments sooner. A delivery's body is never stored as a comment: the next read decides what is."""

import hashlib
import hmac
import json
import logging

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .collect import hint_received

logger = logging.getLogger(__name__)
REPLAY_SECONDS = 24 * 3600


def signature_valid(body: bytes, header: str, secret: str) -> bool:
    if not secret or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256="))


def delivery_posts(payload) -> set[str]:
    """The posts whose comments a delivery says changed."""
    found = set()
    entries = payload.get("entry") if isinstance(payload, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        changes = entry.get("changes") if isinstance(entry, dict) else None
        for change in changes if isinstance(changes, list) else []:
            value = change.get("value") if isinstance(change, dict) else None
            comment = isinstance(value, dict) and value.get("item") == "comment"
            if change.get("field") == "feed" and comment and isinstance(value.get("post_id"), str):
                found.add(value["post_id"])
    return found


@csrf_exempt
@require_http_methods(["GET", "POST"])
def facebook(request):
    if request.method == "GET":
        token = settings.LISTENING_WEBHOOK_VERIFY_TOKEN
        given = request.GET.get("hub.verify_token", "")
        if request.GET.get("hub.mode") == "subscribe" and token and hmac.compare_digest(given, token):
            return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
        return HttpResponseForbidden("verification failed")
    body = request.body
    if not signature_valid(body, request.headers.get("X-Hub-Signature-256", ""), settings.FACEBOOK_APP_SECRET):
        logger.warning("a webhook delivery with a missing or wrong signature was refused")
        return HttpResponseForbidden("bad signature")
    digest = hashlib.sha256(body).hexdigest()
    if not cache.add(f"listening:webhook:{digest}", 1, REPLAY_SECONDS):
        return HttpResponse("already received")  # a replay, or Facebook repeating itself: nothing to do
    try:
        payload = json.loads(body)
    except ValueError:
        return HttpResponseBadRequest("not JSON")
    hinted = sum(hint_received(network="facebook", post_external_id=post_id) for post_id in delivery_posts(payload))
    return HttpResponse(f"ok {hinted}")
