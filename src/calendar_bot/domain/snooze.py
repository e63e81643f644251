"""Snoozing a reminder (issue 18, item 1), the pure part: the choices a reminder offers and
when each fires.

A reminder N minutes before a meeting offers "again in 5 min", "in 10 min", "1 min before"
and "at the start", each only while it still falls before the start (and after now). The
chosen moment is on a minute mark, so two clicks in the same minute make the same notice:
one outbox row (domain/notice_keys.py keys it by meeting and moment).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum


class SnoozeChoice(StrEnum):
    IN_5 = "5"
    IN_10 = "10"
    BEFORE_1 = "before1"
    AT_START = "start"


ORDER = (SnoozeChoice.IN_5, SnoozeChoice.IN_10, SnoozeChoice.BEFORE_1, SnoozeChoice.AT_START)


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def fires_at(choice: SnoozeChoice, now: datetime, start: datetime) -> datetime | None:
    """When `choice`, made at `now`, reminds again of a meeting starting at `start`; None
    when that is not after now or not by the start."""
    match choice:
        case SnoozeChoice.IN_5:
            moment = _minute(now) + timedelta(minutes=5)
        case SnoozeChoice.IN_10:
            moment = _minute(now) + timedelta(minutes=10)
        case SnoozeChoice.BEFORE_1:
            moment = start - timedelta(minutes=1)
        case SnoozeChoice.AT_START:
            moment = start
    if moment <= now or moment > start:
        return None
    return moment


def offered(now: datetime, start: datetime) -> tuple[SnoozeChoice, ...]:
    """The choices that still make sense at `now`, in menu order (none once it started)."""
    return tuple(c for c in ORDER if fires_at(c, now, start) is not None)
