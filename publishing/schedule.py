"""When a post goes: an embassy's wall-clock time turned into UTC, refused when it is past, more than a year ahead,
skipped by the clocks, or — when the clocks go back and it happens twice — not said which of the two it is."""

from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from embassies.models import Embassy

FURTHEST = timedelta(days=366)
# A time typed as "now" is a minute old when the form arrives; a minute's grace keeps it from being refused.
GRACE = timedelta(seconds=60)


def local_to_utc(value: str, embassy: Embassy, *, fold: int | None = None, now: datetime | None = None) -> datetime:
    """A wall-clock time in the embassy's zone → UTC. `fold` says which of a repeated hour is meant (0: the first,
    still on summer time; 1: the second)."""
    now = now or timezone.now()
    try:
        naive = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(_("“%(value)s” is not a date and time.") % {"value": value}) from None
    if naive.tzinfo is not None:
        raise ValidationError(_("Give the local time without a zone; the embassy's zone is used."))
    shown = naive.strftime("%Y-%m-%d %H:%M") if naive.year >= 1000 else value
    local_now = now.astimezone(embassy.zone).replace(tzinfo=None)
    if naive < local_now - GRACE:
        raise ValidationError(
            _("%(time)s has already passed in %(zone)s (it is %(now)s there). Pick a later time, or choose “now”.")
            % {"time": shown, "zone": embassy.time_zone, "now": local_now.strftime("%Y-%m-%d %H:%M")}
        )
    if naive > local_now + FURTHEST:
        raise ValidationError(_("%(time)s is more than a year ahead; pick a nearer time.") % {"time": shown})
    first, second = naive.replace(tzinfo=embassy.zone, fold=0), naive.replace(tzinfo=embassy.zone, fold=1)
    if first.astimezone(UTC).astimezone(embassy.zone).replace(tzinfo=None) != naive:
        raise ValidationError(
            _("%(time)s does not exist in %(zone)s: the clocks change then. Pick another time.")
            % {"time": shown, "zone": embassy.time_zone}
        )
    if first.utcoffset() != second.utcoffset():
        if fold not in (0, 1):
            raise ValidationError(
                _(
                    "%(time)s happens twice in %(zone)s, as the clocks go back: choose the first (UTC%(first)s) "
                    "or the second (UTC%(second)s)."
                )
                % {
                    "time": shown,
                    "zone": embassy.time_zone,
                    "first": first.strftime("%z"),
                    "second": second.strftime("%z"),
                },
                code="ambiguous",
            )
        return (second if fold else first).astimezone(UTC)
    return first.astimezone(UTC)


def due_default(embassy: Embassy, *, now: datetime | None = None) -> datetime:
    """The time a reviewer is offered: the embassy's local now plus its usual delay, to the minute."""
    due = (now or timezone.now()) + embassy.auto_approve_delay
    return due.astimezone(embassy.zone).replace(second=0, microsecond=0)
