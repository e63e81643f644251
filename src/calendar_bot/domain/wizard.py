"""The create-meeting wizard as a pure state machine.

`step(state, input, now=..., tz=...) -> (state, effects)`. The state is a frozen dataclass
persisted per user between messages (`to_dict`/`from_dict`); effects are plain dataclasses
the service layer performs and renders through views. No texts here: errors are codes.

Flow: TITLE -> DATE -> TIME -> DURATION -> ATTENDEES -> DESCRIPTION -> LOCATION -> CONFIRM,
then DONE (after Create) or CANCELLED. Cancel works on every step. A quick-pick button sends
its value in the typed form (`Text`), so a click and a typed answer take one path; the picks
themselves are chosen here (`date_picks`, `time_picks`, `QUICK_DURATIONS`) and only labelled
by the views. A wrong input keeps the step and answers
`Prompt(step, error)`. A start in the past is refused at TIME (and at DATE when the time is
already known) and re-checked at Create, since time passes while the summary is read.

Attendees: typed `@username`s need the chat to resolve them, so the machine answers
`ResolveUsernames(...)` and waits (the step stays ATTENDEES) for a `UsernamesResolved`
input. Unknown names are reported and nothing of that attempt is kept: the user retypes the
list, which is simpler to reason about than a half-accepted one.

Beyond the numbered flow, the summary reaches three more questions (issue #17): REPEAT
(Edit -> Repeat: no repeat, or a `domain.recurrence` rule, typed or picked), CALENDAR
(Edit -> Calendar: which of the person's writable calendars; the service checks the choice
against the list, the machine only keeps its href) and FIND (a "find a time with them"
button on the date and time steps and the summary, once there are attendees: the service
searches, the machine takes the picked start). A video link (`SetVideo`) is set or removed on
the summary; the link itself is made by the service (it needs randomness and a setting).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from calendar_bot.domain import parsing
from calendar_bot.domain.availability import Busy, WorkingHours, free_half_hours
from calendar_bot.domain.model import Attendee, CalendarRef, NewEvent, Occurrence, PartStat
from calendar_bot.domain.recurrence import (
    Recurrence,
    first_on_or_after,
    follow_date,
    from_rrule,
)
from calendar_bot.domain.recurrence import parse_recurrence as _parse_recurrence
from calendar_bot.domain.slots import Slot
from calendar_bot.domain.zones import as_zone as _zone

MAX_TITLE = 200
MAX_DESCRIPTION = 4000
MAX_LOCATION = 500
QUICK_DURATIONS = (15, 30, 45, 60, 90)
TIME_PICKS = 4  # how many free half-hours the time step offers
STATE_VERSION = 1


class Step(StrEnum):
    TITLE = "title"
    DATE = "date"
    TIME = "time"
    DURATION = "duration"
    ATTENDEES = "attendees"
    DESCRIPTION = "description"
    LOCATION = "location"
    CONFIRM = "confirm"
    REPEAT = "repeat"  # reached from the summary (Edit), not numbered
    CALENDAR = "calendar"  # reached from the summary (Edit), not numbered
    FIND = "find"  # "find a time with them": the found slots as picks
    DONE = "done"
    CANCELLED = "cancelled"


FLOW: tuple[Step, ...] = (
    Step.TITLE,
    Step.DATE,
    Step.TIME,
    Step.DURATION,
    Step.ATTENDEES,
    Step.DESCRIPTION,
    Step.LOCATION,
    Step.CONFIRM,
)
EDITABLE: tuple[Step, ...] = FLOW[:-1]
# The questions the summary's Edit also reaches, after the numbered ones.
EXTRAS: tuple[Step, ...] = (Step.REPEAT, Step.CALENDAR)
FIND_FROM: tuple[Step, ...] = (Step.DATE, Step.TIME, Step.CONFIRM)  # where "find a time" is


class WizardError(StrEnum):
    # The parsing codes, one to one, so a view needs one table.
    EMPTY = parsing.ParseErrorCode.EMPTY.value
    DATE_FORMAT = parsing.ParseErrorCode.DATE_FORMAT.value
    DATE_INVALID = parsing.ParseErrorCode.DATE_INVALID.value
    TIME_FORMAT = parsing.ParseErrorCode.TIME_FORMAT.value
    TIME_OUT_OF_RANGE = parsing.ParseErrorCode.TIME_OUT_OF_RANGE.value
    DURATION_FORMAT = parsing.ParseErrorCode.DURATION_FORMAT.value
    DURATION_OUT_OF_RANGE = parsing.ParseErrorCode.DURATION_OUT_OF_RANGE.value
    # The wizard's own.
    TITLE_TOO_LONG = "title_too_long"
    DATE_IN_PAST = "date_in_past"
    START_IN_PAST = "start_in_past"
    ATTENDEES_INVALID = "attendees_invalid"  # detail: the tokens that are neither
    ATTENDEES_UNKNOWN = "attendees_unknown"  # detail: the usernames nobody has
    DESCRIPTION_TOO_LONG = "description_too_long"
    LOCATION_TOO_LONG = "location_too_long"
    UNEXPECTED_INPUT = "unexpected_input"  # a button or text this step does not take
    # A typed sentence left it open (detail: the words as typed, then the two readings).
    AMBIGUOUS_HOUR = "ambiguous_hour"
    AMBIGUOUS_DATE = "ambiguous_date"
    REPEAT_FORMAT = "repeat_format"  # not a repeat the wizard knows
    REPEAT_ENDS_BEFORE = "repeat_ends_before"  # "until" before the meeting's own day
    CALENDAR_UNKNOWN = "calendar_unknown"  # not one of the person's writable calendars


# ---- inputs -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class Cancel:
    pass


@dataclass(frozen=True, slots=True)
class Skip:
    """ "Invite nobody" on ATTENDEES, "Skip" on DESCRIPTION and LOCATION."""


@dataclass(frozen=True, slots=True)
class Create:
    pass


@dataclass(frozen=True, slots=True)
class Edit:
    field: Step


@dataclass(frozen=True, slots=True)
class ResolvedUser:
    username: str
    email: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class UsernamesResolved:
    found: tuple[ResolvedUser, ...] = ()
    unknown: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FindTime:
    """ "Find a time with them": ask the FIND question (the service searches)."""


@dataclass(frozen=True, slots=True)
class SetVideo:
    """On the summary: the meeting's video link (made by the service), or "" to remove it."""

    link: str


WizardInput = Text | Cancel | Skip | Create | Edit | UsernamesResolved | FindTime | SetVideo


# ---- effects ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Prompt:
    """Ask for `step` (CONFIRM: show the summary), after an error when `error` is set."""

    step: Step
    error: WizardError | None = None
    detail: tuple[str, ...] = ()  # e.g. the invalid tokens or unknown usernames


@dataclass(frozen=True, slots=True)
class ResolveUsernames:
    usernames: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CreateEvent:
    """Create it. The service adds the organizer (e-mail, name) from the user's account."""

    event: NewEvent


@dataclass(frozen=True, slots=True)
class Cancelled:
    pass


Effect = Prompt | ResolveUsernames | CreateEvent | Cancelled


# ---- outcomes: what the service reports once it has performed the effects ---------------


@dataclass(frozen=True, slots=True)
class Asked:
    """A question to show: `prompt` over the draft as it stood then. The service adds what
    it read from the person's own calendar: the time step's quick picks (`picks`, free
    half-hours) and, on the summary, the person's meetings the chosen slot overlaps."""

    prompt: Prompt
    state: WizardState
    picks: tuple[time, ...] | None = None  # None: not looked up (views fall back to no busy)
    conflicts: tuple[Occurrence, ...] = ()
    # The person's writable calendars, and the one the meeting goes to (the draft's, else
    # the last used, else the first): for the summary and the CALENDAR question.
    calendars: tuple[CalendarRef, ...] = ()
    calendar: CalendarRef | None = None
    video: bool = False  # whether the bot can make a video link (VIDEO_LINK_TEMPLATE)
    slots: tuple[Slot, ...] = ()  # FIND: the best slots for everyone
    unknown: tuple[str, ...] = ()  # FIND: attendees whose availability the bot cannot see


@dataclass(frozen=True, slots=True)
class Created:
    event: NewEvent
    calendar: str = ""  # the name of the calendar it went to
    told: tuple[str, ...] = ()  # the invitees told in Mattermost (usernames)


@dataclass(frozen=True, slots=True)
class NotCreated:
    """The calendar could not take it; the draft is kept and its summary asked again."""


Outcome = Asked | Created | NotCreated | Cancelled


# ---- state --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WizardState:
    step: Step
    started_at: datetime
    title: str = ""
    date: date | None = None
    time: time | None = None
    duration: int | None = None  # minutes
    attendees: tuple[tuple[str, str], ...] = ()  # (email, display name)
    description: str = ""
    location: str = ""
    editing: bool = False  # the current step was picked from the summary: return there
    pending_usernames: tuple[str, ...] = ()  # asked to resolve, answer not in yet
    pending_emails: tuple[str, ...] = ()  # typed with them, kept until the answer
    # The steps still to ask before the summary, the current one first: what a typed
    # sentence left out or left open (`drafted`). Empty in a step-by-step wizard.
    asking: tuple[Step, ...] = ()
    recurrence: Recurrence | None = None
    calendar: str = ""  # the chosen calendar's href; "": the person's default
    video: str = ""  # the meeting's video link
    handles: tuple[str, ...] = ()  # the attendees' chat usernames (for "find a time")

    @classmethod
    def new(cls, now: datetime) -> WizardState:
        return cls(step=Step.TITLE, started_at=now)

    @property
    def active(self) -> bool:
        return self.step not in (Step.DONE, Step.CANCELLED)

    @property
    def awaiting_resolution(self) -> bool:
        return bool(self.pending_usernames)

    def start_at(self, tz: ZoneInfo | str) -> datetime | None:
        if self.date is None or self.time is None:
            return None
        return _local(self.date, self.time, tz)

    def end_at(self, tz: ZoneInfo | str) -> datetime | None:
        start = self.start_at(tz)
        if start is None or self.duration is None:
            return None
        # In UTC: wall-clock arithmetic would make a meeting across a DST change too long.
        end = start.astimezone(UTC) + timedelta(minutes=self.duration)
        return end.astimezone(start.tzinfo)

    def to_dict(self) -> dict[str, Any]:
        return {
            "v": STATE_VERSION,
            "step": self.step.value,
            "started_at": self.started_at.isoformat(),
            "title": self.title,
            "date": self.date.isoformat() if self.date else None,
            "time": self.time.strftime("%H:%M") if self.time else None,
            "duration": self.duration,
            "attendees": [[email, name] for email, name in self.attendees],
            "description": self.description,
            "location": self.location,
            "editing": self.editing,
            "pending_usernames": list(self.pending_usernames),
            "pending_emails": list(self.pending_emails),
            "asking": [s.value for s in self.asking],
            "recurrence": self.recurrence.to_rrule() if self.recurrence else "",
            "calendar": self.calendar,
            "video": self.video,
            "handles": list(self.handles),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WizardState:
        """Raises ValueError on anything unexpected (the caller then starts afresh)."""
        try:
            if data.get("v") != STATE_VERSION:
                raise ValueError("unknown wizard state version")
            started_at = datetime.fromisoformat(str(data["started_at"]))
            if started_at.tzinfo is None:
                raise ValueError("naive started_at")
            rule = str(data.get("recurrence") or "")
            recurrence = from_rrule(rule) if rule else None
            if rule and recurrence is None:
                raise ValueError("bad recurrence")
            duration = data.get("duration")
            if duration is not None and (not isinstance(duration, int) or duration <= 0):
                raise ValueError("bad duration")
            return cls(
                step=Step(data["step"]),
                started_at=started_at,
                title=str(data.get("title", "")),
                date=date.fromisoformat(data["date"]) if data.get("date") else None,
                time=time.fromisoformat(data["time"]) if data.get("time") else None,
                duration=duration,
                attendees=tuple((str(e), str(n)) for e, n in data.get("attendees", [])),
                description=str(data.get("description", "")),
                location=str(data.get("location", "")),
                editing=bool(data.get("editing", False)),
                pending_usernames=tuple(str(u) for u in data.get("pending_usernames", [])),
                pending_emails=tuple(str(e) for e in data.get("pending_emails", [])),
                asking=tuple(Step(s) for s in data.get("asking", [])),
                recurrence=recurrence,
                calendar=str(data.get("calendar", "")),
                video=str(data.get("video", "")),
                handles=tuple(str(h) for h in data.get("handles", [])),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError("malformed wizard state") from exc


def start(now: datetime) -> tuple[WizardState, list[Effect]]:
    """A fresh wizard; it replaces whatever the user had (a stale one is simply dropped)."""
    return WizardState.new(now), [Prompt(Step.TITLE)]


def filled(
    now: datetime,
    *,
    title: str,
    start: datetime,
    duration: int,
    attendees: tuple[tuple[str, str], ...] = (),
    handles: tuple[str, ...] = (),
) -> WizardState:
    """A draft with everything filled in, at the summary (a found slot picked): `start` is
    aware, in the person's zone. Create re-checks that it is not in the past."""
    return WizardState(
        handles=handles,
        step=Step.CONFIRM,
        started_at=now,
        title=title[:MAX_TITLE],
        date=start.date(),
        time=start.time().replace(second=0, microsecond=0, tzinfo=None),
        duration=duration,
        attendees=attendees,
    )


def drafted(
    now: datetime,
    *,
    title: str,
    day: date | None,
    at: time | None,
    duration: int | None,
    attendees: tuple[tuple[str, str], ...],
    location: str,
    asking: tuple[Step, ...],
    recurrence: Recurrence | None = None,
    video: str = "",
    handles: tuple[str, ...] = (),
) -> WizardState:
    """A draft from a typed sentence: what it said filled in, and `asking` the steps to ask
    before the summary (in the flow's order; none: straight to the summary)."""
    ordered = tuple(s for s in FLOW if s in asking)
    return WizardState(
        step=ordered[0] if ordered else Step.CONFIRM,
        started_at=now,
        title=title[:MAX_TITLE],
        date=day,
        time=at,
        duration=duration,
        attendees=attendees,
        location=location[:MAX_LOCATION],
        asking=ordered,
        recurrence=recurrence,
        video=video,
        handles=handles,
    )


def is_stale(
    state: WizardState, now: datetime, *, max_age: timedelta = timedelta(hours=24)
) -> bool:
    return now - state.started_at > max_age


# ---- helpers ------------------------------------------------------------------------------


def _local(day: date, at: time, tz: ZoneInfo | str) -> datetime:
    # Through UTC and back so a wall time skipped by DST lands on a real instant.
    return datetime.combine(day, at, _zone(tz)).astimezone(UTC).astimezone(_zone(tz))


def local_today(now: datetime, tz: ZoneInfo | str) -> date:
    return now.astimezone(_zone(tz)).date()


def date_picks(now: datetime, tz: ZoneInfo | str) -> tuple[date, date, date]:
    """The quick-pick dates: today, tomorrow, the day after."""
    today = local_today(now, tz)
    return today, today + timedelta(days=1), today + timedelta(days=2)


def time_picks(
    now: datetime,
    tz: ZoneInfo | str,
    chosen_date: date | None = None,
    *,
    busy: tuple[Busy, ...] = (),
    duration: int | None = None,
    hours: WorkingHours | None = None,
    count: int = TIME_PICKS,
) -> list[time]:
    """Quick-pick start times on `chosen_date` (today without one): the first `count` free
    half-hours inside working hours (09:00–19:00, Mon–Fri by default), each leaving
    `duration` minutes (30 while not chosen yet) free of `busy`, sorted, never in the past.
    A day off, a day over and a full day give none: the step then asks to type a time."""
    zone = _zone(tz)
    day = chosen_date if chosen_date is not None else local_today(now, zone)
    length = timedelta(minutes=duration or 30)
    starts = free_half_hours(day, zone, now=now, busy=busy, hours=hours, duration=length)
    # Strictly after now: a start at this very minute is refused as past (`_on_time`).
    return [m.astimezone(zone).time() for m in starts if m > now][:count]


def _next_step(state: WizardState, current: Step) -> Step:
    if state.asking:
        rest = [s for s in state.asking if s is not current]
        return rest[0] if rest else Step.CONFIRM
    if state.editing:
        return Step.CONFIRM
    return FLOW[FLOW.index(current) + 1]


def _advance(state: WizardState, current: Step, **changes: Any) -> tuple[WizardState, list[Effect]]:
    following = _next_step(state, current)
    new_state = replace(
        state,
        step=following,
        editing=state.editing and following is not Step.CONFIRM,
        pending_usernames=(),
        pending_emails=(),
        asking=tuple(s for s in state.asking if s is not current),
        **changes,
    )
    return new_state, [Prompt(following)]


def _error(
    state: WizardState, error: WizardError, detail: tuple[str, ...] = ()
) -> tuple[WizardState, list[Effect]]:
    return state, [Prompt(state.step, error, detail)]


def _parse_error(state: WizardState, exc: parsing.ParseError) -> tuple[WizardState, list[Effect]]:
    return _error(state, WizardError(exc.code.value))


# ---- the machine --------------------------------------------------------------------------


def step(
    state: WizardState, event: WizardInput, *, now: datetime, tz: ZoneInfo | str
) -> tuple[WizardState, list[Effect]]:
    """One input in, the next state and what to do out. A finished wizard ignores input."""
    if not state.active:
        return state, []
    if isinstance(event, Cancel):
        cancelled = replace(state, step=Step.CANCELLED, pending_usernames=(), pending_emails=())
        return cancelled, [Cancelled()]
    if isinstance(event, UsernamesResolved) and not (
        state.step is Step.ATTENDEES and state.pending_usernames
    ):
        return state, []  # an answer nobody waits for any more (the user went on): not input
    if isinstance(event, Edit):
        if state.step is not Step.CONFIRM or event.field not in (*EDITABLE, *EXTRAS):
            return _error(state, WizardError.UNEXPECTED_INPUT)
        return replace(state, step=event.field, editing=True), [Prompt(event.field)]
    if isinstance(event, FindTime):
        if state.step not in FIND_FROM or not state.attendees:
            return _error(state, WizardError.UNEXPECTED_INPUT)
        editing = state.editing or state.step is Step.CONFIRM
        return replace(state, step=Step.FIND, editing=editing), [Prompt(Step.FIND)]
    if isinstance(event, SetVideo):
        if state.step is not Step.CONFIRM:
            return _error(state, WizardError.UNEXPECTED_INPUT)
        return replace(state, video=event.link.strip()), [Prompt(Step.CONFIRM)]

    handler = _HANDLERS[state.step]
    return handler(state, event, now, tz)


def _on_title(
    state: WizardState, event: WizardInput, now: datetime, tz: ZoneInfo | str
) -> tuple[WizardState, list[Effect]]:
    if not isinstance(event, Text):
        return _error(state, WizardError.UNEXPECTED_INPUT)
    title = " ".join(event.text.split())
    if not title:
        return _error(state, WizardError.EMPTY)
    if len(title) > MAX_TITLE:
        return _error(state, WizardError.TITLE_TOO_LONG)
    return _advance(state, Step.TITLE, title=title)


def _on_date(
    state: WizardState, event: WizardInput, now: datetime, tz: ZoneInfo | str
) -> tuple[WizardState, list[Effect]]:
    today = local_today(now, tz)
    if isinstance(event, Text):
        try:
            chosen = parsing.parse_date(event.text, today=today)
        except parsing.ParseError as exc:
            return _parse_error(state, exc)
    else:
        return _error(state, WizardError.UNEXPECTED_INPUT)
    if chosen < today:
        return _error(state, WizardError.DATE_IN_PAST)
    recurrence = state.recurrence
    if recurrence is not None:
        recurrence = follow_date(recurrence, chosen)
        chosen = first_on_or_after(recurrence, chosen)
        if recurrence.until is not None and recurrence.until < chosen:
            return _error(state, WizardError.REPEAT_ENDS_BEFORE)
    if state.time is not None and _local(chosen, state.time, tz) <= now:
        # The known time is over on that day: ask for a new one, then carry on as before.
        return replace(state, date=chosen, recurrence=recurrence, step=Step.TIME), [
            Prompt(Step.TIME, WizardError.START_IN_PAST)
        ]
    return _advance(state, Step.DATE, date=chosen, recurrence=recurrence)


def _on_time(
    state: WizardState, event: WizardInput, now: datetime, tz: ZoneInfo | str
) -> tuple[WizardState, list[Effect]]:
    day = state.date if state.date is not None else local_today(now, tz)
    if isinstance(event, Text):
        try:
            chosen = parsing.parse_time(event.text)
        except parsing.ParseError as exc:
            return _parse_error(state, exc)
    else:
        return _error(state, WizardError.UNEXPECTED_INPUT)
    if _local(day, chosen, tz) <= now:
        return _error(state, WizardError.START_IN_PAST)
    return _advance(state, Step.TIME, date=day, time=chosen)


def _on_duration(
    state: WizardState, event: WizardInput, now: datetime, tz: ZoneInfo | str
) -> tuple[WizardState, list[Effect]]:
    if isinstance(event, Text):
        try:
            minutes = parsing.parse_duration(event.text)
        except parsing.ParseError as exc:
            return _parse_error(state, exc)
    else:
        return _error(state, WizardError.UNEXPECTED_INPUT)
    return _advance(state, Step.DURATION, duration=minutes)


def _on_attendees(
    state: WizardState, event: WizardInput, now: datetime, tz: ZoneInfo | str
) -> tuple[WizardState, list[Effect]]:
    if isinstance(event, Skip):
        return _advance(state, Step.ATTENDEES, attendees=(), handles=())
    if isinstance(event, UsernamesResolved):
        return _on_resolved(state, event)
    if not isinstance(event, Text):
        return _error(state, WizardError.UNEXPECTED_INPUT)
    if parsing.is_skip_word(event.text):
        return _advance(state, Step.ATTENDEES, attendees=(), handles=())
    tokens = parsing.parse_attendees(event.text)
    if tokens.invalid:
        return _error(state, WizardError.ATTENDEES_INVALID, tokens.invalid)
    if tokens.empty:
        return _error(state, WizardError.EMPTY)
    if tokens.usernames:
        asking = replace(state, pending_usernames=tokens.usernames, pending_emails=tokens.emails)
        return asking, [ResolveUsernames(tokens.usernames)]
    emails_only = tuple((e, "") for e in tokens.emails)
    return _advance(state, Step.ATTENDEES, attendees=emails_only, handles=())


def _on_resolved(state: WizardState, event: UsernamesResolved) -> tuple[WizardState, list[Effect]]:
    found = {user.username.lower(): user for user in event.found}
    answered = set(found) | {u.lower() for u in event.unknown}
    if not answered & set(state.pending_usernames):
        return state, []  # an answer to an earlier question: the current one is pending
    cleared = replace(state, pending_usernames=(), pending_emails=())
    unknown = [u for u in state.pending_usernames if u not in found or not found[u].email]
    if unknown:
        return _error(cleared, WizardError.ATTENDEES_UNKNOWN, tuple(dict.fromkeys(unknown)))
    attendees: list[tuple[str, str]] = [(e, "") for e in state.pending_emails]
    for username in state.pending_usernames:
        user = found[username]
        email = user.email.strip().lower()
        if all(existing != email for existing, _ in attendees):
            attendees.append((email, user.name))
    handles = tuple(u for u in state.pending_usernames if found[u].email)
    return _advance(state, Step.ATTENDEES, attendees=tuple(attendees), handles=handles)


def _optional_text(
    state: WizardState,
    event: WizardInput,
    current: Step,
    attribute: str,
    limit: int,
    too_long: WizardError,
    one_line: bool,
) -> tuple[WizardState, list[Effect]]:
    if isinstance(event, Skip):
        return _advance(state, current, **{attribute: ""})
    if not isinstance(event, Text):
        return _error(state, WizardError.UNEXPECTED_INPUT)
    value = " ".join(event.text.split()) if one_line else event.text.strip()
    if parsing.is_skip_word(value):
        value = ""
    if len(value) > limit:
        return _error(state, too_long)
    return _advance(state, current, **{attribute: value})


def _on_description(
    state: WizardState, event: WizardInput, now: datetime, tz: ZoneInfo | str
) -> tuple[WizardState, list[Effect]]:
    return _optional_text(
        state,
        event,
        Step.DESCRIPTION,
        "description",
        MAX_DESCRIPTION,
        WizardError.DESCRIPTION_TOO_LONG,
        one_line=False,
    )


def is_link(text: str) -> bool:
    """A lone http(s) link (a pasted video link, used as it is)."""
    value = text.strip()
    return bool(_LINK.fullmatch(value)) and len(value) > len("https://x")


_LINK = re.compile(r"https?://\S+", re.IGNORECASE)


def _on_location(
    state: WizardState, event: WizardInput, now: datetime, tz: ZoneInfo | str
) -> tuple[WizardState, list[Effect]]:
    if isinstance(event, Text) and is_link(event.text) and len(event.text.strip()) <= MAX_LOCATION:
        link = event.text.strip()
        return _advance(state, Step.LOCATION, location=link, video=link)
    return _optional_text(
        state,
        event,
        Step.LOCATION,
        "location",
        MAX_LOCATION,
        WizardError.LOCATION_TOO_LONG,
        one_line=True,
    )


def _on_confirm(
    state: WizardState, event: WizardInput, now: datetime, tz: ZoneInfo | str
) -> tuple[WizardState, list[Effect]]:
    if not isinstance(event, Create):
        return _error(state, WizardError.UNEXPECTED_INPUT)
    start_at, end_at = state.start_at(tz), state.end_at(tz)
    if start_at is None or end_at is None or not state.title:
        # Cannot happen through step(); a hand-made state gets sent back to the start.
        return replace(state, step=Step.TITLE, editing=False), [
            Prompt(Step.TITLE, WizardError.UNEXPECTED_INPUT)
        ]
    if start_at <= now:
        return replace(state, step=Step.TIME, editing=True), [
            Prompt(Step.TIME, WizardError.START_IN_PAST)
        ]
    event_out = NewEvent(
        title=state.title,
        start=start_at,
        end=end_at,
        attendees=tuple(
            Attendee(email=email, name=name, partstat=PartStat.NEEDS_ACTION, role="REQ-PARTICIPANT")
            for email, name in state.attendees
        ),
        description=state.description,
        location=state.location,
        # UNTIL as the UTC end of the last day (RFC 5545: UTC when DTSTART has a zone).
        rrule=state.recurrence.to_rrule(_zone(tz)) if state.recurrence else "",
        video_url=state.video,
        calendar_href=state.calendar,
    )
    return replace(state, step=Step.DONE, editing=False), [CreateEvent(event_out)]


def _on_repeat(
    state: WizardState, event: WizardInput, now: datetime, tz: ZoneInfo | str
) -> tuple[WizardState, list[Effect]]:
    """No repeat (Skip, a skip word) or a rule: a quick pick sends its RRULE text, a typed
    answer is read by domain.recurrence ("по понедельникам и средам до 1 марта")."""
    if isinstance(event, Skip):
        return _advance(state, Step.REPEAT, recurrence=None)
    if not isinstance(event, Text):
        return _error(state, WizardError.UNEXPECTED_INPUT)
    text = event.text.strip()
    if parsing.is_skip_word(text) or text.lower() in ("none", "no repeat", "не повторять"):
        return _advance(state, Step.REPEAT, recurrence=None)
    today = local_today(now, tz)
    rule: Recurrence | None
    if text.upper().startswith(("FREQ=", "RRULE:")):
        rule = from_rrule(text)
    else:
        try:
            rule = _parse_recurrence(text, today=today)
        except parsing.ParseError:
            rule = None
    if rule is None:
        return _error(state, WizardError.REPEAT_FORMAT)
    # The first meeting is one of the rule's: weekly on Mon/Wed from a Tuesday starts Wednesday.
    first = first_on_or_after(rule, state.date) if state.date is not None else None
    if rule.until is not None and rule.until < (first or today):
        return _error(state, WizardError.REPEAT_ENDS_BEFORE)
    return _advance(state, Step.REPEAT, recurrence=rule, date=first or state.date)


def _on_calendar(
    state: WizardState, event: WizardInput, now: datetime, tz: ZoneInfo | str
) -> tuple[WizardState, list[Effect]]:
    """The href of one of the person's writable calendars (the service has checked it)."""
    if not isinstance(event, Text) or not event.text.strip():
        return _error(state, WizardError.UNEXPECTED_INPUT)
    return _advance(state, Step.CALENDAR, calendar=event.text.strip())


def _on_find(
    state: WizardState, event: WizardInput, now: datetime, tz: ZoneInfo | str
) -> tuple[WizardState, list[Effect]]:
    """A found slot's start (`YYYY-MM-DDTHH:MM`, the person's wall time) fills the date and
    the time; Skip goes back to where the search was asked from."""
    if isinstance(event, Skip):
        back = state.asking[0] if state.asking else (Step.CONFIRM if state.editing else Step.DATE)
        return replace(state, step=back, editing=state.editing and back is not Step.CONFIRM), [
            Prompt(back)
        ]
    if not isinstance(event, Text):
        return _error(state, WizardError.UNEXPECTED_INPUT)
    try:
        chosen = datetime.fromisoformat(event.text.strip())
    except ValueError:
        return _error(state, WizardError.UNEXPECTED_INPUT)
    day, at = chosen.date(), chosen.time().replace(second=0, microsecond=0, tzinfo=None)
    if _local(day, at, tz) <= now:
        return _error(state, WizardError.START_IN_PAST)
    rest = tuple(s for s in state.asking if s not in (Step.DATE, Step.TIME, Step.FIND))
    if rest:
        following = rest[0]
    elif state.asking or state.editing:  # a sentence's open steps, or an edit: all answered
        following = Step.CONFIRM
    else:  # the step-by-step flow goes on after the time
        following = Step.DURATION if state.duration is None else Step.ATTENDEES
    new_state = replace(
        state,
        step=following,
        date=day,
        time=at,
        asking=rest,
        editing=state.editing and following is not Step.CONFIRM,
    )
    return new_state, [Prompt(following)]


_Handler = Callable[
    [WizardState, WizardInput, datetime, ZoneInfo | str], tuple[WizardState, list[Effect]]
]
_HANDLERS: dict[Step, _Handler] = {
    Step.TITLE: _on_title,
    Step.DATE: _on_date,
    Step.TIME: _on_time,
    Step.DURATION: _on_duration,
    Step.ATTENDEES: _on_attendees,
    Step.DESCRIPTION: _on_description,
    Step.LOCATION: _on_location,
    Step.CONFIRM: _on_confirm,
    Step.REPEAT: _on_repeat,
    Step.CALENDAR: _on_calendar,
    Step.FIND: _on_find,
}
