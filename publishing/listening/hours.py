"""Response-time targets count office hours in the embassy's own time zone: a comment that arrives on Friday
evening is not overdue on Saturday morning."""

import zoneinfo
from datetime import datetime, timedelta

WEEKDAYS = [1, 2, 3, 4, 5]


def office_deadline(start: datetime, target: timedelta, office, zone: zoneinfo.ZoneInfo) -> datetime:
    """When `target` of office time has passed after `start`: `office` gives the opening and closing times and
    the ISO weekdays it works (Monday to Friday when none)."""
    days = set(office.office_days or WEEKDAYS)
    opens, closes = office.office_opens, office.office_closes
    if closes <= opens or not days:
        return start + target  # no usable office hours: count the clock
    left = target
    moment = start.astimezone(zone)
    for _ in range(400):  # a year and more of office days; targets are hours
        day = moment.date()
        if day.isoweekday() in days:
            day_open = datetime.combine(day, opens, tzinfo=zone)
            day_close = datetime.combine(day, closes, tzinfo=zone)
            begin = max(moment, day_open)
            if begin < day_close:
                available = day_close - begin
                if left <= available:
                    return (begin + left).astimezone(start.tzinfo)
                left -= available
        moment = datetime.combine(day + timedelta(days=1), opens, tzinfo=zone)
    return start + target
