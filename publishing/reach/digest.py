"""The weekly reach digest by e-mail: the ministry's week to the communications leads, and each embassy's week to
its head of mission, with the posts that drew unusual replies."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from embassies.models import EmbassyMembership

from ..models import Post, ReplyAlert
from .alerts import lead_recipients
from .reports import FIGURES, Period, figures_of, grouped

State = Post.State


def _published(posts: QuerySet[Post], period: Period) -> QuerySet[Post]:
    return period.filter(posts.filter(published_at__isnull=False, state__in=[State.PUBLISHED, State.RECALLED]))


def _figure(value) -> str:
    return "—" if value is None else number_format(value, force_grouping=True)


def digest_text(posts: QuerySet[Post], period: Period, *, title: str) -> str:
    """The week's figures of `posts`, the previous week's beside them, the top stories and the alerts."""
    now, before = figures_of(_published(posts, period)), figures_of(_published(posts, period.previous))
    lines = [
        title,
        _("%(start)s to %(end)s (UTC)") % {"start": f"{period.start:%Y-%m-%d}", "end": f"{period.end:%Y-%m-%d}"},
        "",
        _("Posts published: %(now)s (the week before: %(before)s)") % {"now": now["posts"], "before": before["posts"]},
    ]
    for name in FIGURES:
        lines.append(f"  {name}: {_figure(now[name])} ({_figure(before[name])})")
    top = grouped(_published(posts, period), "distribution__story__title", limit=5)
    if top:
        lines += ["", _("Top stories by views:")]
        lines += [f"  {row['distribution__story__title']}: {_figure(row['views'])}" for row in top]
    alerts = ReplyAlert.objects.filter(post__in=posts, raised_at__gte=period.start, raised_at__lt=period.end)
    if alerts.exists():
        lines += ["", _("Posts that drew unusual replies (#NoHarm):")]
        lines += [
            f"  {alert.post.embassy.name} · {alert.post.get_network_display()} · {alert.post.external_url} "
            f"({alert.multiple:.1f}×)"
            for alert in alerts.select_related("post__embassy")
        ]
    lines += ["", _("The reports: %(url)s") % {"url": f"{settings.WAGTAILADMIN_BASE_URL}{reverse('reach_dashboard')}"}]
    return "\n".join(lines)


def digest_send(*, now: datetime | None = None) -> int:
    """Send the last seven days' digests; returns how many messages left."""
    end = now or timezone.now()
    period = Period(end - timedelta(days=7), end)
    sent = 0
    leads = lead_recipients()
    if leads:
        body = digest_text(Post.objects.all(), period, title=_("Chancery: the week's reach"))
        sent += send_mail(_("The week's reach"), body, None, leads, fail_silently=True)
    heads = (
        EmbassyMembership.objects.filter(role=EmbassyMembership.Role.HEAD_OF_MISSION, user__is_active=True)
        .exclude(user__email="")
        .select_related("embassy", "user")
    )
    for head in heads:
        embassy = head.embassy
        body = digest_text(
            Post.objects.filter(embassy=embassy),
            period,
            title=_("%(embassy)s: the week's reach") % {"embassy": embassy},
        )
        sent += send_mail(
            _("%(embassy)s: the week's reach") % {"embassy": embassy}, body, None, [head.user.email], fail_silently=True
        )
    return sent
