"""The inbox: thin views — a form or a filter, one service call, a template. Every route reaches a conversation
through `inbox.conversation_for`, which refuses another embassy's."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from embassies.models import Embassy

from ..models import Post
from . import inbox as services
from .collect import x_reads_this_month
from .display import links_in, text_neutralised
from .models import Comment, Conversation, Event, Reply
from .selectors import inbox, overdue

PAGE_SIZE = 50


def inbox_index(request):
    conversations = services.conversations_for(request.user)
    if not request.user.has_perm(services.ANSWER):
        raise PermissionDenied
    filters = {name: request.GET.get(name, "") for name in ("network", "language", "state", "assigned", "embassy")}
    if filters["assigned"] == "me":
        filters["assigned"] = str(request.user.pk)
    page = Paginator(inbox(conversations, filters=filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "listening/inbox.html",
        {
            "header_title": _("Conversations"),
            "page": page,
            "filters": filters,
            "states": [*Conversation.State.choices, ("escalated", _("Escalated"))],
            "embassies": Embassy.objects.for_user(request.user).order_by("name"),
            "overdue_count": overdue(conversations).count(),
            "x_reads": x_reads_this_month(),
        },
    )


def conversation_detail(request, pk: int):
    conversation = services.conversation_for(request.user, pk)
    services.conversation_seen(conversation=conversation, user=request.user)
    reveal = request.GET.get("links")
    comments = []
    for comment in conversation.comments.select_related("counterpart").order_by("created_at", "pk"):
        comment.display = text_neutralised(comment.text)
        comment.links = links_in(comment.text) if reveal == str(comment.pk) else []
        comment.has_links = bool(links_in(comment.text))
        comments.append(comment)
    replies = Reply.objects.filter(conversation=conversation).select_related("post", "post__drafted_by", "comment")
    counterparts = {c.counterpart for c in comments if c.counterpart}
    listening = getattr(conversation.embassy, "listening", None)
    return render(
        request,
        "listening/conversation.html",
        {
            "header_title": _("Conversation"),
            "conversation": conversation,
            "comments": comments,
            "replies": replies,
            "events": conversation.events.select_related("user"),
            "states": Conversation.State.choices,
            "outcomes": [(kind, Event.Kind(kind).label) for kind in Event.OUTCOMES],
            "people": get_user_model()
            .objects.filter(is_active=True, embassy_memberships__embassy=conversation.embassy)
            .order_by("username"),
            "counterparts": sorted(counterparts, key=lambda c: c.name),
            "duty_phone": listening.duty_phone if listening else "",
            "needs_head": services.reply_needs_head(conversation),
            "can_hold": request.user.has_perm("publishing.set_hold"),
        },
    )


def _act(request, pk: int, action):
    conversation = services.conversation_for(request.user, pk)
    try:
        action(conversation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("listening_conversation", pk)


def _comment(conversation: Conversation, request) -> Comment | None:
    comment_id = request.POST.get("comment")
    if not comment_id:
        return None
    if not str(comment_id).isdigit():
        raise ValidationError(_("Choose a comment of this conversation."))
    return get_object_or_404(Comment, pk=int(comment_id), conversation=conversation)


@require_POST
def conversation_state(request, pk: int):
    return _act(
        request,
        pk,
        lambda c: services.conversation_state_set(conversation=c, user=request.user, state=request.POST.get("state")),
    )


@require_POST
def conversation_assign(request, pk: int):
    def assign(conversation):
        chosen = request.POST.get("assignee", "")
        assignee = None
        if chosen:
            if not chosen.isdigit():
                raise ValidationError(_("Choose someone from the list."))
            assignee = get_user_model().objects.filter(pk=int(chosen)).first()
            if assignee is None:
                raise ValidationError(_("Choose someone from the list."))
        services.conversation_assign(conversation=conversation, user=request.user, assignee=assignee)

    return _act(request, pk, assign)


@require_POST
def conversation_note(request, pk: int):
    return _act(
        request,
        pk,
        lambda c: services.conversation_note(conversation=c, user=request.user, text=request.POST.get("text")),
    )


@require_POST
def comment_hide(request, pk: int):
    def hide(conversation):
        comment = _comment(conversation, request)
        if comment is None:
            raise ValidationError(_("Choose a comment of this conversation."))
        services.comment_hide(comment=comment, user=request.user, hidden=request.POST.get("hidden") == "1")

    return _act(request, pk, hide)


@require_POST
def reply_draft(request, pk: int):
    def draft(conversation):
        services.reply_draft(
            conversation=conversation,
            user=request.user,
            text=request.POST.get("text", ""),
            comment=_comment(conversation, request),
        )
        messages.success(request, _("Reply drafted: a second person approves it before it goes."))

    return _act(request, pk, draft)


@require_POST
def reply_approve(request, pk: int, reply_pk: int):
    def approve(conversation):
        reply = get_object_or_404(Reply, pk=reply_pk, conversation=conversation, post__state=Post.State.PROPOSED)
        services.reply_approve(reply=reply, user=request.user)
        messages.success(request, _("Reply approved: it goes out now."))

    return _act(request, pk, approve)


@require_POST
def outcome_record(request, pk: int):
    return _act(
        request,
        pk,
        lambda c: services.outcome_record(
            conversation=c, user=request.user, kind=request.POST.get("kind", ""), note=request.POST.get("note", "")
        ),
    )


@require_POST
def story_hold(request, pk: int):
    def hold(conversation):
        services.story_hold(conversation=conversation, user=request.user)
        messages.success(request, _("The story's remaining posts are held everywhere."))

    return _act(request, pk, hold)
