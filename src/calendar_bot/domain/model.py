"""The domain's value objects. Frozen, and every datetime in them is timezone-aware."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from urllib.parse import unquote, urlsplit


class PartStat(StrEnum):
    NEEDS_ACTION = "NEEDS-ACTION"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    TENTATIVE = "TENTATIVE"
    DELEGATED = "DELEGATED"


class EventStatus(StrEnum):
    CONFIRMED = "CONFIRMED"
    TENTATIVE = "TENTATIVE"
    CANCELLED = "CANCELLED"


class Cut(StrEnum):
    """Why an event is shown in part only: one calendar object may cost the bot only so much
    (see caldav/limits.py). A cut series keeps one occurrence per day of the horizon."""

    EVERY_SECOND = "every_second"
    EVERY_MINUTE = "every_minute"
    EVERY_HOUR = "every_hour"
    TOO_OFTEN = "too_often"  # more occurrences in the horizon than the cap, at a slower rate
    TOO_BIG = "too_big"  # the object is over the size, line or event limit
    TOO_SLOW = "too_slow"  # its reading ran out of its CPU time budget


@dataclass(frozen=True, slots=True)
class Attendee:
    email: str  # lower-cased, without "mailto:"; "" when the iCalendar value had none
    name: str = ""
    partstat: PartStat = PartStat.NEEDS_ACTION
    role: str = ""  # REQ-PARTICIPANT, OPT-PARTICIPANT, CHAIR, NON-PARTICIPANT

    @property
    def label(self) -> str:
        return self.name or self.email


@dataclass(frozen=True, slots=True)
class OccurrenceKey:
    """One meeting: a recurring series is many of them.

    `recurrence_id` is "" for a non-recurring event, otherwise the original start of the
    instance in UTC as `YYYYMMDDTHHMMSSZ` (all-day instances: `YYYYMMDD`).
    """

    calendar_href: str
    uid: str
    recurrence_id: str = ""


@dataclass(frozen=True, slots=True)
class Occurrence:
    calendar_href: str
    uid: str
    recurrence_id: str
    title: str
    start: datetime  # aware; for all-day events midnight UTC of the first day
    end: datetime  # aware, exclusive; for all-day events midnight UTC after the last day
    all_day: bool = False
    status: EventStatus = EventStatus.CONFIRMED
    organizer: Attendee | None = None
    attendees: tuple[Attendee, ...] = ()
    my_partstat: PartStat | None = None  # None: the user is not among the attendees
    location: str = ""
    description: str = ""  # already cleaned for chat (no escapes, no HTML)
    join_url: str | None = None
    alarm_minutes: tuple[int, ...] = ()  # the event's own VALARM leads, minutes before start
    recurring: bool = False  # part of a series (RRULE/RDATE or an override)
    rrule: str = ""  # the series' one RRULE ("FREQ=WEEKLY;BYDAY=MO"); "" if none or several
    sequence: int = 0
    event_href: str = ""  # the resource that holds this event on the server
    i_am_organizer: bool = False
    # all attendees, when the event has more than the ones listed in `attendees`
    attendee_count: int = 0
    cut: Cut | None = None  # shown in part only, and why

    @property
    def attendees_total(self) -> int:
        return max(self.attendee_count, len(self.attendees))

    @property
    def key(self) -> OccurrenceKey:
        return OccurrenceKey(self.calendar_href, self.uid, self.recurrence_id)

    @property
    def cancelled(self) -> bool:
        return self.status is EventStatus.CANCELLED

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    @property
    def start_date(self) -> date:
        """The first day of an all-day event (meaningless for timed ones: use start)."""
        return self.start.date()


# An href whose path is plainly itself: a path, or an http(s) URL with a plain host, and
# nothing to decode, split off or strip. Most are; urlsplit and unquote cost ~20 times more.
_PLAIN_HREF = re.compile(r"(?:https?://[A-Za-z0-9._~:@!$&'()*+,;=-]*)?(/(?!/)[^?#%\s]*|/)\Z")


def object_key(href: str) -> str:
    """An event object's identity: the decoded path of its href (servers differ in how they
    percent-encode the same href from one answer to the next)."""
    plain = _PLAIN_HREF.match(href)
    return plain.group(1) if plain is not None else unquote(urlsplit(href).path)


def snapshot_order(occurrences: Iterable[Occurrence]) -> tuple[Occurrence, ...]:
    """A calendar's occurrences in the order fetched and stored: by start, uid, recurrence."""
    return tuple(sorted(occurrences, key=lambda o: (o.start, o.uid, o.recurrence_id)))


def apply_delta(
    snapshot: Iterable[Occurrence], replaced: Iterable[str], occurrences: Iterable[Occurrence]
) -> tuple[Occurrence, ...]:
    """A calendar's snapshot after a delta: the occurrences of the `replaced` event objects
    (hrefs) give way to the delta's `occurrences`."""
    gone = {object_key(href) for href in replaced}
    kept = [o for o in snapshot if object_key(o.event_href) not in gone]
    return snapshot_order([*kept, *occurrences])


def keep_objects(
    previous: Iterable[Occurrence], current: Iterable[Occurrence], hrefs: Iterable[str]
) -> tuple[Occurrence, ...]:
    """`current`, with the `previous` occurrences of the event objects `hrefs` in place of
    its own: for objects nothing is known about now (unreadable), what was known stands."""
    keys = {object_key(href) for href in hrefs}
    return apply_delta(current, keys, [o for o in previous if object_key(o.event_href) in keys])


@dataclass(frozen=True, slots=True)
class CalendarRef:
    href: str
    name: str
    color: str = ""
    writable: bool = True
    ctag: str = ""
    sync_token: str = ""
    enabled: bool = True  # polled at all (a calendar not polled is in no list)
    muted: bool = False  # listed, but no change notices and no reminders (issue 18 item 2)


class PresenceMode(StrEnum):
    """What the bot does with a person's Mattermost status during their meetings."""

    OFF = "off"
    STATUS = "status"  # the custom status only
    STATUS_DND = "status_dnd"  # the custom status and Do Not Disturb


@dataclass(frozen=True, slots=True)
class UserSettings:
    locale: str = "ru"  # "ru" or "en"
    timezone: str = "Europe/Moscow"  # an IANA name
    # Minutes before the start, largest first; 0 is "at the start" (issue 18 item 2: several).
    reminder_leads: tuple[int, ...] = (15, 0)
    digest_enabled: bool = True
    digest_hour: int = 9
    digest_when_empty: bool = False
    remind_all_day: bool = False
    # When the person takes meetings, in their own zone (find a time, the wizard's picks):
    # whole hours [work_start, work_end) on work_days (0 = Monday).
    work_start: int = 9
    work_end: int = 19
    work_days: tuple[int, ...] = (0, 1, 2, 3, 4)
    # Presence in Mattermost during meetings (domain/presence.py); off unless chosen.
    presence: PresenceMode = PresenceMode.OFF
    # The calendar the person's last meeting made through the bot went to (its href): the
    # wizard's default; "" or a calendar no longer there: the first writable one.
    last_calendar: str = ""
    # Quiet hours [start, end) in whole local hours, across midnight when start > end (22, 8);
    # None: off. Change notices found inside wait for the end (domain/quiet.py); reminders of
    # meetings starting inside come only with `quiet_reminders`.
    quiet_hours: tuple[int, int] | None = None
    quiet_reminders: bool = False
    digest_work_days_only: bool = False  # the digest only on `work_days`

    @property
    def leads(self) -> tuple[int, ...]:
        """The chosen leads in minutes before the start, largest first; 0 is "at the start"."""
        return tuple(sorted({m for m in self.reminder_leads if m >= 0}, reverse=True))

    @property
    def reminder_lead(self) -> int | None:
        """The largest "N minutes before" lead, None without one."""
        return max((m for m in self.reminder_leads if m > 0), default=None)

    @property
    def remind_at_start(self) -> bool:
        return 0 in self.reminder_leads


@dataclass(frozen=True, slots=True)
class NewEvent:
    """What the create-meeting wizard produces, ready for the calendar adapter."""

    title: str
    start: datetime  # aware
    end: datetime  # aware
    attendees: tuple[Attendee, ...] = ()
    description: str = ""
    location: str = ""
    organizer_email: str = ""
    organizer_name: str = ""
    reminder_minutes: int | None = 15
    uid: str = ""  # the adapter generates one when empty
    rrule: str = ""  # the RRULE value of a recurring meeting ("FREQ=WEEKLY;BYDAY=MO"); "": once
    video_url: str = ""  # the meeting's video link: first line of DESCRIPTION, URL, CONFERENCE
    calendar_href: str = ""  # the calendar chosen for it; "": the person's default


def new_event_uid() -> str:
    """The UID of an event the bot creates: unique everywhere, marked as the bot's."""
    return f"{uuid.uuid4()}@calendar-bot"


@dataclass(frozen=True, slots=True)
class TimeWindow:
    start: datetime
    end: datetime

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return start < self.end and end > self.start


@dataclass(frozen=True, slots=True)
class ExpansionScope:
    """What a user's calendars are expanded for: the `window`, whose answers are "mine"
    (`user_email`), and the zone floating times and all-day dates are read in
    (`default_tz`, an IANA name)."""

    window: TimeWindow
    user_email: str
    default_tz: str


@dataclass(frozen=True, slots=True)
class Credentials:
    """A user's CalDAV login. Never logged: repr hides the password."""

    base_url: str
    username: str
    password: str = field(repr=False)
    principal_url: str = ""
    home_url: str = ""  # the calendar home, once a poll found it (saves a request a restart)
