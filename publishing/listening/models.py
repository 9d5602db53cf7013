"""Conversations under the embassies' posts: each comment and reply once, what staff did with them, the embassy's
counterparts and contacts, the lead's watch-terms, and what each collection pass spent."""

from datetime import time, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from embassies.models import Embassy


class EmbassyScopedQuerySet(models.QuerySet):
    def for_user(self, user):
        """The rows of the embassies `user` may see: all for ministry users, their own for embassy staff."""
        return self.filter(embassy__in=Embassy.objects.for_user(user))


class EmbassyListening(models.Model):
    """An embassy's listening settings: response targets in its office hours, who approves replies, its duty phone."""

    class ReplyApprover(models.TextChoices):
        STAFF = "staff", _("A second staff member who reviews posts")
        HEAD = "head", _("The head of mission")

    embassy = models.OneToOneField("embassies.Embassy", on_delete=models.CASCADE, related_name="listening")
    first_look = models.DurationField(default=timedelta(hours=2), help_text=_("Target, in office hours."))
    first_reply = models.DurationField(default=timedelta(hours=8), help_text=_("Target, in office hours."))
    office_opens = models.TimeField(default=time(9))
    office_closes = models.TimeField(default=time(17))
    office_days = models.JSONField(default=list, help_text=_("ISO weekdays, 1 = Monday; empty: Monday to Friday."))
    reply_approver = models.CharField(max_length=8, choices=ReplyApprover.choices, default=ReplyApprover.STAFF)
    duty_phone = models.CharField(max_length=40, blank=True)

    objects = EmbassyScopedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Listening settings of {self.embassy}"


class Counterpart(models.Model):
    """Someone whose replies matter: another government, a ministry, an official, a journalist. Staff keep them,
    with their accounts on each network and how to reach them by phone."""

    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("Government")
        MINISTRY = "ministry", _("Ministry")
        OFFICIAL = "official", _("Official")
        JOURNALIST = "journalist", _("Journalist")

    embassy = models.ForeignKey("embassies.Embassy", on_delete=models.CASCADE, related_name="counterparts")
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.OFFICIAL)
    facebook_id = models.CharField(max_length=64, blank=True, help_text=_("The Facebook profile or Page id."))
    x_handle = models.CharField(max_length=64, blank=True, help_text=_("Without the @."))
    phone = models.CharField(max_length=40, blank=True)
    contact_name = models.CharField(max_length=200, blank=True, help_text=_("Who to call, if not them."))
    objects = EmbassyScopedQuerySet.as_manager()

    class Meta:
        ordering = ["embassy", "name"]
        indexes = [models.Index(fields=["embassy", "x_handle"]), models.Index(fields=["embassy", "facebook_id"])]

    def __str__(self) -> str:
        return self.name


class WatchTerm(models.Model):
    """A word or phrase that makes a conversation worth a closer look, in one language (empty: any)."""

    term = models.CharField(max_length=100)
    language = models.CharField(max_length=10, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["language", "term"]
        constraints = [models.UniqueConstraint(fields=["term", "language"], name="watch_term_once")]

    def __str__(self) -> str:
        return self.term


class Conversation(models.Model):
    """Everything said under one published post, and where the embassy stands with it."""

    class State(models.TextChoices):
        NEW = "new", _("New")
        SEEN = "seen", _("Seen")
        NEEDS_REPLY = "needs_reply", _("Needs reply")
        DONE = "done", _("Done")

    post = models.OneToOneField("publishing.Post", on_delete=models.CASCADE, related_name="conversation")
    embassy = models.ForeignKey("embassies.Embassy", on_delete=models.CASCADE, related_name="conversations")
    network = models.CharField(max_length=10)
    state = models.CharField(max_length=12, choices=State.choices, default=State.NEW)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comments_count = models.PositiveIntegerField(default=0)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    first_comment_at = models.DateTimeField(null=True, blank=True)
    seen_at = models.DateTimeField(null=True, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    look_due_at = models.DateTimeField(null=True, blank=True, help_text=_("When the first look is overdue."))
    reply_due_at = models.DateTimeField(null=True, blank=True, help_text=_("When the first reply is overdue."))
    # #NoHarm
    score = models.FloatField(default=0)
    reasons = models.JSONField(default=list, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # Collection: when next read (None: its listening window is over), from where, and the reach count last seen.
    listen_due_at = models.DateTimeField(null=True, blank=True)
    listened_at = models.DateTimeField(null=True, blank=True)
    since = models.CharField(max_length=40, blank=True, help_text=_("Facebook: unix time; X: the newest reply id."))
    replies_seen = models.PositiveBigIntegerField(null=True, blank=True)
    full_read_at = models.DateTimeField(null=True, blank=True, help_text=_("Last read of the whole thread."))

    class Meta:
        ordering = ["-last_activity_at", "pk"]
        indexes = [
            models.Index(fields=["embassy", "-last_activity_at"], name="conversation_embassy_activity"),
            models.Index(fields=["-last_activity_at"], name="conversation_activity"),
            models.Index(
                fields=["listen_due_at"], condition=Q(listen_due_at__isnull=False), name="conversation_listen_due"
            ),
        ]
        permissions = [("answer_conversation", _("Can work the inbox: reply, hide, assign, mark done"))]

    def __str__(self) -> str:
        return f"Conversation on post {self.post_id}"

    @property
    def escalated(self) -> bool:
        return self.escalated_at is not None


class Comment(models.Model):
    """One comment or reply, once (network and id); text and author are erased after the retention period."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="comments")
    network = models.CharField(max_length=10)
    external_id = models.CharField(max_length=100)
    parent_external_id = models.CharField(max_length=100, blank=True)
    author_id = models.CharField(max_length=100, blank=True)
    author_name = models.CharField(max_length=200, blank=True)
    author_handle = models.CharField(max_length=100, blank=True)
    text = models.TextField(blank=True)
    language = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(null=True, blank=True)
    collected_at = models.DateTimeField(auto_now_add=True)
    hidden = models.BooleanField(default=False)
    ours = models.BooleanField(default=False, help_text=_("Written by the embassy's own account."))
    counterpart = models.ForeignKey(Counterpart, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True, help_text=_("When the network stopped showing it."))
    erased_at = models.DateTimeField(null=True, blank=True, help_text=_("Text and author erased (retention)."))

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["network", "external_id"], name="comment_once")]
        indexes = [
            models.Index(fields=["conversation", "created_at"], name="comment_conversation"),
            models.Index(fields=["collected_at"], condition=Q(erased_at__isnull=True), name="comment_to_erase"),
        ]

    def __str__(self) -> str:
        return f"{self.network} comment {self.external_id}"


class Reply(models.Model):
    """An answer drafted in the inbox: a post the publisher sends once a second person approves it."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="replies")
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.SET_NULL, related_name="replies")
    post = models.OneToOneField("publishing.Post", on_delete=models.CASCADE, related_name="reply")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Reply {self.pk} in conversation {self.conversation_id}"


class Event(models.Model):
    """One step in a conversation's timeline (each also in the audit log)."""

    class Kind(models.TextChoices):
        SEEN = "seen", _("Seen")
        STATE = "state", _("State changed")
        ASSIGNED = "assigned", _("Assigned")
        NOTE = "note", _("Internal note")
        HIDDEN = "hidden", _("Comment hidden")
        SHOWN = "shown", _("Comment shown again")
        REPLY_DRAFTED = "reply_drafted", _("Reply drafted")
        REPLY_APPROVED = "reply_approved", _("Reply approved")
        ESCALATED = "escalated", _("Escalated")
        CALLED = "called", _("Called")
        MET = "met", _("Met")
        NOT_REPLYING = "not_replying", _("Decided not to reply")
        REPLIED = "replied", _("Replied")
        STORY_HELD = "story_held", _("Story held")

    OUTCOMES = (Kind.CALLED, Kind.MET, Kind.NOT_REPLYING, Kind.REPLIED)

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.conversation_id})"


class ListeningPass(models.Model):
    """What one collection pass did and spent: X bills every post read, and the month's total has a budget."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    posts = models.PositiveIntegerField(default=0)
    calls_facebook = models.PositiveIntegerField(default=0)
    calls_x = models.PositiveIntegerField(default=0)
    minimum_calls = models.PositiveIntegerField(default=0)
    x_reads = models.PositiveIntegerField(default=0)
    new_comments = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"Listening pass at {self.at:%Y-%m-%d %H:%M}"
