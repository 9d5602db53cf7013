"""#NoHarm: how likely a conversation is to escalate, and why — and what happens when it crosses the line.

The score adds up reasons a person can check: replies far above the account's own rate (the reach collector's
baseline), replies from the embassy's counterparts, a storm of replies in a short time, and the lead's watch-terms.
Past LISTENING_ESCALATION_THRESHOLD the conversation is escalated once: the head of mission and the leads are told,
further replies need the head of mission, and the conversation offers the phone instead of another post."""

import re
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from ..models import Post
from ..reach.alerts import RATE_FLOOR, head_recipients, lead_recipients
from .models import Conversation, Event, WatchTerm

VELOCITY_MULTIPLE = 3.0  # replies this many times the account's usual rate count
STORM_COUNT, STORM_WINDOW = 10, timedelta(minutes=15)
POINTS = {"velocity": 30.0, "counterpart": 40.0, "storm": 30.0, "term": 15.0}


def conversation_score(
    conversation: Conversation, *, now: datetime | None = None, terms: list[WatchTerm] | None = None
) -> tuple[float, list[str]]:
    """The score and its reasons, in words for the people who must judge them (`terms`: the watch-terms, when
    the caller has read them already)."""
    now = now or timezone.now()
    comments = list(
        conversation.comments.filter(deleted_at__isnull=True, ours=False, erased_at__isnull=True)
        .select_related("counterpart")
        .order_by("created_at")
    )
    score, reasons = 0.0, []
    post = conversation.post
    snapshot = post.latest_snapshot
    if snapshot is not None and snapshot.baseline_replies is not None and post.latest_views:
        expected = max(snapshot.baseline_replies, RATE_FLOOR) * post.latest_views
        multiple = len(comments) / max(expected, 1.0)
        if multiple >= VELOCITY_MULTIPLE and len(comments) >= 5:
            score += POINTS["velocity"]
            reasons.append(
                _("%(n)s replies: %(multiple).0f× what this account usually draws (about %(expected).0f).")
                % {"n": len(comments), "multiple": multiple, "expected": expected}
            )
    counterparts = {c.counterpart for c in comments if c.counterpart is not None}
    for counterpart in sorted(counterparts, key=lambda c: c.name):
        score += POINTS["counterpart"]
        reasons.append(
            _("A counterpart replied: %(name)s (%(kind)s).")
            % {"name": counterpart.name, "kind": counterpart.get_kind_display()}
        )
    times = [c.created_at for c in comments if c.created_at]
    for index in range(len(times) - STORM_COUNT + 1):
        if times[index + STORM_COUNT - 1] - times[index] <= STORM_WINDOW:
            score += POINTS["storm"]
            reasons.append(
                _("A storm: %(n)s replies within %(minutes)s minutes.")
                % {"n": STORM_COUNT, "minutes": int(STORM_WINDOW.total_seconds() // 60)}
            )
            break
    for term in WatchTerm.objects.all() if terms is None else terms:
        pattern = re.compile(rf"(?<!\w){re.escape(term.term)}(?!\w)", re.IGNORECASE)
        hits = [c for c in comments if (not term.language or c.language == term.language) and pattern.search(c.text)]
        if hits:
            score += POINTS["term"]
            reasons.append(_("Watch-term “%(term)s” in %(n)s replies.") % {"term": term.term, "n": len(hits)})
    return score, reasons


def conversations_escalate(conversation_ids: list[int], *, now: datetime | None = None) -> int:
    """Score the conversations again; escalate, once, those that cross the threshold. Returns how many did."""
    now = now or timezone.now()
    escalated = 0
    terms = list(WatchTerm.objects.all())
    for conversation in Conversation.objects.filter(pk__in=conversation_ids).select_related(
        "post__latest_snapshot", "embassy"
    ):
        score, reasons = conversation_score(conversation, now=now, terms=terms)
        fields = {"score": score, "reasons": reasons}
        crossing = conversation.escalated_at is None and score >= settings.LISTENING_ESCALATION_THRESHOLD
        if crossing:
            fields["escalated_at"] = now
        with transaction.atomic():
            Conversation.objects.filter(pk=conversation.pk).update(**fields)
            if crossing:
                escalated += 1
                conversation.escalated_at, conversation.score, conversation.reasons = now, score, reasons
                _escalated(conversation)
    return escalated


def _escalated(conversation: Conversation) -> None:
    Event.objects.create(conversation=conversation, kind=Event.Kind.ESCALATED, text="\n".join(conversation.reasons))
    log(instance=conversation.post, action="chancery.conversation.escalated", data={"reasons": conversation.reasons})
    # Replies waiting for approval now wait for the head of mission.
    Post.objects.filter(reply__conversation=conversation, state=Post.State.PROPOSED).update(sensitive=True)
    recipients = sorted(set(head_recipients(conversation.embassy_id)) | set(lead_recipients()))
    if not recipients:
        return
    url = f"{settings.WAGTAILADMIN_BASE_URL}{reverse('listening_conversation', args=[conversation.pk])}"
    subject = _("#NoHarm: a conversation of %(embassy)s may escalate") % {"embassy": conversation.embassy.name}
    body = _(
        "A conversation under a %(network)s post of %(embassy)s may escalate:\n\n%(reasons)s\n\n"
        "Consider picking up the phone instead of replying. Further replies need the head of mission.\n\n%(url)s"
    ) % {
        "network": conversation.post.get_network_display(),
        "embassy": conversation.embassy.name,
        "reasons": "\n".join(f"- {reason}" for reason in conversation.reasons),
        "url": url,
    }
    transaction.on_commit(lambda: send_mail(subject, body, None, recipients, fail_silently=True))
