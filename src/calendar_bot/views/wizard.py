"""The create-meeting wizard's messages: one prompt per step with quick picks and Cancel,
error texts per code, the summary, the field picker, and the results.

These views take plain values (step names, error codes, summary fields), so they do not
depend on the wizard's state machine.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from calendar_bot.domain.model import NewEvent
from calendar_bot.i18n import t
from calendar_bot.views import actions
from calendar_bot.views.formatting import (
    format_date,
    format_duration,
    format_time,
    local,
    md_inline,
    md_quote,
    weekday_short,
)
from calendar_bot.views.message import Block, Button, ButtonStyle, OutMessage

STEP_TITLE: Final = "title"
STEP_DATE: Final = "date"
STEP_TIME: Final = "time"
STEP_DURATION: Final = "duration"
STEP_ATTENDEES: Final = "attendees"
STEP_DESCRIPTION: Final = "description"
STEP_LOCATION: Final = "location"
STEP_CONFIRM: Final = "confirm"

STEPS: Final = (
    STEP_TITLE,
    STEP_DATE,
    STEP_TIME,
    STEP_DURATION,
    STEP_ATTENDEES,
    STEP_DESCRIPTION,
    STEP_LOCATION,
)
FIELDS: Final = STEPS  # the fields the edit picker offers, in order

DURATION_PICKS: Final = (15, 30, 45, 60, 90)

# Error codes and the parameters their texts use.
ERROR_CODES: Final[Mapping[str, tuple[str, ...]]] = {
    "title.empty": (),
    "title.too_long": ("max",),
    "date.invalid": (),
    "date.no_such_day": (),
    "date.past": (),
    "time.invalid": (),
    "time.range": (),
    "time.past": (),  # `now` is filled in by the view
    "duration.invalid": (),
    "duration.range": (),
    "attendees.unknown": ("names",),
    "attendees.invalid": ("names",),
    "description.too_long": ("max",),
    "location.too_long": ("max",),
    "input.empty": (),
}
# The parser's codes (domain.parsing.ParseErrorCode values), per step, as wizard codes.
_PARSE_ALIASES: Final[Mapping[tuple[str, str], str]] = {
    (STEP_DATE, "date_format"): "date.invalid",
    (STEP_DATE, "date_invalid"): "date.no_such_day",
    (STEP_TIME, "time_format"): "time.invalid",
    (STEP_TIME, "time_out_of_range"): "time.range",
    (STEP_DURATION, "duration_format"): "duration.invalid",
    (STEP_DURATION, "duration_out_of_range"): "duration.range",
}


def _cancel_button(locale: str) -> Button:
    return Button(t(locale, "common.cancel"), actions.WIZARD_CANCEL, style="danger")


def _pick(label: str, step: str, value: str, style: ButtonStyle = "default") -> Button:
    return Button(label, actions.WIZARD_PICK, {"step": step, "value": value}, style)


def _skip(label: str, step: str) -> Button:
    return Button(label, actions.WIZARD_SKIP, {"step": step})


def time_picks(now: datetime, tz: ZoneInfo, chosen_date: date | None = None) -> list[str]:
    """Quick-pick start times `HH:MM`: the next full hour and one hour from now (rounded up to
    5 minutes), for today; for another day, the next full hour's time of day and 10:00."""
    here = local(now, tz)
    next_hour = (here + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    in_hour = here + timedelta(hours=1)
    extra = (-in_hour.minute) % 5
    in_hour = (in_hour + timedelta(minutes=extra)).replace(second=0, microsecond=0)
    if chosen_date is None or chosen_date == here.date():
        picks = [m for m in (next_hour, in_hour) if m.date() == here.date()]
        values = [format_time(m) for m in picks]
    else:
        values = [format_time(next_hour), "10:00"]
    return list(dict.fromkeys(values))


def still_open(step: str, locale: str) -> OutMessage:
    """After a command typed mid-wizard: the wizard waits, and says so."""
    if step in STEPS:
        return OutMessage(
            t(locale, "wizard.still_open", number=STEPS.index(step) + 1, total=len(STEPS))
        )
    return OutMessage(t(locale, "wizard.still_open.summary"))


def _step_header(step: str, locale: str) -> str:
    number = STEPS.index(step) + 1
    return t(locale, "wizard.step", number=number, total=len(STEPS))


def wizard_prompt(
    step: str,
    locale: str,
    tz: ZoneInfo,
    now: datetime,
    *,
    error: str | None = None,
    error_params: Mapping[str, object] | None = None,
    chosen_date: date | None = None,
) -> OutMessage:
    """The question for `step` (see STEPS) with its quick picks and Cancel.

    With `error` (a code from ERROR_CODES, or a parser code) the same question is asked again
    under the explanation. `chosen_date` (the draft's date) tunes the time quick picks.
    """
    today = local(now, tz).date()
    buttons: list[Button] = []
    if step == STEP_DATE:
        for offset, key in enumerate(
            ("wizard.date.today", "wizard.date.tomorrow", "wizard.date.after")
        ):
            day = today + timedelta(days=offset)
            label = t(locale, key, date=format_date(day, locale, today=today))
            buttons.append(
                _pick(label, step, day.isoformat(), "primary" if offset == 0 else "default")
            )
    elif step == STEP_TIME:
        for index, value in enumerate(time_picks(now, tz, chosen_date)):
            buttons.append(_pick(t(locale, "wizard.time.at", time=value), step, value))
            if index == 0:
                buttons[-1] = _pick(t(locale, "wizard.time.at", time=value), step, value, "primary")
    elif step == STEP_DURATION:
        for minutes in DURATION_PICKS:
            buttons.append(_pick(format_duration(minutes, locale), step, str(minutes)))
    elif step == STEP_ATTENDEES:
        buttons.append(_skip(t(locale, "wizard.attendees.nobody"), step))
    elif step in (STEP_DESCRIPTION, STEP_LOCATION):
        buttons.append(_skip(t(locale, "common.skip"), step))
    elif step not in STEPS:
        raise ValueError(f"unknown wizard step: {step!r}")
    buttons.append(_cancel_button(locale))
    lines = [_step_header(step, locale), t(locale, f"wizard.{step}.prompt")]
    if error:
        lines.insert(
            0,
            t(
                locale,
                "wizard.error_line",
                text=wizard_error_text(error, locale, tz, now, step=step, params=error_params),
            )
            + "\n",
        )
    return OutMessage("\n".join(lines), (Block(buttons=tuple(buttons)),))


def wizard_error_text(
    code: str,
    locale: str,
    tz: ZoneInfo,
    now: datetime,
    *,
    step: str = "",
    params: Mapping[str, object] | None = None,
) -> str:
    """The explanation for an error code; it always says what form is expected.

    `attendees.*` take `names` (a sequence of strings or one string); `*.too_long` take `max`.
    An unknown code, or one missing its parameters, gets a generic "try again" text.
    """
    code = _PARSE_ALIASES.get((step, code), code)
    given = dict(params or {})
    if code == "time.past":
        given["now"] = format_time(local(now, tz))
    names = given.get("names")
    if isinstance(names, Iterable) and not isinstance(names, str):
        given["names"] = ", ".join(f"`{name}`" for name in names)
    if code not in ERROR_CODES or any(p not in given for p in ERROR_CODES[code]):
        return t(locale, "wizard.error.generic")
    return t(locale, f"wizard.error.{code}", **given)


def _summary_lines(
    locale: str,
    tz: ZoneInfo,
    now: datetime,
    *,
    title: str,
    start: datetime,
    duration_minutes: int,
    attendees: Sequence[str],
    description: str,
    location: str,
) -> list[str]:
    here = local(start, tz)
    end = here + timedelta(minutes=duration_minutes)
    today = local(now, tz).date()
    none = t(locale, "wizard.summary.none")
    end_text = format_time(end)
    if end.date() > here.date():  # 23:30–01:30 ends on the next day: say so
        end_text = t(
            locale, "time.next_day", time=end_text, weekday=weekday_short(end.date(), locale)
        )
    lines = [
        t(locale, "wizard.summary.title", value=md_inline(title)),
        t(locale, "wizard.summary.date", value=format_date(here.date(), locale, today=today)),
        t(locale, "wizard.summary.time", start=format_time(here), end=end_text),
        t(locale, "wizard.summary.duration", value=format_duration(duration_minutes, locale)),
        t(
            locale,
            "wizard.summary.attendees",
            value=", ".join(md_inline(a, 120) for a in attendees) if attendees else none,
        ),
        t(
            locale,
            "wizard.summary.location",
            value=md_inline(location) if location.strip() else none,
        ),
    ]
    if description.strip():
        lines.append(t(locale, "wizard.summary.description"))
        lines.append(md_quote(description[:3000]))
    else:
        lines.append(t(locale, "wizard.summary.description_none"))
    return lines


def wizard_summary(
    locale: str,
    tz: ZoneInfo,
    now: datetime,
    *,
    title: str,
    start: datetime,
    duration_minutes: int,
    attendees: Sequence[str] = (),
    description: str = "",
    location: str = "",
) -> OutMessage:
    """The last step: everything entered, with Create / Edit / Cancel.

    `attendees` are labels as the user will recognize them (`@ivan`, `anna@mail.ru`).
    """
    lines = [t(locale, "wizard.summary.heading"), ""]
    lines += _summary_lines(
        locale,
        tz,
        now,
        title=title,
        start=start,
        duration_minutes=duration_minutes,
        attendees=attendees,
        description=description,
        location=location,
    )
    buttons = (
        Button(
            t(locale, "wizard.create"), actions.WIZARD_CREATE, {"step": STEP_CONFIRM}, "success"
        ),
        Button(t(locale, "wizard.edit"), actions.WIZARD_EDIT, {"step": STEP_CONFIRM}),
        _cancel_button(locale),
    )
    return OutMessage("\n".join(lines), (Block(buttons=buttons),))


def wizard_edit_picker(locale: str) -> OutMessage:
    """Which field to change, then back to the summary."""
    buttons = [
        Button(t(locale, f"wizard.field.{field}"), actions.WIZARD_EDIT_FIELD, {"field": field})
        for field in FIELDS
    ]
    buttons.append(Button(t(locale, "wizard.edit.back"), actions.WIZARD_SUMMARY))
    buttons.append(_cancel_button(locale))
    return OutMessage(t(locale, "wizard.edit.prompt"), (Block(buttons=tuple(buttons)),))


def wizard_cancelled(locale: str) -> OutMessage:
    return OutMessage(t(locale, "wizard.cancelled"))


def wizard_created(event: NewEvent, locale: str, tz: ZoneInfo, now: datetime) -> OutMessage:
    """The meeting was written to the calendar: its details."""
    minutes = max(1, int((event.end - event.start).total_seconds() // 60))
    lines = [t(locale, "wizard.created"), ""]
    lines += _summary_lines(
        locale,
        tz,
        now,
        title=event.title,
        start=event.start,
        duration_minutes=minutes,
        attendees=[a.label for a in event.attendees],
        description=event.description,
        location=event.location,
    )
    return OutMessage("\n".join(lines))
