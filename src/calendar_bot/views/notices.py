"""Every notice as its message(s): one branch per kind of domain.notices.

A new notice kind adds its branch here (and its text to views.notifications and the
catalogs). Several notices due in the same minute go out as one post: `joined`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from calendar_bot.domain.model import Occurrence
from calendar_bot.domain.notices import (
    Cancelled,
    CutEvents,
    Digest,
    Invitation,
    Invited,
    Moved,
    NewMeeting,
    Notice,
    Reconnect,
    Reminder,
    Snoozed,
    Start,
    Unreadable,
    Updated,
)
from calendar_bot.domain.snooze import SnoozeChoice, offered
from calendar_bot.i18n import t
from calendar_bot.messages import Block, Menu, MenuOption, OutMessage
from calendar_bot.views import actions, meetings, notifications, onboarding
from calendar_bot.views.payloads import SnoozePick
from calendar_bot.views.refs import occurrence_ref

NOTICE_SEPARATOR = "\n\n---\n\n"  # a horizontal rule between joined notices


def render(
    notice: Notice,
    *,
    locale: str,
    tz: ZoneInfo,
    now: datetime,
    email: str = "",
    connected: bool = True,
) -> list[OutMessage]:
    """The message(s) telling `notice` in the person's language and zone (`email`: the login
    they connected with, named in the reconnect prompt; `connected`: whether they have a
    calendar connected, for an invitation's buttons)."""
    match notice:
        case Invited():
            return [
                notifications.invited(
                    notice.occurrence, notice.inviter, locale, tz, now, connected=connected
                )
            ]
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
            told = notifications.reminder(
                notice.occurrence, notice.lead, locale, tz, now, late=notice.late
            )
            return [with_snooze(told, notice.occurrence, locale, now)]
        case Snoozed():
            told = notifications.reminder(notice.occurrence, notice.lead, locale, tz, now)
            return [with_snooze(told, notice.occurrence, locale, now)]
        case Digest():
            return meetings.daily_digest(list(notice.occurrences), notice.day, locale, tz, now)
        case Reconnect():
            return [onboarding.credentials_rejected(locale, email)]
        case Unreadable():
            return [notifications.unreadable_event(notice.calendar, notice.why, locale)]
        case CutEvents():
            return [notifications.cut_notice([(e.title, e.cut) for e in notice.events], locale)]


SNOOZE_LABELS = {
    SnoozeChoice.IN_5: "snooze.5",
    SnoozeChoice.IN_10: "snooze.10",
    SnoozeChoice.BEFORE_1: "snooze.before1",
    SnoozeChoice.AT_START: "snooze.start",
}


def with_snooze(
    message: OutMessage, occurrence: Occurrence, locale: str, now: datetime
) -> OutMessage:
    """A reminder with "⏰ Remind again…" below it: the choices that still fall before the
    start (none once it started)."""
    choices = offered(now, occurrence.start)
    if not choices:
        return message
    menu = Menu(
        t(locale, "snooze.placeholder"),
        actions.SNOOZE,
        tuple(MenuOption(t(locale, SNOOZE_LABELS[c]), c.value) for c in choices),
        SnoozePick(occurrence_ref(occurrence), None).pack(),
    )
    return OutMessage(message.text, (*message.blocks, Block(menus=(menu,))))


def joined(messages: Sequence[OutMessage]) -> OutMessage:
    """Several notices as one post: their texts one after another, their buttons below."""
    return OutMessage(
        NOTICE_SEPARATOR.join(m.text for m in messages),
        tuple(block for m in messages for block in m.blocks),
    )
