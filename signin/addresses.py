"""The client's address, read one way by sign-in lockout, the password-reset throttle and the sign-in audit.

Behind N reverse proxies (the TRUSTED_PROXIES setting), each proxy appends the address it was reached from to
X-Forwarded-For, so the client is the N-th address from the right: whatever a client writes into the header
itself stands further left and is never read. With no proxy counted, REMOTE_ADDR is the client."""

import logging

from django.conf import settings

logger = logging.getLogger(__name__)
_warned = False


def client_ip(request) -> str:
    proxies = settings.TRUSTED_PROXIES or 0
    remote = request.META.get("REMOTE_ADDR", "")
    forwarded = [part.strip() for part in request.META.get(settings.CLIENT_IP_HEADER, "").split(",") if part.strip()]
    if proxies <= 0:
        if forwarded:
            _warn_once_behind_an_uncounted_proxy()
        return remote
    if len(forwarded) < proxies:
        return remote  # fewer hops than proxies: the request did not come through them all, so trust no header
    return forwarded[-proxies]


def _warn_once_behind_an_uncounted_proxy() -> None:
    global _warned
    if not _warned and settings.TRUSTED_PROXIES is None:
        _warned = True
        logger.warning(
            "Requests carry %s but TRUSTED_PROXIES is not set: every client counts as the proxy's address, "
            "so one person's failed sign-ins lock everyone out. Set TRUSTED_PROXIES to the number of proxies.",
            settings.CLIENT_IP_HEADER,
        )
