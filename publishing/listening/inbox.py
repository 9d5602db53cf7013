"""What staff do in the inbox: look, assign, note, hide, mark done, draft a reply (a post a second person approves),
record what was done instead of replying, and hold the story. Each step is one function; each is written to the
conversation's timeline and the audit log."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from embassies.models import Embassy, EmbassyMembership

from ..approval import post_approve, post_text_validate
from ..channels import channel_for_account
from ..channels.base import ChannelError
from ..holds import hold_set
from ..models import Hold, Post
from .models import Comment, Conversation, EmbassyListening, Event, Reply

ANSWER = "listening.answer_conversation"
NOTE_MAX = 4000


def conversations_for(user):
    """The conversations `user` may see and work: their embassies' (every embassy's for the ministry)."""
    if not (user.is_active and user.has_perm(ANSWER)):
        return Conversation.objects.none()
    return Conversation.objects.filter(embassy__in=Embassy.objects.for_user(user))


def conversation_for(user, pk: int) -> Conversation:
    """One conversation `user` may work, or PermissionDenied: the one door every inbox route goes through."""
    try:
        return (
            conversations_for(user).select_related("post__account", "post__distribution__story", "embassy").get(pk=pk)
        )
    except Conversation.DoesNotExist:
        raise PermissionDenied from None


def _event(conversation: Conversation, user, kind: str, text: str = "") -> Event:
    log(
        instance=conversation.post,
        action=f"chancery.conversation.{kind}",
        user=user,
        data={"conversation": conversation.pk, "text": text[:500]},
    )
    return Event.objects.create(conversation=conversation, user=user, kind=kind, text=text)


def conversation_seen(*, conversation: Conversation, user) -> None:
    if Conversation.objects.filter(pk=conversation.pk, state=Conversation.State.NEW).update(
        state=Conversation.State.SEEN, seen_at=timezone.now(), look_due_at=None
    ):
        conversation.state = Conversation.State.SEEN
        _event(conversation, user, Event.Kind.SEEN)


def conversation_state_set(*, conversation: Conversation, user, state: str) -> None:
    if state not in Conversation.State.values:
        raise ValidationError(_("Choose new, seen, needs reply or done."))
    fields = {"state": state}
    if state == Conversation.State.DONE:
        fields.update(look_due_at=None, reply_due_at=None)
    Conversation.objects.filter(pk=conversation.pk).update(**fields)
    conversation.state = state
    _event(conversation, user, Event.Kind.STATE, Conversation.State(state).label)


def conversation_assign(*, conversation: Conversation, user, assignee) -> None:
    """Give the conversation to someone of its embassy (or the ministry) who works the inbox; None: to nobody."""
    if assignee is not None:
        allowed = assignee.is_active and assignee.has_perm(ANSWER)
        of_embassy = EmbassyMembership.objects.filter(user=assignee, embassy_id=conversation.embassy_id).exists()
        if not allowed or not (of_embassy or assignee.has_perm("embassies.view_every_embassy")):
            raise ValidationError(_("Assign it to someone who works this embassy's inbox."))
    Conversation.objects.filter(pk=conversation.pk).update(assigned_to=assignee)
    conversation.assigned_to = assignee
    _event(conversation, user, Event.Kind.ASSIGNED, assignee.get_username() if assignee else _("nobody"))


def conversation_note(*, conversation: Conversation, user, text: str) -> Event:
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Write the note first."))
    if len(text) > NOTE_MAX:
        raise ValidationError(_("A note holds at most %(n)s characters.") % {"n": NOTE_MAX})
    return _event(conversation, user, Event.Kind.NOTE, text)


def comment_hide(*, comment: Comment, user, hidden: bool) -> None:
    """Hide a comment on the network (its author and their friends still see it), or show it again. Never delete."""
    conversation = comment.conversation
    if comment.ours:
        raise ValidationError(_("This is the embassy's own reply."))
    try:
        channel_for_account(conversation.post.account).hide(comment.external_id, hidden=hidden)
    except ChannelError as error:
        raise ValidationError(
            _("The network did not %(act)s the comment: %(error)s")
            % {"act": _("hide") if hidden else _("show"), "error": error}
        ) from None
    Comment.objects.filter(pk=comment.pk).update(hidden=hidden)
    comment.hidden = hidden
    _event(conversation, user, Event.Kind.HIDDEN if hidden else Event.Kind.SHOWN, comment.text[:200])


def reply_needs_head(conversation: Conversation) -> bool:
    """A reply waits for the head of mission once the conversation is escalated, or when the embassy says so."""
    settings_of = EmbassyListening.objects.filter(embassy_id=conversation.embassy_id).first()
    return conversation.escalated or (
        settings_of is not None and settings_of.reply_approver == EmbassyListening.ReplyApprover.HEAD
    )


def reply_draft(*, conversation: Conversation, user, text: str, comment: Comment | None = None) -> Reply:
    """A reply in the thread's language, as a post waiting for a second person: the head of mission for an escalated
    conversation. It answers `comment`, or the post itself."""
    post = conversation.post
    text = (text or "").strip()
    post_text_validate(network=post.network, text=text)
    if comment is not None and comment.conversation_id != conversation.pk:
        raise ValidationError(_("That comment is not in this conversation."))
    if comment is not None and comment.deleted_at is not None:
        raise ValidationError(_("That comment is no longer on the network."))
    with transaction.atomic():
        reply_post = Post.objects.create(
            distribution=post.distribution,
            account=post.account,
            embassy=post.embassy,
            network=post.network,
            language=(comment.language if comment and comment.language else post.language),
            text=text,
            link="",
            reply_to=comment.external_id if comment else post.external_id,
            drafted_by=user,
            sensitive=reply_needs_head(conversation),
        )
        log(instance=reply_post, action="chancery.post.proposed", user=user, data={"reason": "reply drafted"})
        reply = Reply.objects.create(conversation=conversation, comment=comment, post=reply_post)
        _event(conversation, user, Event.Kind.REPLY_DRAFTED, text)
    return reply


def reply_approve(*, reply: Reply, user) -> Post:
    """The second person sends the reply: the same publisher as any post (holds, pacing, exactly once)."""
    post = post_approve(post=reply.post, user=user)
    conversation = reply.conversation
    Conversation.objects.filter(pk=conversation.pk, replied_at__isnull=True).update(
        replied_at=timezone.now(), reply_due_at=None
    )
    _event(conversation, user, Event.Kind.REPLY_APPROVED, post.text)
    return post


def outcome_record(*, conversation: Conversation, user, kind: str, note: str = "") -> Event:
    """What was done about an exchange that may escalate: called, met, decided not to reply, or replied."""
    if kind not in Event.OUTCOMES:
        raise ValidationError(_("Choose what was done: called, met, decided not to reply, or replied."))
    if len(note) > NOTE_MAX:
        raise ValidationError(_("A note holds at most %(n)s characters.") % {"n": NOTE_MAX})
    return _event(conversation, user, kind, note.strip())


def story_hold(*, conversation: Conversation, user) -> Hold:
    """Hold the story's remaining posts (replies included) everywhere, from the conversation."""
    if not user.has_perm("publishing.set_hold"):
        raise PermissionDenied
    story = conversation.post.distribution.story
    reason = _("#NoHarm: a conversation of %(embassy)s may escalate.") % {"embassy": conversation.embassy.name}
    try:
        hold = hold_set(scope=Hold.Scope.STORY, reason=reason, user=user, story=story)
    except ValidationError:
        existing = Hold.objects.active().filter(scope=Hold.Scope.STORY, story__translation_key=story.translation_key)
        if not (hold := existing.first()):
            raise
        return hold
    _event(conversation, user, Event.Kind.STORY_HELD, story.title)
    return hold
