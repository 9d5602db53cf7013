"""What a fan-out costs before it happens, and the monthly X budget: X bills every post it creates (more when the
post carries a URL, as every post Chancery sends does), so the approver sees the cost and a post that would exceed
the month's budget is held, with that reason, before it leaves."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import StoryPage

from .localize import story_for_languages
from .models import Post
from .sensitivity import post_is_sensitive
from .targets import story_source, target_accounts

State = Post.State
IN_FLIGHT = [State.QUEUED, State.SENDING, State.UNCONFIRMED]


def x_price(*, with_link: bool = True) -> Decimal:
    return Decimal(settings.X_PRICES["post_with_link" if with_link else "post"])


def x_budget() -> Decimal | None:
    return Decimal(settings.X_MONTHLY_BUDGET) if settings.X_MONTHLY_BUDGET else None


@dataclass
class Estimate:
    """What publishing a story would plan: posts per network, embassies, languages, fallbacks, X's bill."""

    posts: Counter = field(default_factory=Counter)
    embassies: set = field(default_factory=set)
    languages: Counter = field(default_factory=Counter)
    fallback: int = 0
    sensitive: int = 0

    @property
    def total(self) -> int:
        return sum(self.posts.values())

    @property
    def x_cost(self) -> Decimal:
        return self.posts["x"] * x_price(with_link=True)

    def summary(self) -> str:
        return _(
            "Publishing proposes %(total)s posts to %(embassies)s embassies (Facebook %(facebook)s, X %(x)s) in "
            "%(languages)s, %(fallback)s of them in a fallback language; X cost $%(cost)s; %(sensitive)s of them "
            "need a head of mission."
        ) % {
            "total": self.total,
            "embassies": len(self.embassies),
            "facebook": self.posts["facebook"],
            "x": self.posts["x"],
            "languages": ", ".join(f"{code} {n}" for code, n in sorted(self.languages.items())) or "—",
            "fallback": self.fallback,
            "cost": f"{self.x_cost:.2f}",
            "sensitive": self.sensitive,
        }


def distribution_estimate(*, story: StoryPage) -> Estimate:
    """The plan publishing `story` would make, computed and not written: nothing changes."""

    source = story_source(story)
    translations = {
        page.locale.language_code: page
        for page in StoryPage.objects.filter(translation_key=source.translation_key).select_related("locale")
        if page.live or page.pk == source.pk
    }
    concerned = set(source.countries.values_list("code", flat=True))
    estimate = Estimate()
    for account in target_accounts(source):
        embassy = account.embassy
        _page, language, fallback = story_for_languages(translations, embassy.posting_languages, source)
        estimate.posts[account.network] += 1
        estimate.embassies.add(embassy.pk)
        estimate.languages[language] += 1
        estimate.fallback += fallback
        estimate.sensitive += post_is_sensitive(story=source, embassy=embassy, country_codes=concerned)
    return estimate


def month_start(now: datetime) -> datetime:
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def x_month_spend(*, now: datetime | None = None) -> Decimal:
    """What X has billed this month (UTC) for Chancery's posts: those published since the first of the month."""
    start = month_start(now or timezone.now())
    published = Post.objects.filter(network="x", published_at__gte=start).exclude(external_id="").count()
    return published * x_price(with_link=True)


def posts_budget_apply(*, now: datetime | None = None) -> int:
    """Before a dispatch: of the X posts due (and those held for the budget), those the month's budget still pays
    for stay or go back on the schedule, earliest first; the rest are held with the reason. Returns how many are
    held now. Posts already on their way count against the budget."""
    budget = x_budget()
    if budget is None:
        return 0
    now = now or timezone.now()
    price = x_price(with_link=True)
    committed = x_month_spend(now=now) + price * Post.objects.filter(network="x", state__in=IN_FLIGHT).count()
    affordable = max(0, int((budget - committed) // price))
    with transaction.atomic():
        candidates = list(
            Post.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(Q(state=State.SCHEDULED, due_at__lte=now) | Q(state=State.HELD, held_for="budget"), network="x")
            .order_by("due_at", "pk")
            .values_list("pk", flat=True)
        )
        paid, over = candidates[:affordable], candidates[affordable:]
        Post.objects.filter(pk__in=paid, state=State.HELD, held_for="budget").update(
            state=State.SCHEDULED, held_for="", reason="", updated_at=now
        )
        reason = _("Held: this month's X budget ($%(budget)s) would be exceeded ($%(spent)s committed).") % {
            "budget": f"{budget:.2f}",
            "spent": f"{committed:.2f}",
        }
        newly = list(Post.objects.filter(pk__in=over, state=State.SCHEDULED).values_list("pk", flat=True))
        Post.objects.filter(pk__in=newly).update(state=State.HELD, held_for="budget", reason=reason, updated_at=now)
        if newly:
            transaction.on_commit(lambda: _tell_leads(len(newly), reason))
    return len(over)


def _tell_leads(count: int, reason: str) -> None:
    permission = Permission.objects.filter(content_type__app_label="publishing", codename="set_hold")
    leads = get_user_model().objects.filter(
        Q(groups__permissions__in=permission) | Q(user_permissions__in=permission), is_active=True
    )
    recipients = sorted({email for email in leads.values_list("email", flat=True) if email})
    if recipients:
        subject = _("%(count)s X posts held: the monthly budget") % {"count": count}
        send_mail(subject, reason, None, recipients, fail_silently=True)
