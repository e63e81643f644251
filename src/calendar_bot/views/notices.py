"""Every notice as its message(s): one branch per kind of domain.notices.

A new notice kind adds its branch here (and its text to views.notifications and the
catalogs). Several notices due in the same minute go out as one post: `joined`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from calendar_bot.domain.notices import (
    Cancelled,
    CutEvents,
    Digest,
    Invitation,
    Moved,
    NewMeeting,
    Notice,
    Reconnect,
    Reminder,
    Start,
    Unreadable,
    Updated,
)
from calendar_bot.messages import OutMessage
from calendar_bot.views import meetings, notifications, onboarding

NOTICE_SEPARATOR = "\n\n---\n\n"  # a horizontal rule between joined notices


def render(
    notice: Notice, *, locale: str, tz: ZoneInfo, now: datetime, email: str = ""
) -> list[OutMessage]:
    """The message(s) telling `notice` in the person's language and zone (`email`: the login
    they connected with, named in the reconnect prompt)."""
    match notice:
        case Invitation():
            return [notifications.invitation(notice.occurrence, locale, tz, now)]
        case Cancelled():
            return [
                notifications.cancelled(notice.occurrence, locale, tz, now, series=notice.series)
            ]
        case Moved() if notice.previous is not None:
            return [notifications.moved(notice.previous, notice.occurrence, locale, tz, now)]
        case Updated() if notice.previous is not None:
            return [notifications.updated(notice.previous, notice.occurrence, locale, tz, now)]
        case NewMeeting() | Moved() | Updated():  # a move or edit without its before: as new
            if notice.series:
                return [notifications.new_series(notice.occurrence, locale, tz, now)]
            return [notifications.new_meeting(notice.occurrence, locale, tz, now)]
        case Reminder() | Start():
            return [
                notifications.reminder(
                    notice.occurrence, notice.lead, locale, tz, now, late=notice.late
                )
            ]
        case Digest():
            return meetings.daily_digest(list(notice.occurrences), notice.day, locale, tz, now)
        case Reconnect():
            return [onboarding.credentials_rejected(locale, email)]
        case Unreadable():
            return [notifications.unreadable_event(notice.calendar, notice.why, locale)]
        case CutEvents():
            return [notifications.cut_notice([(e.title, e.cut) for e in notice.events], locale)]


def joined(messages: Sequence[OutMessage]) -> OutMessage:
    """Several notices as one post: their texts one after another, their buttons below."""
    return OutMessage(
        NOTICE_SEPARATOR.join(m.text for m in messages),
        tuple(block for m in messages for block in m.blocks),
    )
