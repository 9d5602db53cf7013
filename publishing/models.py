"""Distributions of a story, one Post per embassy account, every attempt at sending it, and holds."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from embassies.models import Region


class Distribution(models.Model):
    """One story carried to its target accounts; sequence 0 is the story itself, later ones are updates."""

    story = models.ForeignKey("portal.StoryPage", on_delete=models.PROTECT, related_name="distributions")
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["story", "sequence"], name="one_distribution_per_story_sequence")
        ]
        permissions = [("read_reach", _("Can read reach reports"))]

    def __str__(self) -> str:
        return f"{self.story.title} #{self.sequence}"


def new_marker() -> str:
    return secrets.token_hex(4)


class Post(models.Model):
    class State(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        SCHEDULED = "scheduled", _("Scheduled")
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        UNCONFIRMED = "unconfirmed", _("Unconfirmed")
        PUBLISHED = "published", _("Published")
        HELD = "held", _("Held")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")
        RECALLED = "recalled", _("Recalled")

    FINAL = {State.PUBLISHED, State.FAILED, State.SKIPPED, State.RECALLED}

    # Its index would repeat the one of the (distribution, account) constraint below.
    distribution = models.ForeignKey(Distribution, on_delete=models.CASCADE, related_name="posts", db_index=False)
    account = models.ForeignKey("embassies.SocialAccount", on_delete=models.PROTECT, related_name="posts")
    embassy = models.ForeignKey("embassies.Embassy", on_delete=models.PROTECT, related_name="posts")
    network = models.CharField(max_length=10)
    language = models.CharField(max_length=10)
    fallback = models.BooleanField(default=False, help_text=_("No live translation in the embassy's languages."))
    sensitive = models.BooleanField(
        default=False, help_text=_("#NoHarm: the story concerns the host country; the head of mission approves.")
    )
    text = models.TextField()
    link = models.URLField(max_length=1000)
    page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The translation the link leads to: the post waits while it is not live."),
    )
    # Unique by a constraint (see Meta), which unlike unique=True adds no LIKE index; state and due_at are
    # indexed together by `post_due`. Every index here is written on each change of state, several per post.
    marker = models.CharField(max_length=16, default=new_marker)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PROPOSED)
    due_at = models.DateTimeField(null=True, blank=True, help_text=_("UTC; shown in the embassy's zone."))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    checks = models.PositiveSmallIntegerField(
        default=0, help_text=_("Lookups of an unconfirmed post that could not reach the network; they back off.")
    )
    external_id = models.CharField(max_length=100, blank=True)
    external_url = models.URLField(max_length=500, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True, help_text=_("Why the post failed or waits, in words a person can act on."))
    held_for = models.CharField(
        max_length=10,
        blank=True,
        choices=[
            ("hold", _("A hold")),
            ("account", _("The account needs reconnecting")),
            ("budget", _("The monthly X budget")),
        ],
    )
    updated_at = models.DateTimeField(auto_now=True)
    # A reply from the inbox: the comment or reply it answers on the network, and who wrote it (who never approves
    # it). Its distribution is the answered post's, so a hold on that story holds it too.
    reply_to = models.CharField(max_length=100, blank=True)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Reach: when the collector next reads the post's figures (None: never again), the latest figures, and when
    # the network stopped finding the post.
    metrics_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    latest_snapshot = models.ForeignKey(
        "MetricSnapshot", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    missing_since = models.DateTimeField(
        null=True, blank=True, editable=False, help_text=_("When the network stopped finding the post.")
    )
    # The latest snapshot's figures, copied with it: the reports sum them over many posts without reaching into
    # the snapshots' table (None: unavailable, as in the snapshot).
    latest_views = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    latest_reach = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    latest_reactions = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    latest_comments = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    latest_shares = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    latest_clicks = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    latest_collected_at = models.DateTimeField(null=True, blank=True, editable=False)

    LATEST_FIELDS = (
        "latest_snapshot",
        "latest_views",
        "latest_reach",
        "latest_reactions",
        "latest_comments",
        "latest_shares",
        "latest_clicks",
        "latest_collected_at",
    )

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["distribution", "account"],
                condition=Q(reply_to=""),
                name="one_post_per_account_per_distribution",
            ),
            models.UniqueConstraint(fields=["marker"], name="post_marker_once"),
            models.UniqueConstraint(
                fields=["network", "external_id"], condition=~Q(external_id=""), name="external_post_once"
            ),
        ]
        indexes = [
            models.Index(fields=["state", "due_at"], name="post_due"),
            models.Index(fields=["metrics_due_at"], condition=Q(metrics_due_at__isnull=False), name="post_metrics_due"),
            models.Index(fields=["embassy", "published_at"], name="post_embassy_published"),
            models.Index(fields=["published_at"], name="post_published"),
        ]
        permissions = [
            ("review_post", _("Can adapt, schedule, approve and skip posts of their embassies")),
            ("approve_sensitive_post", _("Can approve posts of stories that concern the host country")),
            ("recall_post", _("Can recall a story's posts from every account")),
        ]

    def __str__(self) -> str:
        return f"{self.get_network_display()} post for {self.embassy_id} ({self.state})"

    NETWORK_NAMES = {"facebook": "Facebook", "x": "X"}

    def get_network_display(self) -> str:
        return self.NETWORK_NAMES.get(self.network, self.network)

    def latest_apply(self, snapshot: "MetricSnapshot") -> None:
        """Make `snapshot` the post's latest figures (save LATEST_FIELDS to keep them)."""
        self.latest_snapshot = snapshot
        for name in MetricSnapshot.FIGURES:
            setattr(self, f"latest_{name}", getattr(snapshot, name))
        self.latest_collected_at = snapshot.collected_at


class PostAttempt(models.Model):
    """One try at sending a post, with what the network said; written when the answer is known (the post's
    `sending` state and attempt count mark a try in flight)."""

    class Outcome(models.TextChoices):
        STARTED = "started", _("Started")
        PUBLISHED = "published", _("Published")
        RATE_LIMITED = "rate_limited", _("Rate limited")
        AUTH_EXPIRED = "auth_expired", _("Token expired")
        REJECTED = "rejected", _("Rejected")
        DUPLICATE = "duplicate", _("Duplicate")
        TRANSIENT = "transient", _("Transient error")
        UNKNOWN = "unknown", _("Unknown outcome")
        HELD = "held", _("Held at claim")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=14, choices=Outcome.choices, default=Outcome.STARTED)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["post", "number"]
        constraints = [models.UniqueConstraint(fields=["post", "number"], name="attempt_number_once")]

    def __str__(self) -> str:
        return f"Attempt {self.number} of post {self.post_id}: {self.outcome}"


class HoldQuerySet(models.QuerySet):
    def active(self):
        return self.filter(released_at__isnull=True)


class Hold(models.Model):
    """#NoHarm: while active, no matching post leaves; held posts wait and never turn into failures."""

    class Scope(models.TextChoices):
        ALL = "all", _("Ministry-wide")
        REGION = "region", _("Region")
        EMBASSY = "embassy", _("Embassy")
        STORY = "story", _("Story")

    scope = models.CharField(max_length=10, choices=Scope.choices)
    region = models.CharField(max_length=20, blank=True, choices=Region.choices)
    embassy = models.ForeignKey("embassies.Embassy", null=True, blank=True, on_delete=models.CASCADE)
    story = models.ForeignKey("portal.StoryPage", null=True, blank=True, on_delete=models.CASCADE)
    reason = models.TextField()
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    set_at = models.DateTimeField(auto_now_add=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    posts_held = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("How many posts it was holding when it was released.")
    )

    objects = HoldQuerySet.as_manager()

    class Meta:
        ordering = ["-set_at"]
        permissions = [("set_hold", _("Can set a hold (#NoHarm)")), ("release_hold", _("Can release a hold"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(scope="all")
                | Q(scope="region", region__gt="")
                | Q(scope="embassy", embassy__isnull=False)
                | Q(scope="story", story__isnull=False),
                name="hold_scope_has_its_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} hold: {self.reason[:60]}"

    def posts_covered(self) -> Q:
        """The posts this hold covers, whatever their state."""
        return {
            self.Scope.ALL: Q(),
            self.Scope.REGION: Q(embassy__region=self.region),
            self.Scope.EMBASSY: Q(embassy_id=self.embassy_id),
            self.Scope.STORY: Q(distribution__story__translation_key=getattr(self.story, "translation_key", None)),
        }[self.scope]


class Recall(models.Model):
    """A story's published posts deleted from every account, one task a post; what had not gone yet is withdrawn."""

    story = models.ForeignKey("portal.StoryPage", on_delete=models.PROTECT, related_name="recalls")
    reason = models.TextField(max_length=500)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    total = models.PositiveIntegerField(default=0, help_text=_("Published posts to delete."))
    deleted = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    withdrawn = models.PositiveIntegerField(default=0, help_text=_("Posts that had not gone yet, withdrawn."))
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        default_permissions: list[str] = []

    def __str__(self) -> str:
        return f"Recall of {self.story_id}: {self.deleted}/{self.total}"


class MetricSnapshot(models.Model):
    """A post's figures at one collection, appended and never changed. A figure the network did not give is
    None, never 0, and `unavailable` says why; `step` is the scheduled age it stands for (the baseline compares
    posts at the same step)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="snapshots", db_index=False)
    # The post's account, kept here so baselines (an account's last posts at one age) read one index.
    account = models.ForeignKey("embassies.SocialAccount", on_delete=models.CASCADE, related_name="+", db_index=False)
    collected_at = models.DateTimeField()
    age_seconds = models.PositiveIntegerField(help_text=_("The post's age when collected."))
    step = models.PositiveSmallIntegerField(null=True, blank=True)
    views = models.PositiveBigIntegerField(null=True, blank=True)
    reach = models.PositiveBigIntegerField(null=True, blank=True)
    reactions = models.PositiveBigIntegerField(null=True, blank=True)
    comments = models.PositiveBigIntegerField(null=True, blank=True)
    shares = models.PositiveBigIntegerField(null=True, blank=True)
    clicks = models.PositiveBigIntegerField(null=True, blank=True)
    unavailable = models.JSONField(default=dict, blank=True, help_text=_("Figure → why the network did not give it."))
    names_version = models.CharField(max_length=40)
    raw = models.JSONField(default=dict, blank=True)
    baseline_views = models.FloatField(
        null=True, blank=True, help_text=_("Median views of the account's last 20 posts at the same age.")
    )
    baseline_replies = models.FloatField(null=True, blank=True, help_text=_("Median comments per view of those posts."))

    FIGURES = ("views", "reach", "reactions", "comments", "shares", "clicks")

    class Meta:
        ordering = ["post", "collected_at"]
        default_permissions = ("view",)
        permissions = [("receive_reach_alerts", _("Receives reach alerts and the weekly reach digest"))]
        indexes = [
            models.Index(fields=["post", "collected_at"], name="snapshot_post_time"),
            models.Index(fields=["account", "step", "collected_at"], name="snapshot_baseline"),
        ]

    def __str__(self) -> str:
        return f"Figures of post {self.post_id} at {self.collected_at:%Y-%m-%d %H:%M}"

    @property
    def multiple(self) -> float | None:
        """Views as a multiple of the account's baseline at this age."""
        if self.views is None or not self.baseline_views:
            return None
        return self.views / self.baseline_views

    @property
    def replies_rate(self) -> float | None:
        if self.comments is None or not self.views:
            return None
        return self.comments / self.views


class RetiredMetric(models.Model):
    """A metric name a network refused as no longer valid; the collector stops asking for it, and operators are
    told. Deleting the row makes the collector try the name again."""

    network = models.CharField(max_length=10)
    name = models.CharField(max_length=100)
    names_version = models.CharField(max_length=40)
    first_refused_at = models.DateTimeField(auto_now_add=True)
    last_refused_at = models.DateTimeField(auto_now=True)

    class Meta:
        default_permissions = ("view", "delete")
        constraints = [models.UniqueConstraint(fields=["network", "name"], name="retired_metric_once")]

    def __str__(self) -> str:
        return f"{self.network}: {self.name}"


class ReplyAlert(models.Model):
    """#NoHarm: a post drawing replies far above its embassy's own rate; the head of mission and the leads were
    told to consider a call. One a post."""

    post = models.OneToOneField(Post, on_delete=models.CASCADE, related_name="reply_alert")
    snapshot = models.ForeignKey(MetricSnapshot, on_delete=models.CASCADE, related_name="+")
    multiple = models.FloatField(help_text=_("Replies per view as a multiple of the embassy's baseline."))
    raised_at = models.DateTimeField(auto_now_add=True)
    notified = models.PositiveIntegerField(default=0, help_text=_("People told."))

    class Meta:
        ordering = ["-raised_at"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"Unusual replies on post {self.post_id} ({self.multiple:.1f}×)"
