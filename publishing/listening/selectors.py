"""What the inbox and the exports read: conversations filtered as a person asks, newest activity (and overdue)
first, and one row a comment for a story's export."""

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from portal.exports import spreadsheet_safe

from .models import Comment, Conversation

CSV_HEADER = [
    "embassy",
    "network",
    "post_external_id",
    "comment_id",
    "parent_id",
    "author_handle",
    "created_at",
    "language",
    "hidden",
    "escalated",
    "text",
]


def inbox(conversations: QuerySet[Conversation], *, filters: dict) -> QuerySet[Conversation]:
    """`filters`: network, language, state (new, seen, needs_reply, done or escalated), assigned (a user id, or
    "me" resolved by the caller), embassy. Overdue conversations first, then the newest activity."""
    found = conversations.filter(last_activity_at__isnull=False)
    if network := filters.get("network"):
        found = found.filter(network=network)
    if language := filters.get("language"):
        found = found.filter(Q(post__language=language) | Q(comments__language=language)).distinct()
    state = filters.get("state")
    if state == "escalated":
        found = found.filter(escalated_at__isnull=False)
    elif state:
        found = found.filter(state=state)
    if assigned := filters.get("assigned"):
        found = found.filter(assigned_to_id=assigned)
    if embassy := filters.get("embassy"):
        found = found.filter(embassy_id=embassy)
    now = timezone.now()
    overdue = Q(look_due_at__lt=now) | Q(reply_due_at__lt=now, replied_at__isnull=True)
    return (
        found.annotate(
            overdue=Case(When(overdue, then=Value(1)), default=Value(0), output_field=IntegerField()),
        )
        .select_related("post__distribution__story", "embassy", "assigned_to")
        .order_by("-overdue", "-escalated_at", "-last_activity_at", "pk")
    )


def overdue(conversations: QuerySet[Conversation]) -> QuerySet[Conversation]:
    now = timezone.now()
    return conversations.filter(
        Q(look_due_at__lt=now) | Q(reply_due_at__lt=now, replied_at__isnull=True),
        state__in=["new", "seen", "needs_reply"],
    )


def story_rows(story, conversations: QuerySet[Conversation]):
    """One row a comment or reply on the story's posts (every language), as the CSV export writes them; a comment
    deleted on the network is no longer listed."""
    comments = (
        Comment.objects.filter(
            conversation__in=conversations,
            conversation__post__distribution__story__translation_key=story.translation_key,
            deleted_at__isnull=True,
        )
        .select_related("conversation__embassy", "conversation__post")
        .order_by("conversation__embassy__slug", "conversation__network", "created_at", "pk")
    )
    for comment in comments.iterator(chunk_size=2000):
        conversation = comment.conversation
        yield [
            conversation.embassy.slug,
            comment.network,
            conversation.post.external_id,
            comment.external_id,
            comment.parent_external_id,
            spreadsheet_safe(comment.author_handle),
            comment.created_at.isoformat() if comment.created_at else "",
            comment.language,
            "true" if comment.hidden else "false",
            "true" if conversation.escalated_at else "false",
            spreadsheet_safe(comment.text),
        ]
