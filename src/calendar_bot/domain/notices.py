"""The typed notices: everything the bot tells a person on its own, as values.

Services make them (sync: the changes, unreadable and cut events, a rejected login;
reminders: reminders and start notices; digest: the daily digest), the outbox stores them
(domain.notice_codec, one codec for every kind), delivery decodes each row back into its
notice and views.notices renders it. domain.notice_keys builds every notice's idempotency
key.

A new kind (snooze, quiet hours, ...) is one frozen dataclass here, named in `Notice` and
`NOTICE_TYPES`, with a `kind` (the outbox row's kind), plus one branch in
views.notices.render. The codec needs nothing more (its fields are encoded by their types),
and its key is a hash of its content for the person unless notice_keys says otherwise.

`kind` and `tag`: the outbox `kind` column, and the payload entries that tell apart notices
sharing one kind. The five change notices share "change" (told apart by the payload's
"change") and reminders and start notices share "reminder" (a start notice is the lead-0
reminder), as rows already stored in databases do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType
from typing import ClassVar

from calendar_bot.domain import reminders as due
from calendar_bot.domain.changes import Change, ChangeKind
from calendar_bot.domain.model import Cut, Occurrence

_NO_TAG: Mapping[str, object] = MappingProxyType({})


def _tag(**entries: object) -> Mapping[str, object]:
    return MappingProxyType(entries)


# ---- what changed in a calendar (domain.changes) -------------------------------------


@dataclass(frozen=True, slots=True)
class _ChangeNotice:
    """A change found by a poll. `since` names the stored snapshot it was found against (its
    calendar's tags and the last poll time): only the idempotency key uses it."""

    kind: ClassVar[str] = "change"
    tag: ClassVar[Mapping[str, object]] = _NO_TAG
    change: ClassVar[ChangeKind]

    occurrence: Occurrence  # the current one; for a vanished meeting, the last known
    previous: Occurrence | None = None  # the version before, where there is one
    series: bool = False  # stands for a whole recurring series, told once
    since: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NewMeeting(_ChangeNotice):
    change: ClassVar[ChangeKind] = ChangeKind.NEW
    tag: ClassVar[Mapping[str, object]] = _tag(change=ChangeKind.NEW.value)


@dataclass(frozen=True, slots=True)
class Invitation(_ChangeNotice):
    change: ClassVar[ChangeKind] = ChangeKind.INVITATION
    tag: ClassVar[Mapping[str, object]] = _tag(change=ChangeKind.INVITATION.value)


@dataclass(frozen=True, slots=True)
class Cancelled(_ChangeNotice):
    change: ClassVar[ChangeKind] = ChangeKind.CANCELLED
    tag: ClassVar[Mapping[str, object]] = _tag(change=ChangeKind.CANCELLED.value)


@dataclass(frozen=True, slots=True)
class Moved(_ChangeNotice):
    change: ClassVar[ChangeKind] = ChangeKind.MOVED
    tag: ClassVar[Mapping[str, object]] = _tag(change=ChangeKind.MOVED.value)


@dataclass(frozen=True, slots=True)
class Updated(_ChangeNotice):
    change: ClassVar[ChangeKind] = ChangeKind.UPDATED
    tag: ClassVar[Mapping[str, object]] = _tag(change=ChangeKind.UPDATED.value)


ChangeNotice = NewMeeting | Invitation | Cancelled | Moved | Updated

_BY_CHANGE: dict[ChangeKind, type[ChangeNotice]] = {
    ChangeKind.NEW: NewMeeting,
    ChangeKind.INVITATION: Invitation,
    ChangeKind.CANCELLED: Cancelled,
    ChangeKind.MOVED: Moved,
    ChangeKind.UPDATED: Updated,
}


def change_notice(change: Change, since: tuple[str, ...] = ()) -> ChangeNotice:
    """The notice telling one `domain.changes.Change`."""
    return _BY_CHANGE[change.kind](
        occurrence=change.occurrence,
        previous=change.previous,
        series=change.series,
        since=tuple(since),
    )


# ---- reminders (domain.reminders) -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reminder:
    """ "In N minutes" (`lead` > 0). `start`: the moment the reminder counts back from (local
    midnight for an all-day event), for its key; `late`: found after its minute."""

    kind: ClassVar[str] = "reminder"
    tag: ClassVar[Mapping[str, object]] = _NO_TAG

    occurrence: Occurrence
    lead: int
    start: datetime | None = None
    late: bool = False


@dataclass(frozen=True, slots=True)
class Start:
    """ "Starting now" (the lead-0 reminder), or "on since 10:00" when `late`."""

    kind: ClassVar[str] = "reminder"
    tag: ClassVar[Mapping[str, object]] = _tag(lead=0)

    occurrence: Occurrence
    start: datetime | None = None
    late: bool = False

    @property
    def lead(self) -> int:
        return 0


@dataclass(frozen=True, slots=True)
class Snoozed:
    """A reminder the person asked for again (domain/snooze.py), due at `fires_at`. `start`:
    the meeting's start when they asked; delivery drops it if the meeting moved or was
    cancelled meanwhile (services/delivery.py)."""

    kind: ClassVar[str] = "snooze"
    tag: ClassVar[Mapping[str, object]] = _NO_TAG

    occurrence: Occurrence
    fires_at: datetime
    start: datetime

    @property
    def lead(self) -> int:
        """Minutes before the start it fires (0: at the start)."""
        return max(0, int((self.start - self.fires_at).total_seconds() // 60))


def reminder_notice(reminder: due.Reminder) -> Reminder | Start:
    """The notice telling one due reminder (domain.reminders)."""
    if reminder.lead == 0:
        return Start(reminder.occurrence, start=reminder.start, late=reminder.late)
    return Reminder(reminder.occurrence, reminder.lead, start=reminder.start, late=reminder.late)


# ---- a meeting someone made through the bot (services/invitations.py) -------------------


@dataclass(frozen=True, slots=True)
class Invited:
    """`inviter` (a chat @username) invited the person to `occurrence`, the meeting as they
    created it (its calendar is the inviter's: the person's own copy, once their server has
    delivered it, is found by its UID). Told once per person and UID."""

    kind: ClassVar[str] = "invited"
    tag: ClassVar[Mapping[str, object]] = _NO_TAG

    occurrence: Occurrence
    inviter: str


# ---- the day, and what the bot cannot do ----------------------------------------------


@dataclass(frozen=True, slots=True)
class Digest:
    """The daily digest of `day` (the person's local date)."""

    kind: ClassVar[str] = "digest"
    tag: ClassVar[Mapping[str, object]] = _NO_TAG

    day: date
    occurrences: tuple[Occurrence, ...] = ()


@dataclass(frozen=True, slots=True)
class Reconnect:
    """The calendar refused the stored login (or no key decrypts it): please reconnect.
    `at`: when the bot found out (a new login broken later is told again)."""

    kind: ClassVar[str] = "reconnect"
    tag: ClassVar[Mapping[str, object]] = _NO_TAG

    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Unreadable:
    """One event object in `calendar` cannot be read (`why`: "not_utf8", "too_large").
    `object_href` is the object, for the key: told once per object and reason."""

    kind: ClassVar[str] = "unreadable"
    tag: ClassVar[Mapping[str, object]] = _NO_TAG

    calendar: str
    why: str
    object_href: str = ""


@dataclass(frozen=True, slots=True)
class CutEvent:
    title: str
    cut: Cut
    uid: str = ""


@dataclass(frozen=True, slots=True)
class CutEvents:
    """Events of one calendar shown in part only, and why: told once per (calendar, events,
    reasons)."""

    kind: ClassVar[str] = "cut"
    tag: ClassVar[Mapping[str, object]] = _NO_TAG

    events: tuple[CutEvent, ...]
    calendar_href: str = ""


Notice = (
    NewMeeting
    | Invitation
    | Cancelled
    | Moved
    | Updated
    | Reminder
    | Start
    | Snoozed
    | Invited
    | Digest
    | Reconnect
    | Unreadable
    | CutEvents
)

# Every kind, for the codec; a kind sharing its `kind` with others comes before the one of
# them without a tag (the codec takes the first whose tag the payload matches).
NOTICE_TYPES: tuple[type[Notice], ...] = (
    NewMeeting,
    Invitation,
    Cancelled,
    Moved,
    Updated,
    Start,
    Reminder,
    Snoozed,
    Invited,
    Digest,
    Reconnect,
    Unreadable,
    CutEvents,
)
