"""What the bot says on its own: changes, invitations, reminders, and the password alarm
(views.notices picks the one for each notice)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from calendar_bot.domain.model import Cut, Occurrence
from calendar_bot.i18n import t, tn
from calendar_bot.views import actions
from calendar_bot.views.formatting import (
    format_lead,
    format_when,
    local,
    md_inline,
    title_of,
    weekday_short,
)
from calendar_bot.views.meetings import invite_buttons, meeting_lines, notice_buttons, open_button
from calendar_bot.views.message import Block, Button, OutMessage

_FREQ_KEYS = {
    "DAILY": ("rrule.daily", "plural.rrule.days"),
    "WEEKLY": ("rrule.weekly", "plural.rrule.weeks"),
    "MONTHLY": ("rrule.monthly", "plural.rrule.months"),
    "YEARLY": ("rrule.yearly", "plural.rrule.years"),
}
_BYDAY = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}


def describe_rrule(rrule: str, locale: str) -> str:
    """An RRULE in words (`FREQ=WEEKLY;BYDAY=MO,WE` -> "every week on Mon, Wed"); "" if unknown."""
    parts: dict[str, str] = {}
    for item in rrule.upper().removeprefix("RRULE:").split(";"):
        name, _, value = item.partition("=")
        parts[name.strip()] = value.strip()
    keys = _FREQ_KEYS.get(parts.get("FREQ", ""))
    if keys is None:
        return ""
    try:
        interval = max(1, int(parts.get("INTERVAL", "1")))
    except ValueError:
        interval = 1
    text = t(locale, keys[0]) if interval == 1 else tn(locale, keys[1], interval)
    days = [_BYDAY[code[-2:]] for code in parts.get("BYDAY", "").split(",") if code[-2:] in _BYDAY]
    if parts.get("FREQ") == "WEEKLY" and days:
        names = ", ".join(t(locale, f"date.weekday.{d}") for d in sorted(set(days)))
        text = t(locale, "rrule.on_days", rule=text, days=names)
    return text


def _title(occurrence: Occurrence, locale: str) -> str:
    return md_inline(title_of(occurrence.title, locale))


def _message(
    headline: str, occurrence: Occurrence, locale: str, tz: ZoneInfo, now: datetime
) -> OutMessage:
    lines = [headline, *meeting_lines(occurrence, locale, tz, now)]
    return OutMessage("\n".join(lines), notice_buttons(occurrence, locale))


def new_meeting(occurrence: Occurrence, locale: str, tz: ZoneInfo, now: datetime) -> OutMessage:
    return _message(
        t(locale, "notify.new", title=_title(occurrence, locale)), occurrence, locale, tz, now
    )


def new_series(occurrence: Occurrence, locale: str, tz: ZoneInfo, now: datetime) -> OutMessage:
    """A recurring series, announced once through its first upcoming occurrence, with its
    rule in words when it has one rule the words can say."""
    lines = [t(locale, "notify.new_series", title=_title(occurrence, locale))]
    rule = describe_rrule(occurrence.rrule, locale) if occurrence.rrule else ""
    if rule:
        lines.append(t(locale, "notify.series_rule", rule=rule))
    today = local(now, tz).date()
    lines.append(
        t(locale, "notify.series_first", when=format_when(occurrence, locale, tz, today=today))
    )
    lines += meeting_lines(occurrence, locale, tz, now)[1:]  # the time is already there
    return OutMessage("\n".join(lines), notice_buttons(occurrence, locale))


def invitation(occurrence: Occurrence, locale: str, tz: ZoneInfo, now: datetime) -> OutMessage:
    """An invitation awaiting an answer: Accept / Maybe / Decline right here."""
    key = "notify.invitation_series" if occurrence.recurring else "notify.invitation"
    lines = [
        t(locale, key, title=_title(occurrence, locale)),
        *meeting_lines(occurrence, locale, tz, now),
    ]
    return OutMessage("\n".join(lines), notice_buttons(occurrence, locale))


def invited(
    occurrence: Occurrence,
    inviter: str,
    locale: str,
    tz: ZoneInfo,
    now: datetime,
    *,
    connected: bool,
) -> OutMessage:
    """A meeting someone created through the bot with the person among its attendees: who
    invites, what, when (in the person's zone), where. Connected: Accept / Maybe / Decline,
    written to their own copy; not connected: how to get those buttons."""
    name = occurrence.organizer.name if occurrence.organizer else ""
    who = md_inline(f"{name} (@{inviter})" if name and name != inviter else f"@{inviter}")
    key = "notify.invited_series" if occurrence.rrule else "notify.invited"
    lines = [t(locale, key, who=who, title=_title(occurrence, locale))]
    rule = describe_rrule(occurrence.rrule, locale) if occurrence.rrule else ""
    if rule:
        lines.append(t(locale, "notify.series_rule", rule=rule))
    lines += meeting_lines(replace(occurrence, organizer=None), locale, tz, now)
    if connected:
        buttons = invite_buttons(occurrence.uid, locale)
    else:
        lines += ["", t(locale, "notify.invited_connect")]
        buttons = (Button(t(locale, "greeting.connect"), actions.CONNECT, style="primary"),)
    return OutMessage("\n".join(lines), (Block(buttons=buttons),))


def cancelled(
    occurrence: Occurrence, locale: str, tz: ZoneInfo, now: datetime, *, series: bool = False
) -> OutMessage:
    key = "notify.cancelled_series" if series else "notify.cancelled"
    today = local(now, tz).date()
    lines = [
        t(locale, key, title=_title(occurrence, locale)),
        t(locale, "details.when", when=format_when(occurrence, locale, tz, today=today)),
    ]
    return OutMessage("\n".join(lines), (Block(buttons=(open_button(occurrence, locale),)),))


def moved(
    previous: Occurrence, current: Occurrence, locale: str, tz: ZoneInfo, now: datetime
) -> OutMessage:
    today = local(now, tz).date()
    lines = [
        t(locale, "notify.moved", title=_title(current, locale)),
        t(locale, "notify.was", value=f"~~{format_when(previous, locale, tz, today=today)}~~"),
        t(locale, "notify.now", value=f"**{format_when(current, locale, tz, today=today)}**"),
    ]
    lines += meeting_lines(current, locale, tz, now)[1:]
    return OutMessage("\n".join(lines), notice_buttons(current, locale))


def updated(
    previous: Occurrence, current: Occurrence, locale: str, tz: ZoneInfo, now: datetime
) -> OutMessage:
    """Title or location changed: old -> new for each."""
    none = t(locale, "common.none")
    lines = [t(locale, "notify.updated", title=_title(current, locale))]
    if previous.title != current.title:
        lines.append(
            t(
                locale,
                "notify.changed_title",
                old=_title(previous, locale),
                new=_title(current, locale),
            )
        )
    if previous.location != current.location:
        lines.append(
            t(
                locale,
                "notify.changed_location",
                old=md_inline(previous.location) or none,
                new=md_inline(current.location) or none,
            )
        )
    today = local(now, tz).date()
    lines.append(t(locale, "details.when", when=format_when(current, locale, tz, today=today)))
    return OutMessage("\n".join(lines), notice_buttons(current, locale))


def _time_left(minutes: int, locale: str) -> str:
    if minutes < 60:
        return tn(locale, "plural.in_minutes", minutes)
    return t(locale, "remind.in_duration", duration=format_lead(minutes, locale))


def reminder(
    occurrence: Occurrence,
    lead_minutes: int,
    locale: str,
    tz: ZoneInfo,
    now: datetime,
    *,
    late: bool = False,
) -> OutMessage:
    """ "In N minutes" (lead > 0), "starting now" or "on since 10:00" (lead 0), with Join.

    The time left is counted from `now`, so a reminder delivered a minute late does not claim
    a full lead; an hour or more reads like the settings ("in 1 h"). `late` (found after its
    minute: the bot was down or checked late) says the meeting is on already and adds a marker.
    """
    title = _title(occurrence, locale)
    minutes = math.ceil((occurrence.start - now).total_seconds() / 60)
    start_time = f"{local(occurrence.start, tz):%H:%M}"
    if lead_minutes > 0:  # ⏰, even when it arrives after the start (Mattermost was down)
        if minutes > 0:
            in_minutes = _time_left(minutes, locale)
            lines = [t(locale, "remind.soon", title=title, in_minutes=in_minutes)]
        else:
            lines = [t(locale, "remind.soon_started", title=title, time=start_time)]
    elif late:  # found after its minute (a late tick): the meeting is on already
        lines = [t(locale, "remind.started", title=title, time=start_time)]
    else:
        lines = [t(locale, "remind.now", title=title)]
    if late:
        lines[0] += f" {t(locale, 'remind.late')}"
    start = local(occurrence.start, tz)
    lines.append(
        t(locale, "remind.at", weekday=weekday_short(start.date(), locale), time=f"{start:%H:%M}")
    )
    lines += meeting_lines(occurrence, locale, tz, now)[1:]
    blocks = notice_buttons(occurrence, locale)
    return OutMessage("\n".join(lines), blocks)


def unreadable_event(calendar_name: str, why: str, locale: str) -> OutMessage:
    """One event in a calendar cannot be read: said once, with what the bot does about it."""
    reason = t(
        locale,
        "notify.unreadable.too_large" if why == "too_large" else "notify.unreadable.not_utf8",
    )
    return OutMessage(
        t(locale, "notify.unreadable", calendar=md_inline(calendar_name), reason=reason)
    )


MAX_CUT_TITLES = 3


def cut_notice(cuts: Sequence[tuple[str, Cut]], locale: str) -> OutMessage:
    """Events shown in part only (`cuts`: their titles and why), said once: "1 event could
    not be shown in full: it repeats every second"."""
    reasons = "; ".join(dict.fromkeys(t(locale, f"cut.reason.{cut}") for _, cut in cuts))
    lines = [
        t(locale, "cut.notice", events=tn(locale, "plural.cut.events", len(cuts)), reasons=reasons)
    ]
    titles = [md_inline(title_of(title, locale), 80) for title, _ in cuts[:MAX_CUT_TITLES]]
    if len(cuts) > MAX_CUT_TITLES:
        titles.append(t(locale, "common.and_more", count=len(cuts) - MAX_CUT_TITLES))
    lines.append(t(locale, "cut.titles", titles=", ".join(titles)))
    return OutMessage("\n".join(lines))
