"""The create-meeting wizard's card: one post edited in place from the first question to
the result (issue #16). Each step shows what was answered so far as a compact summary on
top, then the question with its quick picks and Cancel; then the summary (with the person's
own meetings the slot overlaps), the field picker, and the result.

They render the wizard's own vocabulary (domain.wizard: `Step`, `WizardError`, the quick
picks, the outcomes the service reports): one set of names from the machine to the text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from calendar_bot.domain import wizard
from calendar_bot.domain.model import CalendarRef, NewEvent, Occurrence
from calendar_bot.domain.recurrence import WEEKDAYS, Frequency, Recurrence, from_rrule
from calendar_bot.domain.sentence import SentenceParse
from calendar_bot.domain.slots import Slot
from calendar_bot.domain.wizard import Step, WizardError, WizardState
from calendar_bot.i18n import t, tn
from calendar_bot.views import actions
from calendar_bot.views.formatting import (
    format_date,
    format_duration,
    format_time,
    local,
    md_inline,
    md_quote,
    title_of,
    weekday_short,
)
from calendar_bot.views.meetings import meeting_error
from calendar_bot.views.message import Block, Button, ButtonStyle, OutMessage
from calendar_bot.views.notifications import describe_rrule
from calendar_bot.views.payloads import WizardField, WizardMark, WizardPick

STEPS: Final = wizard.EDITABLE  # the numbered steps, and the fields the edit picker offers

# Each error's text: `wizard.error.<key>`. EMPTY reads differently on the title step.
ERROR_TEXTS: Final[Mapping[WizardError, str]] = {
    WizardError.EMPTY: "input.empty",
    WizardError.DATE_FORMAT: "date.invalid",
    WizardError.DATE_INVALID: "date.no_such_day",
    WizardError.TIME_FORMAT: "time.invalid",
    WizardError.TIME_OUT_OF_RANGE: "time.range",
    WizardError.DURATION_FORMAT: "duration.invalid",
    WizardError.DURATION_OUT_OF_RANGE: "duration.range",
    WizardError.TITLE_TOO_LONG: "title.too_long",
    WizardError.DATE_IN_PAST: "date.past",
    WizardError.START_IN_PAST: "time.past",
    WizardError.ATTENDEES_INVALID: "attendees.invalid",
    WizardError.ATTENDEES_UNKNOWN: "attendees.unknown",
    WizardError.DESCRIPTION_TOO_LONG: "description.too_long",
    WizardError.LOCATION_TOO_LONG: "location.too_long",
    WizardError.UNEXPECTED_INPUT: "generic",
    WizardError.AMBIGUOUS_HOUR: "time.ambiguous",
    WizardError.AMBIGUOUS_DATE: "date.ambiguous",
    WizardError.REPEAT_FORMAT: "repeat.invalid",
    WizardError.REPEAT_ENDS_BEFORE: "repeat.ends_before",
    WizardError.CALENDAR_UNKNOWN: "calendar.unknown",
}
TITLE_EMPTY: Final = "title.empty"
GENERIC: Final = "generic"
_LIMITS: Final[Mapping[WizardError, int]] = {
    WizardError.TITLE_TOO_LONG: wizard.MAX_TITLE,
    WizardError.DESCRIPTION_TOO_LONG: wizard.MAX_DESCRIPTION,
    WizardError.LOCATION_TOO_LONG: wizard.MAX_LOCATION,
}
_NAMED: Final = (WizardError.ATTENDEES_INVALID, WizardError.ATTENDEES_UNKNOWN)
_DATE_LABELS: Final = ("wizard.date.today", "wizard.date.tomorrow", "wizard.date.after")


def _cancel_button(locale: str) -> Button:
    return Button(t(locale, "common.cancel"), actions.WIZARD_CANCEL, style="danger")


def _pick(label: str, step: Step, value: str, style: ButtonStyle = "default") -> Button:
    return Button(label, actions.WIZARD_PICK, WizardPick(step, value).pack(), style)


def _skip(label: str, step: Step) -> Button:
    return Button(label, actions.WIZARD_SKIP, WizardMark(step).pack())


def still_open(step: Step, locale: str) -> OutMessage:
    """After a command typed mid-wizard: the wizard waits, and says so."""
    if step in STEPS:
        return OutMessage(
            t(locale, "wizard.still_open", number=STEPS.index(step) + 1, total=len(STEPS))
        )
    return OutMessage(t(locale, "wizard.still_open.summary"))


def _step_header(step: Step, locale: str) -> str:
    return t(locale, "wizard.step", number=STEPS.index(step) + 1, total=len(STEPS))


def _quick_picks(
    step: Step,
    locale: str,
    tz: ZoneInfo,
    now: datetime,
    chosen_date: date | None,
    times: Sequence[time] | None,
) -> list[Button]:
    """The machine's quick picks for `step`, labelled; each sends its value's typed form."""
    today = local(now, tz).date()
    if step is Step.DATE:
        days = zip(_DATE_LABELS, wizard.date_picks(now, tz), strict=True)
        return [
            _pick(
                t(locale, key, date=format_date(day, locale, today=today)),
                step,
                day.isoformat(),
                "primary" if index == 0 else "default",
            )
            for index, (key, day) in enumerate(days)
        ]
    if step is Step.TIME:
        return [
            _pick(
                t(locale, "wizard.time.at", time=format_time(at)),
                step,
                format_time(at),
                "primary" if index == 0 else "default",
            )
            for index, at in enumerate(
                times if times is not None else wizard.time_picks(now, tz, chosen_date)
            )
        ]
    if step is Step.DURATION:
        return [
            _pick(format_duration(minutes, locale), step, str(minutes))
            for minutes in wizard.QUICK_DURATIONS
        ]
    if step is Step.ATTENDEES:
        return [_skip(t(locale, "wizard.attendees.nobody"), step)]
    if step in (Step.DESCRIPTION, Step.LOCATION):
        return [_skip(t(locale, "common.skip"), step)]
    return []


def _find_button(locale: str, step: Step) -> Button:
    return Button(t(locale, "wizard.find"), actions.WIZARD_FIND, WizardMark(step).pack())


# ---- repeat, calendar, find: the questions the summary reaches --------------------------


def describe_recurrence(rule: Recurrence, locale: str) -> str:
    """The rule in words, with its end: "every week on Mon, Wed, until 1 March"."""
    if rule.on_weekdays and rule.interval == 1:
        text = t(locale, "wizard.repeat.weekdays")
    else:
        text = describe_rrule(rule.to_rrule(), locale)
    if rule.until is not None:
        text = t(locale, "wizard.repeat.until", rule=text, date=format_date(rule.until, locale))
    elif rule.count is not None:
        text = t(
            locale,
            "wizard.repeat.times",
            rule=text,
            times=tn(locale, "plural.wizard.repeat.times", rule.count),
        )
    return text


def repeat_picks(day: date | None) -> list[tuple[str, Recurrence]]:
    """The quick picks of the repeat question: (label key, rule); weekly on the meeting's
    own weekday (when its day is known)."""
    picks = [
        ("wizard.repeat.daily", Recurrence(Frequency.DAILY)),
        ("wizard.repeat.weekdays", Recurrence(Frequency.WEEKLY, weekdays=WEEKDAYS)),
    ]
    if day is not None:
        picks.append(
            ("wizard.repeat.weekly_on", Recurrence(Frequency.WEEKLY, weekdays=(day.weekday(),)))
        )
    else:
        picks.append(("rrule.weekly", Recurrence(Frequency.WEEKLY)))
    picks.append(("wizard.repeat.biweekly", Recurrence(Frequency.WEEKLY, interval=2)))
    return picks


_EXTRA_HEADINGS: Final[Mapping[Step, str]] = {
    Step.REPEAT: "wizard.repeat.heading",
    Step.CALENDAR: "wizard.calendar.heading",
    Step.FIND: "wizard.find.heading",
}


def _extra_header(step: Step, locale: str) -> str:
    return t(locale, _EXTRA_HEADINGS[step])


def wizard_extra(
    step: Step,
    locale: str,
    tz: ZoneInfo,
    now: datetime,
    state: WizardState,
    *,
    error: WizardError | None = None,
    detail: Sequence[str] = (),
    calendars: Sequence[CalendarRef] = (),
    calendar: CalendarRef | None = None,
    slots: Sequence[Slot] = (),
    unknown: Sequence[str] = (),
) -> OutMessage:
    """The repeat, calendar and find-a-time questions: the draft so far, the question, its
    picks, a way back and Cancel."""
    lines = [_extra_header(step, locale)]
    answered = _answered(state, Step.CONFIRM, locale, tz, now)
    if answered:
        lines += [*answered, ""]
    if error is not None:
        text = wizard_error_text(error, locale, tz, now, step=step, detail=detail)
        lines.append(t(locale, "wizard.error_line", text=text) + "\n")
    buttons: list[Button] = []
    if step is Step.REPEAT:
        lines.append(t(locale, "wizard.repeat.prompt"))
        if state.recurrence is not None:
            lines.append(
                t(locale, "wizard.repeat.now", rule=describe_recurrence(state.recurrence, locale))
            )
        buttons.append(_skip(t(locale, "wizard.repeat.none"), step))
        for key, rule in repeat_picks(state.date):
            label = (
                t(locale, key, weekday=t(locale, f"date.weekday.{state.date.weekday()}"))
                if (key == "wizard.repeat.weekly_on" and state.date is not None)
                else t(locale, key)
            )
            buttons.append(_pick(label[:1].upper() + label[1:], step, rule.to_rrule()))
    elif step is Step.CALENDAR:
        lines.append(t(locale, "wizard.calendar.prompt"))
        for ref in calendars:
            chosen = calendar is not None and ref.href == calendar.href
            label = md_inline(ref.name or ref.href, 60)
            buttons.append(
                _pick(
                    ("✅ " if chosen else "") + label,
                    step,
                    ref.href,
                    "primary" if chosen else "default",
                )
            )
    else:
        today = local(now, tz).date()
        if slots:
            lines.append(
                t(
                    locale,
                    "wizard.find.prompt",
                    duration=format_duration(state.duration or 60, locale),
                )
            )
            for slot in slots:
                start, end = slot.start.astimezone(tz), slot.end.astimezone(tz)
                day = format_date(start.date(), locale, today=today)
                label = f"{day} {format_time(start)}–{format_time(end)}"
                if not slot.free_for_all:
                    label += " ⚠️"
                buttons.append(
                    _pick(
                        label,
                        step,
                        start.strftime("%Y-%m-%dT%H:%M"),
                        "default" if slot.conflicts else "primary",
                    )
                )
            if any(s.conflicts for s in slots):
                lines.append(t(locale, "wizard.find.busy_marked"))
        else:
            lines.append(t(locale, "wizard.find.none"))
        if unknown:
            lines.append(
                t(
                    locale,
                    "wizard.find.unknown",
                    people=", ".join(md_inline(u, 60) for u in unknown),
                )
            )
    back = "wizard.edit.back" if state.editing or step is not Step.FIND else "wizard.find.back"
    if step is Step.FIND:
        buttons.append(_skip(t(locale, back), step))
    else:
        buttons.append(Button(t(locale, "wizard.edit.back"), actions.WIZARD_SUMMARY))
    buttons.append(_cancel_button(locale))
    return OutMessage("\n".join(lines), (Block(buttons=tuple(buttons)),))


def wizard_prompt(
    step: Step,
    locale: str,
    tz: ZoneInfo,
    now: datetime,
    *,
    error: WizardError | None = None,
    detail: Sequence[str] = (),
    chosen_date: date | None = None,
    picks: Sequence[time] | None = None,
    state: WizardState | None = None,
) -> OutMessage:
    """The card at `step` (one of STEPS): what `state` already holds as a compact summary,
    the question, its quick picks and Cancel.

    With `error` the same question is asked again under the explanation. `picks` are the
    time step's free half-hours (looked up by the service); without them they are counted
    from `now` alone. "Or pick one" is said only when there is something to pick.
    """
    if step not in STEPS:
        raise ValueError(f"not a wizard question: {step!r}")
    quick = _quick_picks(step, locale, tz, now, chosen_date, picks)
    buttons = [*quick]
    if state is not None and state.attendees and step in (Step.DATE, Step.TIME):
        buttons.append(_find_button(locale, step))
    buttons.append(_cancel_button(locale))
    lines = [_step_header(step, locale)]
    answered = _answered(state, step, locale, tz, now) if state is not None else []
    if answered:
        lines += [*answered, ""]
    if error is not None:
        text = wizard_error_text(error, locale, tz, now, step=step, detail=detail)
        lines.append(t(locale, "wizard.error_line", text=text) + "\n")
    lines.append(t(locale, f"wizard.{step.value}.prompt"))
    if step is Step.TIME:
        lines.append(t(locale, "wizard.time.free" if quick else "wizard.time.none_free"))
    elif step in (Step.DATE, Step.DURATION):
        lines.append(t(locale, "wizard.or_pick"))
    return OutMessage("\n".join(lines), (Block(buttons=tuple(buttons)),))


def _answered(
    state: WizardState, asking: Step, locale: str, tz: ZoneInfo, now: datetime
) -> list[str]:
    """The steps answered so far, one short line each (the field being asked left out)."""
    today = local(now, tz).date()
    lines: list[str] = []
    if state.title and asking is not Step.TITLE:
        lines.append(t(locale, "wizard.answered.title", value=md_inline(state.title, 80)))
    if state.date is not None and asking is not Step.DATE:
        when = format_date(state.date, locale, today=today)
        start = state.start_at(tz)
        if start is not None and asking is not Step.TIME:
            when += ", " + format_time(start)
            end = state.end_at(tz)
            if end is not None and asking is not Step.DURATION:
                when += "–" + _end_text(start, end, locale)
        lines.append(t(locale, "wizard.answered.date", value=when))
    if _ORDER[Step.ATTENDEES] < _ORDER.get(asking, len(_ORDER)) or (
        state.editing and asking is not Step.ATTENDEES
    ):
        if state.attendees:
            names = ", ".join(md_inline(name or email, 60) for email, name in state.attendees)
            lines.append(t(locale, "wizard.answered.attendees", value=names))
        else:
            lines.append(t(locale, "wizard.answered.nobody"))
    if state.description.strip() and asking is not Step.DESCRIPTION:
        first = state.description.strip().splitlines()[0]
        lines.append(t(locale, "wizard.answered.description", value=md_inline(first, 60)))
    if state.location.strip() and asking is not Step.LOCATION:
        lines.append(t(locale, "wizard.answered.location", value=md_inline(state.location, 80)))
    return lines


_ORDER: Final[Mapping[Step, int]] = {step: index for index, step in enumerate(wizard.FLOW)}


def _end_text(start: datetime, end: datetime, locale: str) -> str:
    """`11:00`, or `01:30 (Tue, the next day)` when it ends after midnight."""
    if end.date() > start.date():
        return t(
            locale,
            "time.next_day",
            time=format_time(end),
            weekday=weekday_short(end.date(), locale),
        )
    return format_time(end)


def wizard_error_text(
    error: WizardError,
    locale: str,
    tz: ZoneInfo,
    now: datetime,
    *,
    step: Step,
    detail: Sequence[str] = (),
) -> str:
    """The explanation for an error; it always says what form is expected. An attendees
    error without the names it is about gets the generic "try again"."""
    key = ERROR_TEXTS[error]
    params: dict[str, object] = {}
    if error is WizardError.EMPTY and step is Step.TITLE:
        key = TITLE_EMPTY
    if error in _LIMITS:
        params["max"] = _LIMITS[error]
    if error is WizardError.START_IN_PAST:
        params["now"] = format_time(local(now, tz))
    if error in (WizardError.AMBIGUOUS_HOUR, WizardError.AMBIGUOUS_DATE):
        fragment, first, second = (*detail, "", "", "")[:3]
        if error is WizardError.AMBIGUOUS_DATE and first and second:
            first, second = (format_date(date.fromisoformat(d), locale) for d in (first, second))
        params.update(fragment=md_inline(fragment, 40), first=first, second=second)
    if error in _NAMED:
        if not detail:
            key = GENERIC
        params["names"] = ", ".join(f"`{name}`" for name in detail)
    return t(locale, f"wizard.error.{key}", **params)


def wizard_step(
    state: WizardState,
    prompt: wizard.Prompt,
    locale: str,
    tz: ZoneInfo,
    now: datetime,
    *,
    picks: Sequence[time] | None = None,
    conflicts: Sequence[Occurrence] = (),
    calendars: Sequence[CalendarRef] = (),
    calendar: CalendarRef | None = None,
    video: bool = False,
    slots: Sequence[Slot] = (),
    unknown: Sequence[str] = (),
) -> OutMessage:
    """What the machine asks (`prompt`) over the draft as it stands (`state`): a step's
    question, or the summary (with the person's meetings it overlaps, `conflicts`, the
    calendar it goes to, and "Add video link" when the bot can make one, `video`)."""
    if prompt.step in (Step.REPEAT, Step.CALENDAR, Step.FIND):
        return wizard_extra(
            prompt.step,
            locale,
            tz,
            now,
            state,
            error=prompt.error,
            detail=prompt.detail,
            calendars=calendars,
            calendar=calendar,
            slots=slots,
            unknown=unknown,
        )
    if prompt.step is Step.CONFIRM and prompt.error is None:
        start = state.start_at(tz)
        if start is not None and state.duration is not None:
            return wizard_summary(
                locale,
                tz,
                now,
                title=state.title,
                start=start,
                duration_minutes=state.duration,
                attendees=[name or email for email, name in state.attendees],
                description=state.description,
                location=state.location,
                conflicts=conflicts,
                recurrence=state.recurrence,
                calendar=calendar.name if calendar is not None else "",
                video_link=state.video,
                can_add_video=video,
                can_find=bool(state.attendees),
            )
    step = prompt.step if prompt.step in STEPS else state.step
    if step not in STEPS:
        step = Step.TITLE
    return wizard_prompt(
        step,
        locale,
        tz,
        now,
        error=prompt.error,
        detail=prompt.detail,
        chosen_date=state.date,
        picks=picks,
        state=state,
    )


def wizard_asked(asked: wizard.Asked, locale: str, tz: ZoneInfo, now: datetime) -> OutMessage:
    return wizard_step(
        asked.state,
        asked.prompt,
        locale,
        tz,
        now,
        picks=asked.picks,
        conflicts=asked.conflicts,
        calendars=asked.calendars,
        calendar=asked.calendar,
        video=asked.video,
        slots=asked.slots,
        unknown=asked.unknown,
    )


def wizard_card(
    outcomes: Sequence[wizard.Outcome], locale: str, tz: ZoneInfo, now: datetime
) -> OutMessage | None:
    """The wizard's one post after what one answer led to: the last outcome (the next
    question, the summary, the result); a failed create puts its error above the summary.
    None when there is nothing to show."""
    card: OutMessage | None = None
    failed = False
    for outcome in outcomes:
        if isinstance(outcome, wizard.Asked):
            card = wizard_asked(outcome, locale, tz, now)
        elif isinstance(outcome, wizard.Cancelled):
            card = wizard_cancelled(locale)
        elif isinstance(outcome, wizard.Created):
            card = wizard_created(
                outcome.event, locale, tz, now, calendar=outcome.calendar, told=outcome.told
            )
        else:
            failed = True
    if failed:
        error = meeting_error("unreachable", locale).text
        line = t(locale, "wizard.error_line", text=error)
        if card is None:
            return OutMessage(line)
        return OutMessage(f"{line}\n\n{card.text}", card.blocks)
    return card


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
    conflicts: Sequence[Occurrence] = (),
    recurrence: Recurrence | None = None,
    calendar: str = "",
    video_link: str = "",
) -> list[str]:
    here = local(start, tz)
    # In UTC: wall-clock arithmetic would make a meeting across a DST change too long.
    end = local(start.astimezone(UTC) + timedelta(minutes=duration_minutes), tz)
    today = local(now, tz).date()
    none = t(locale, "wizard.summary.none")
    lines = [
        t(locale, "wizard.summary.title", value=md_inline(title)),
        t(locale, "wizard.summary.date", value=format_date(here.date(), locale, today=today)),
        # 23:30–01:30 ends on the next day: the end says so.
        t(locale, "wizard.summary.time", start=format_time(here), end=_end_text(here, end, locale)),
        *(conflict_line(o, here.date(), locale, tz) for o in conflicts),
        t(locale, "wizard.summary.duration", value=format_duration(duration_minutes, locale)),
        *(
            [t(locale, "wizard.summary.repeat", value=describe_recurrence(recurrence, locale))]
            if recurrence is not None
            else []
        ),
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
    if video_link:
        lines.append(t(locale, "wizard.summary.video", url=video_link))
    if calendar:
        lines.append(t(locale, "wizard.summary.calendar", value=md_inline(calendar, 80)))
    if description.strip():
        lines.append(t(locale, "wizard.summary.description"))
        lines.append(md_quote(description[:3000]))
    else:
        lines.append(t(locale, "wizard.summary.description_none"))
    return lines


def conflict_line(occurrence: Occurrence, day: date, locale: str, tz: ZoneInfo) -> str:
    """`⚠️ Overlaps your meeting 10:00–11:00 «Stand-up»`: the person's own meeting, by time
    and title; a start on another day gets its weekday, an end after midnight the next-day
    mark."""
    start, end = local(occurrence.start, tz), local(occurrence.end, tz)
    start_text = format_time(start)
    if start.date() != day:
        start_text = f"{weekday_short(start.date(), locale)} {start_text}"
    span = f"{start_text}–{_end_text(start, end, locale)}"
    title = md_inline(title_of(occurrence.title, locale), 120)
    return t(locale, "wizard.conflict", time=span, title=f"«{title}»")


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
    conflicts: Sequence[Occurrence] = (),
    recurrence: Recurrence | None = None,
    calendar: str = "",
    video_link: str = "",
    can_add_video: bool = False,
    can_find: bool = False,
) -> OutMessage:
    """The last step: everything entered, with Create / Edit / Cancel; "Add video link"
    when the bot can make one (or "Remove" when the draft has one), and "Find a time with
    them" when there are attendees.

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
        conflicts=conflicts,
        recurrence=recurrence,
        calendar=calendar,
        video_link=video_link,
    )
    mark = WizardMark(Step.CONFIRM).pack()
    buttons = [
        Button(t(locale, "wizard.create"), actions.WIZARD_CREATE, mark, "success"),
        Button(t(locale, "wizard.edit"), actions.WIZARD_EDIT, mark),
    ]
    if video_link:
        buttons.append(Button(t(locale, "wizard.video.remove"), actions.WIZARD_VIDEO, mark))
    elif can_add_video:
        buttons.append(Button(t(locale, "wizard.video.add"), actions.WIZARD_VIDEO, mark))
    if can_find:
        buttons.append(_find_button(locale, Step.CONFIRM))
    buttons.append(_cancel_button(locale))
    return OutMessage("\n".join(lines), (Block(buttons=tuple(buttons)),))


def wizard_edit_picker(locale: str, *, calendars: int = 1) -> OutMessage:
    """Which field to change, then back to the summary. Repeat always; Calendar when the
    person has more than one calendar to choose from."""
    fields = [*STEPS, Step.REPEAT, *((Step.CALENDAR,) if calendars > 1 else ())]
    buttons = [
        Button(
            t(locale, f"wizard.field.{field.value}"),
            actions.WIZARD_EDIT_FIELD,
            WizardField(field).pack(),
        )
        for field in fields
    ]
    buttons.append(Button(t(locale, "wizard.edit.back"), actions.WIZARD_SUMMARY))
    buttons.append(_cancel_button(locale))
    return OutMessage(t(locale, "wizard.edit.prompt"), (Block(buttons=tuple(buttons)),))


def wizard_cancelled(locale: str) -> OutMessage:
    return OutMessage(t(locale, "wizard.cancelled"))


def wizard_created(
    event: NewEvent,
    locale: str,
    tz: ZoneInfo,
    now: datetime,
    *,
    calendar: str = "",
    told: Sequence[str] = (),
) -> OutMessage:
    """The meeting was written to the calendar: its details, and who of its attendees the
    bot tells in Mattermost (`told`: their usernames)."""
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
        recurrence=from_rrule(event.rrule, tz) if event.rrule else None,
        calendar=calendar,
        video_link=event.video_url,
    )
    if told:
        people = ", ".join(md_inline(f"@{name}") for name in told)
        lines += ["", t(locale, "wizard.created.told", people=people)]
    return OutMessage("\n".join(lines))


def sentence_note(
    parse: SentenceParse, locale: str, *, video_available: bool = True
) -> OutMessage | None:
    """What a typed sentence asked for that the card cannot do, said before the card: a
    video link when the bot has no VIDEO_LINK_TEMPLATE (a pasted link is always used)."""
    video = parse.draft.video
    if video is not None and not video.link and not video_available:
        return OutMessage(t(locale, "sentence.no_video"))
    return None
