"""A find-a-time answer: the best slots as buttons, who is busy in each, and whose
availability is unknown. Only times and people's handles appear: never a meeting of theirs."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from calendar_bot.domain.find_request import FindParseError
from calendar_bot.domain.slots import Slot
from calendar_bot.i18n import t
from calendar_bot.services.find_time import FoundTimes
from calendar_bot.views import actions
from calendar_bot.views.common import main_menu_block
from calendar_bot.views.formatting import format_date, format_duration, format_time, md_inline
from calendar_bot.views.message import Block, Button, OutMessage
from calendar_bot.views.payloads import FoundSlot


def _people(keys: tuple[str, ...] | list[str]) -> str:
    return ", ".join(md_inline(k, 80) for k in keys)


def _when(slot: Slot, locale: str, tz: ZoneInfo, today: date) -> str:
    start, end = slot.start.astimezone(tz), slot.end.astimezone(tz)
    return (
        f"{format_date(start.date(), locale, today=today)}, {format_time(start)}–{format_time(end)}"
    )


def _button_label(slot: Slot, locale: str, tz: ZoneInfo) -> str:
    start = slot.start.astimezone(tz)
    label = f"{format_date(start.date(), locale)} {format_time(start)}"
    return label if slot.free_for_all else f"{label} ⚠️"


def _searched(found: FoundTimes, locale: str, tz: ZoneInfo, today: date) -> str:
    days = found.request.days
    last = min(days.last, found.searched_until.astimezone(tz).date())
    if last <= days.first:
        return t(locale, "find.range_day", day=format_date(days.first, locale, today=today))
    return t(
        locale,
        "find.range",
        first=format_date(days.first, locale, today=today),
        last=format_date(last, locale, today=today),
    )


def found_times(found: FoundTimes, locale: str, tz: ZoneInfo, today: date) -> OutMessage:
    search = found.search
    named = [i.key for i in found.invitees]
    request = found.request
    lines = [
        t(
            locale,
            "find.heading",
            duration=format_duration(request.duration_minutes, locale),
            people=_people(named) if named else "—",
        ),
        _searched(found, locale, tz, today),
        "",
    ]
    if search.slots:
        lines.append(t(locale, "find.best"))
        for number, slot in enumerate(search.slots, start=1):
            when = _when(slot, locale, tz, today)
            text = (
                t(locale, "find.slot.free", when=when)
                if slot.free_for_all
                else t(locale, "find.slot.busy", when=when, people=_people(slot.conflicts))
            )
            lines.append(f"{number}. {text}")
    elif search.outside_hours:
        lines.append(t(locale, "find.none"))
    else:
        lines.append(t(locale, "find.none_free"))
    if search.unknown:
        lines += ["", t(locale, "find.unknown", people=_people(search.unknown))]
    if found.not_found:
        lines += [
            "",
            t(locale, "find.not_found", people=_people([f"@{n}" for n in found.not_found])),
        ]
    invitees = tuple((i.email, i.name) for i in found.invitees if i.email)
    handles = tuple(i.key[1:] for i in found.invitees if i.email and i.key.startswith("@"))
    buttons = tuple(
        Button(
            _button_label(slot, locale, tz),
            actions.FIND_PICK,
            FoundSlot(slot.start, request.duration_minutes, invitees, handles).pack(),
            style="primary" if slot.free_for_all else "default",
        )
        for slot in search.slots
    )
    blocks = (Block(buttons=buttons),) if buttons else ()
    return OutMessage("\n".join(lines), (*blocks, main_menu_block(locale)))


_PARSE_ERRORS = {
    "nobody named": "find.usage",
    "not a find request": "find.usage",
    "bad duration": "find.bad_duration",
}


def not_a_request(error: FindParseError, locale: str) -> OutMessage:
    """What a request that did not parse gets: an example of one that does."""
    return OutMessage(t(locale, _PARSE_ERRORS.get(str(error), "find.not_understood")))


def default_title(locale: str) -> str:
    """A found slot's meeting title until the person changes it on the summary."""
    return t(locale, "find.default_title")


def nobody_found(locale: str) -> OutMessage:
    return OutMessage(t(locale, "find.nobody"))
