"""Changing one's own meeting, on the meeting's card: the buttons under the details, the
question of which occurrences (a series), the value (free times, lengths, a typed title),
the confirmation of a cancellation, and the result. One card, edited in place."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from calendar_bot.domain.edits import (
    QUICK_MINUTES,
    CancelMeeting,
    ChangedFacts,
    EventEdit,
    Move,
    Rename,
    Resize,
    Scope,
    What,
    can_edit,
    can_move,
)
from calendar_bot.domain.model import Occurrence
from calendar_bot.i18n import t
from calendar_bot.views import actions
from calendar_bot.views.formatting import (
    format_date,
    format_duration,
    format_time,
    format_when,
    local,
    md_inline,
    title_of,
    weekday_short,
)
from calendar_bot.views.message import Block, Button, ButtonStyle, OutMessage
from calendar_bot.views.payloads import OwnEdit
from calendar_bot.views.refs import occurrence_ref

_SCOPE_LABELS = {
    Scope.THIS: "edit.scope.this",
    Scope.FOLLOWING: "edit.scope.following",
    Scope.SERIES: "edit.scope.series",
}
_SCOPE_LINES = {
    Scope.THIS: "edit.scope.line.this",
    Scope.FOLLOWING: "edit.scope.line.following",
    Scope.SERIES: "edit.scope.line.series",
}
_WHAT_LABELS = {
    What.MOVE: "edit.move",
    What.RENAME: "edit.rename",
    What.DURATION: "edit.duration",
    What.CANCEL: "edit.cancel",
}
ERRORS = {
    "time": "edit.error.time",
    "past": "edit.error.past",
    "duration": "edit.error.duration",
    "title": "edit.error.title",
}


def _button(
    key: str, locale: str, action: str, payload: OwnEdit, style: ButtonStyle = "default"
) -> Button:
    return Button(t(locale, key), action, payload.pack(), style)


def edit_buttons(occurrence: Occurrence, locale: str) -> Block | None:
    """Under the details of a meeting the person organizes: Move, Rename, Duration, Cancel."""
    if not can_edit(occurrence):
        return None
    ref = occurrence_ref(occurrence)
    whats = [What.MOVE, What.RENAME, What.DURATION, What.CANCEL]
    if not can_move(occurrence):
        whats = [What.RENAME, What.CANCEL]
    return Block(
        buttons=tuple(
            _button(
                _WHAT_LABELS[what],
                locale,
                actions.OWN_EDIT,
                OwnEdit(ref, what),
                "danger" if what is What.CANCEL else "default",
            )
            for what in whats
        )
    )


def _head(occurrence: Occurrence, locale: str, tz: ZoneInfo, now: datetime) -> list[str]:
    today = local(now, tz).date()
    return [
        t(locale, "details.title", title=md_inline(title_of(occurrence.title, locale))),
        t(locale, "details.when", when=format_when(occurrence, locale, tz, today=today)),
    ]


def _back(occurrence: Occurrence, locale: str) -> Button:
    return _button("edit.back", locale, actions.OWN_BACK, OwnEdit(occurrence_ref(occurrence)))


def _scope_line(scope: Scope | None, occurrence: Occurrence, locale: str) -> list[str]:
    if scope is None or not occurrence.recurring:
        return []
    return [t(locale, _SCOPE_LINES[scope])]


def scope_card(
    occurrence: Occurrence, what: What, locale: str, tz: ZoneInfo, now: datetime
) -> OutMessage:
    """A series: which of its meetings the change is for."""
    lines = [*_head(occurrence, locale, tz, now), "", t(locale, "edit.scope.question")]
    ref = occurrence_ref(occurrence)
    buttons = [
        _button(_SCOPE_LABELS[scope], locale, actions.OWN_SCOPE, OwnEdit(ref, what, scope))
        for scope in (Scope.THIS, Scope.FOLLOWING, Scope.SERIES)
    ]
    buttons.append(_back(occurrence, locale))
    return OutMessage("\n".join(lines), (Block(buttons=tuple(buttons)),))


def pick_label(start: datetime, meeting_day: date, locale: str, tz: ZoneInfo) -> str:
    moment = local(start, tz)
    if moment.date() == meeting_day:
        return format_time(moment)
    day = f"{weekday_short(moment.date(), locale)} {moment.day}.{moment.month:02d}"
    return f"{day} {format_time(moment)}"


def value_card(
    occurrence: Occurrence,
    what: What,
    scope: Scope,
    locale: str,
    tz: ZoneInfo,
    now: datetime,
    *,
    picks: Sequence[datetime] = (),
    error: str = "",
) -> OutMessage:
    """The question for the new value: free times to move to, lengths, a typed title; or
    the confirmation of a cancellation."""
    ref = occurrence_ref(occurrence)
    lines = [*_head(occurrence, locale, tz, now), *_scope_line(scope, occurrence, locale), ""]
    if error:
        lines.append(t(locale, ERRORS[error]))
    buttons: list[Button] = []
    if what is What.MOVE:
        day = local(occurrence.start, tz).date()
        lines.append(t(locale, "edit.move.prompt" if picks else "edit.move.none"))
        buttons = [
            Button(
                pick_label(start, day, locale, tz),
                actions.OWN_APPLY,
                OwnEdit(ref, what, scope, local(start, tz).isoformat()).pack(),
            )
            for start in picks
        ]
    elif what is What.RENAME:
        lines.append(t(locale, "edit.rename.prompt"))
    elif what is What.DURATION:
        lines.append(t(locale, "edit.duration.prompt"))
        buttons = [
            Button(
                format_duration(minutes, locale),
                actions.OWN_APPLY,
                OwnEdit(ref, what, scope, str(minutes)).pack(),
            )
            for minutes in QUICK_MINUTES
        ]
    else:
        lines.append(t(locale, "edit.cancel.question"))
        buttons = [
            _button(
                "edit.cancel.yes", locale, actions.OWN_APPLY, OwnEdit(ref, what, scope), "danger"
            )
        ]
    buttons.append(_back(occurrence, locale))
    return OutMessage("\n".join(lines), (Block(buttons=tuple(buttons)),))


def _done_key(edit: EventEdit) -> str:
    match edit:
        case Move():
            return "edit.done.moved"
        case Rename():
            return "edit.done.renamed"
        case Resize():
            return "edit.done.resized"
        case CancelMeeting():
            return "edit.done.cancelled"


def done(
    before: Occurrence,
    after: OutMessage | None,
    edit: EventEdit,
    scope: Scope,
    locale: str,
    tz: ZoneInfo,
    now: datetime,
) -> OutMessage:
    """The result: a line saying what was done above the meeting's card as it now is (or,
    cancelled, the meeting as it was)."""
    line = t(locale, _done_key(edit))
    scope_line = _scope_line(scope, before, locale)
    if after is None:
        lines = [line, *scope_line, "", *_head(before, locale, tz, now)]
        return OutMessage("\n".join(lines))
    text = "\n".join([line, *scope_line, "", after.text])
    return OutMessage(text, after.blocks)


def changed(
    facts: ChangedFacts, current: OutMessage | None, locale: str, tz: ZoneInfo, now: datetime
) -> OutMessage:
    """Nothing was changed: the meeting had changed meanwhile; what it is now."""
    if facts.why == "moved" and facts.start is not None and facts.end is not None:
        start, end = local(facts.start, tz), local(facts.end, tz)
        when = t(
            locale,
            "time.on_day",
            date=format_date(start.date(), locale, today=local(now, tz).date()),
            start=format_time(start),
            end=format_time(end),
        )
        line = t(locale, "edit.changed.moved", when=when)
    elif facts.why == "renamed":
        line = t(locale, "edit.changed.renamed", title=md_inline(title_of(facts.title, locale)))
    elif facts.why == "cancelled":
        line = t(locale, "edit.changed.cancelled")
    else:
        line = t(locale, "edit.changed.other")
    if current is None:
        return OutMessage(line)
    return OutMessage(f"{line}\n\n{current.text}", current.blocks)
