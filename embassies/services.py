"""Embassy account services: connect, refresh X tokens under a row lock, check health, rotate keys."""

import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from publishing.channels import channel_for_account
from publishing.channels.base import AuthExpired, ChannelError

from .credentials import CredentialsUnreadable, credentials_reencrypt
from .models import Embassy, SocialAccount
from .signals import account_reconnected

logger = logging.getLogger(__name__)
X_REFRESH_MARGIN = timedelta(minutes=10)


class ConnectError(Exception):
    """A connect flow could not finish; the message is for the person connecting."""


def account_connect(
    *,
    embassy: Embassy,
    network: str,
    external_id: str,
    credentials: dict,
    handle: str = "",
    display_name: str = "",
    expires_at: datetime | None = None,
    user=None,
) -> SocialAccount:
    """Store an embassy's account with its encrypted credentials; reconnecting replaces the old ones."""
    taken = SocialAccount.objects.filter(network=network, external_id=external_id).exclude(embassy=embassy).first()
    if taken:
        raise ConnectError(_("This account is already connected to another embassy."))
    with transaction.atomic():
        account = SocialAccount.objects.filter(embassy=embassy, network=network).first() or SocialAccount(
            embassy=embassy, network=network
        )
        account.external_id = external_id
        account.handle = handle
        account.display_name = display_name
        account.credentials_set(credentials)
        account.token_expires_at = expires_at
        account.status = SocialAccount.Status.CONNECTED
        account.last_error = ""
        account.connected_at = timezone.now()
        account.save()
        log(account, "chancery.account_connected", user=user)
        # Posts that waited for this account go back to the schedule (the publisher listens).
        account_reconnected.send(sender=SocialAccount, account=account, user=user)
    return account


def account_mark_needs_reconnect(*, account: SocialAccount, reason: str, user=None) -> None:
    updated = (
        SocialAccount.objects.filter(pk=account.pk)
        .exclude(status=SocialAccount.Status.NEEDS_RECONNECT)
        .update(status=SocialAccount.Status.NEEDS_RECONNECT, last_error=reason[:2000])
    )
    account.status, account.last_error = SocialAccount.Status.NEEDS_RECONNECT, reason[:2000]
    if updated:
        log(account, "chancery.account_needs_reconnect", user=user, data={"reason": reason[:500]})
        logger.warning("account %s of embassy %s needs reconnecting: %s", account.pk, account.embassy_id, reason)
        _tell_embassy(account, reason)


def _tell_embassy(account: SocialAccount, reason: str) -> None:
    recipients = list(
        account.embassy.memberships.exclude(user__email="").values_list("user__email", flat=True).distinct()
    )
    if not recipients:
        return
    subject = _("%(embassy)s: reconnect the %(network)s") % {
        "embassy": account.embassy.name,
        "network": account.get_network_display(),
    }
    body = _(
        "Posting to %(account)s is on hold until the account is connected again.\n\nReason: %(reason)s\n\n"
        "Reconnect it here: %(url)s"
    ) % {
        "account": account.display_name or account.handle,
        "reason": reason,
        "url": f"{settings.WAGTAILADMIN_BASE_URL}{reverse('embassies_accounts', args=(account.embassy_id,))}",
    }
    send_mail(subject, body, None, recipients, fail_silently=True)


def account_refresh_x_token(*, account_id: int, force: bool = False) -> SocialAccount:
    """Spend the X refresh token once, whatever the number of workers asking.

    X refresh tokens are single-use and rotate: two workers refreshing at once would lose the account.
    The row lock is held across the token call on purpose, so the second worker waits and then sees
    the fresh token instead of spending the old one.
    """
    from publishing.channels.x import XOAuth2

    with transaction.atomic():
        account = SocialAccount.objects.select_for_update().get(pk=account_id, network=SocialAccount.Network.X)
        fresh_until = timezone.now() + X_REFRESH_MARGIN
        if not force and account.token_expires_at and account.token_expires_at > fresh_until:
            return account
        refresh_token = account.credentials_get().get("refresh_token")
        if not refresh_token:
            account_mark_needs_reconnect(account=account, reason=_("No refresh token: connect the X account again."))
            return account
        try:
            token = XOAuth2().refresh(refresh_token)
        except Exception as error:  # oauthlib and requests raise many kinds; the account is what matters
            account_mark_needs_reconnect(
                account=account,
                reason=_("Refreshing the X token failed (%(kind)s): connect the account again.")
                % {"kind": type(error).__name__},
            )
            return account
        account.credentials_set(
            {"access_token": token["access_token"], "refresh_token": token.get("refresh_token", "")}
        )
        account.token_expires_at = timezone.now() + timedelta(seconds=int(token.get("expires_in", 7200)))
        account.status = SocialAccount.Status.CONNECTED
        account.last_error = ""
        account.save(update_fields=["credentials_ciphertext", "token_expires_at", "status", "last_error"])
    return account


def account_check_health(*, account_id: int) -> SocialAccount:
    """Ask the network whether the account's token still works; flag it when it does not or expires soon."""
    account = SocialAccount.objects.select_related("embassy").get(pk=account_id)
    if account.status == SocialAccount.Status.DISABLED:
        return account
    if account.network == SocialAccount.Network.X:
        account = account_refresh_x_token(account_id=account.pk)
        if account.status != SocialAccount.Status.CONNECTED:
            return account
    try:
        check = channel_for_account(account).check()
    except AuthExpired as error:
        account_mark_needs_reconnect(account=account, reason=str(error))
        return account
    except CredentialsUnreadable as error:
        account_mark_needs_reconnect(account=account, reason=str(error))
        return account
    except ChannelError as error:
        SocialAccount.objects.filter(pk=account.pk).update(last_error=str(error)[:2000], checked_at=timezone.now())
        return account
    if not check.valid:
        account_mark_needs_reconnect(account=account, reason=_("The network says the token is no longer valid."))
        return account
    fields = {"checked_at": timezone.now(), "display_name": check.name or account.display_name}
    if account.network == SocialAccount.Network.FACEBOOK:
        fields["token_expires_at"] = check.expires_at
    SocialAccount.objects.filter(pk=account.pk).update(**fields)
    account.refresh_from_db()
    return account


def accounts_check_health() -> int:
    ids = list(SocialAccount.objects.exclude(status=SocialAccount.Status.DISABLED).values_list("pk", flat=True))
    for account_id in ids:
        account_check_health(account_id=account_id)
    return len(ids)


def credentials_rotate() -> int:
    """Re-encrypt every stored secret under the newest key — accounts' credentials and the second factor's secrets
    and recovery codes; older keys can then be retired."""
    from signin.models import AuthenticatorDevice, RecoveryCodes

    count = 0
    for model, field in (
        (SocialAccount, "credentials_ciphertext"),
        (AuthenticatorDevice, "secret_ciphertext"),
        (RecoveryCodes, "codes_ciphertext"),
    ):
        for pk in model.objects.exclude(**{field: ""}).values_list("pk", flat=True):
            with transaction.atomic():
                locked = model.objects.select_for_update().only("pk", field).get(pk=pk)
                setattr(locked, field, credentials_reencrypt(getattr(locked, field)))
                locked.save(update_fields=[field])
            count += 1
    return count


def expiry_from_unix(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value else None
