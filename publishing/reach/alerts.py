"""#NoHarm's escalation signal: a post drawing replies far above its embassy's own rate tells the embassy's head
of mission and the communications leads to consider a call."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from embassies.models import EmbassyMembership

from ..models import MetricSnapshot, ReplyAlert

logger = logging.getLogger(__name__)
ALERTS_PERMISSION = "publishing.receive_reach_alerts"
RATE_FLOOR = 0.0005  # a baseline of no replies at all still needs a real rate to count as far above it


def replies_multiple(snapshot: MetricSnapshot) -> float | None:
    """Replies per view as a multiple of the account's baseline at the same age; None without a baseline."""
    rate = snapshot.replies_rate
    if rate is None or snapshot.baseline_replies is None:
        return None
    return rate / max(snapshot.baseline_replies, RATE_FLOOR)


def reply_alert_due(snapshot: MetricSnapshot) -> bool:
    multiple = replies_multiple(snapshot)
    return (
        multiple is not None
        and multiple >= settings.REACH_REPLY_ALERT_MULTIPLE
        and (snapshot.comments or 0) >= settings.REACH_REPLY_ALERT_MIN_REPLIES
    )


def lead_recipients() -> list[str]:
    """The people who hold the alerts permission through a group or directly (superusers are not implied)."""
    codename = ALERTS_PERMISSION.split(".", 1)[1]
    holds = Q(groups__permissions__codename=codename, groups__permissions__content_type__app_label="publishing") | Q(
        user_permissions__codename=codename, user_permissions__content_type__app_label="publishing"
    )
    users = get_user_model().objects.filter(holds, is_active=True).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def head_recipients(embassy_id: int) -> list[str]:
    heads = EmbassyMembership.objects.filter(
        embassy_id=embassy_id, role=EmbassyMembership.Role.HEAD_OF_MISSION, user__is_active=True
    ).exclude(user__email="")
    return sorted(set(heads.values_list("user__email", flat=True)))


def reply_alerts_raise(snapshots: list[MetricSnapshot]) -> int:
    """Raise one alert a post (never twice) for the snapshots that show unusual replies; mail on commit."""
    raised = 0
    for snapshot in snapshots:
        if not reply_alert_due(snapshot):
            continue
        alert, created = ReplyAlert.objects.get_or_create(
            post=snapshot.post, defaults={"snapshot": snapshot, "multiple": replies_multiple(snapshot)}
        )
        if created:
            raised += 1
            transaction.on_commit(lambda alert=alert: reply_alert_send(alert))
    return raised


def reply_alert_send(alert: ReplyAlert) -> int:
    post, snapshot = alert.post, alert.snapshot
    recipients = sorted(set(head_recipients(post.embassy_id)) | set(lead_recipients()))
    report = f"{settings.WAGTAILADMIN_BASE_URL}{reverse('reach_story', args=(post.distribution.story_id,))}"
    subject = _("%(embassy)s: a post is drawing unusual replies; consider a call") % {"embassy": post.embassy.name}
    body = _(
        "This post is drawing unusual replies; consider a call (#NoHarm: when an exchange may escalate, stop and pick "
        "up the phone).\n\n%(embassy)s on %(network)s: %(replies)s replies to %(views)s views, %(multiple).1f times "
        "the embassy's usual rate at this age.\n\nThe post: %(url)s\nThe story's reach: %(report)s"
    ) % {
        "embassy": post.embassy.name,
        "network": post.get_network_display(),
        "replies": snapshot.comments,
        "views": snapshot.views,
        "multiple": alert.multiple,
        "url": post.external_url,
        "report": report,
    }
    logger.warning("reply alert on post %s (%s): %.1f× the usual replies", post.pk, post.embassy.name, alert.multiple)
    sent = 0
    for address in recipients:
        sent += send_mail(subject, body, None, [address], fail_silently=True)
    ReplyAlert.objects.filter(pk=alert.pk).update(notified=sent)
    return sent
