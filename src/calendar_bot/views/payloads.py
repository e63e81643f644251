"""Typed button payloads: what a button or menu carries back, packed into the short string
pairs Mattermost signs and returns, and unpacked (checked) when the click arrives.

The keys and value forms on the wire are those of the buttons already posted in people's DMs
(see views/actions.py): an old button keeps working. `unpack` raises ValueError on anything
it cannot read; the route table answers that with "this button is no longer valid".
A menu's chosen value arrives apart from the payload (`selected`), so `unpack` takes both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Protocol, Self

from calendar_bot.domain.edits import Scope, What
from calendar_bot.domain.model import PartStat, PresenceMode
from calendar_bot.domain.reminders import valid_lead
from calendar_bot.domain.snooze import SnoozeChoice
from calendar_bot.domain.wizard import Step

# What a person can answer an invitation with.
ANSWERS = (PartStat.ACCEPTED, PartStat.TENTATIVE, PartStat.DECLINED)


class Payload(Protocol):
    def pack(self) -> dict[str, str]: ...

    @classmethod
    def unpack(cls, raw: Mapping[str, str], selected: str | None = None) -> Self: ...


@dataclass(frozen=True, slots=True)
class Empty:
    """A button that carries nothing (extra keys of older buttons are ignored)."""

    def pack(self) -> dict[str, str]:
        return {}

    @classmethod
    def unpack(cls, raw: Mapping[str, str], selected: str | None = None) -> Self:
        return cls()


@dataclass(frozen=True, slots=True)
class Day:
    """A list's day, or the first day of a week: `day` as an ISO date."""

    day: date

    def pack(self) -> dict[str, str]:
        return {"day": self.day.isoformat()}

    @classmethod
    def unpack(cls, raw: Mapping[str, str], selected: str | None = None) -> Self:
        return cls(date.fromisoformat(raw.get("day", "")))


@dataclass(frozen=True, slots=True)
class MeetingRef:
    """An occurrence reference (views.refs): a menu's choice, or a button's `ref`."""

    ref: str

    def pack(self) -> dict[str, str]:
        return {"ref": self.ref}

    @classmethod
    def unpack(cls, raw: Mapping[str, str], selected: str | None = None) -> Self:
        return cls(selected or raw.get("ref", ""))


@dataclass(frozen=True, slots=True)
class SnoozePick:
    """The snooze menu under a reminder: the meeting's ref, and the choice picked."""

    ref: str
    choice: SnoozeChoice | None

    def pack(self) -> dict[str, str]:
        return {"ref": self.ref}  # a menu: the choice comes as the selected option

    @classmethod
    def unpack(cls, raw: Mapping[str, str], selected: str | None = None) -> Self:
        try:
            return cls(raw.get("ref", ""), SnoozeChoice(selected or ""))
        except ValueError:
            raise ValueError(f"not a snooze choice: {selected!r}") from None


@dataclass(frozen=True, slots=True)
class Rsvp:
    ref: str
    partstat: PartStat

    def pack(self) -> dict[str, str]:
        return {"ref": self.ref, "partstat": self.partstat.value}

    @classmethod
    def unpack(cls, raw: Mapping[str, str], selected: str | None = None) -> Self:
        return cls(raw.get("ref", ""), PartStat(raw.get("partstat", "")))


@dataclass(frozen=True, slots=True)
class InviteAnswer:
    """An answer to an invitation the bot told (services/invitations.py): the meeting by
    its UID, since the invitee's copy lives in their own calendar."""

    uid: str
    partstat: PartStat

    def pack(self) -> dict[str, str]:
        return {"uid": self.uid, "partstat": self.partstat.value}

    @classmethod
    def unpack(cls, raw: Mapping[str, str], selected: str | None = None) -> Self:
        uid, partstat = raw.get("uid", ""), PartStat(raw.get("partstat", ""))
        if not uid or partstat not in ANSWERS:
            raise ValueError("not an answer to an invitation")
        return cls(uid, partstat)


@dataclass(frozen=True, slots=True)
class OwnEdit:
    """A change of one's own meeting under way: the meeting, which change, for which of a
    series' meetings, and the chosen value in its typed form (ISO start, minutes); each
    step's buttons carry what the steps before chose."""

    ref: str
    what: What | None = None
    scope: Scope | None = None
    value: str = ""

    def pack(self) -> dict[str, str]:
        packed = {"ref": self.ref}
        if self.what is not None:
            packed["what"] = self.what.value
        if self.scope is not None:
            packed["scope"] = self.scope.value
        if self.value:
            packed["value"] = self.value
        return packed

    @classmethod
    def unpack(cls, raw: Mapping[str, str], selected: str | None = None) -> Self:
        ref = raw.get("ref", "")
        if not ref:
            raise ValueError("no meeting")
        what, scope = raw.get("what", ""), raw.get("scope", "")
        return cls(
            ref,
            What(what) if what else None,
            Scope(scope) if scope else None,
            raw.get("value", ""),
        )


@dataclass(frozen=True, slots=True)
class CalendarChoice:
    """A calendar picked from the RAW menu: its ref."""

    ref: str

    def pack(self) -> dict[str, str]:
        return {}  # a menu: the choice comes as the selected option

    @classmethod
    def unpack(cls, raw: Mapping[str, str], selected: str | None = None) -> Self:
        return cls(selected or "")


@dataclass(frozen=True, slots=True)
class Toggle:
    """A settings switch: `on` is "1" or "0"."""

    on: bool

    def pack(self) -> dict[str, str]:
        return {"on": "1" if self.on else "0"}

    @classmethod
    def unpack(cls, raw: Mapping[str, str], selected: str | None = None) -> Self:
        return cls(raw.get("on") == "1")


@dataclass(frozen=True, slots=True)
class ReminderChoice:
    """The reminder menu's choice: a lead to switch on or off (minutes before, 0 "at the
    start"), or None for "no reminders at all"."""

    minutes: int | None

    def pack(self) -> dict[str, str]:
        return {}  # a menu: the choice comes as the selected option

    @classmethod
    def unpack(cls, raw: Mapping[str, str], selected: str | None = None) -> Self:
        chosen = selected or ""
        if chosen == "off":
            return cls(None)
        if chosen.isdigit() and (chosen == "0" or valid_lead(int(chosen))):
            return cls(int(chosen))
        raise ValueError(f"not a reminder lead: {chosen!r}")


@dataclass(frozen=True, slots=True)
class QuietChoice:
    """The quiet-hours menu's choice: "22-8" (from 22:00 to 08:00), or "off" (None)."""

    hours: tuple[int, int] | None

    def pack(self) -> dict[str, str]:
        return {}  # a menu: the choice comes as the selected option

    @classmethod
    def unpack(cls, raw: Mapping[str, str], selected: str | None = None) -> Self:
        chosen = selected or ""
        if chosen == "off":
            return cls(None)
        start, _, end = chosen.partition("-")
        if start.isdigit() and end.isdigit():
            hours = (int(start), int(end))
            if all(0 <= h <= 23 for h in hours) and hours[0] != hours[1]:
                return cls(hours)
        raise ValueError(f"not quiet hours: {chosen!r}")


@dataclass(frozen=True, slots=True)
class PresenceChoice:
    """The presence menu's choice: off, the custom status, or the status and DND."""

    mode: PresenceMode

    def pack(self) -> dict[str, str]:
        return {}  # a menu: the choice comes as the selected option

    @classmethod
    def unpack(cls, raw: Mapping[str, str], selected: str | None = None) -> Self:
        try:
            return cls(PresenceMode(selected or ""))
        except ValueError:
            raise ValueError(f"not a presence mode: {selected!r}") from None


@dataclass(frozen=True, slots=True)
class HourChoice:
    """The digest-hour menu's choice, 0..23."""

    hour: int

    def pack(self) -> dict[str, str]:
        return {}  # a menu: the choice comes as the selected option

    @classmethod
    def unpack(cls, raw: Mapping[str, str], selected: str | None = None) -> Self:
        chosen = selected or ""
        if not (chosen.isdigit() and 0 <= int(chosen) <= 23):
            raise ValueError(f"not an hour: {chosen!r}")
        return cls(int(chosen))


@dataclass(frozen=True, slots=True)
class WizardPick:
    """A quick pick: the step it answers and the value in its typed form (ISO date, `HH:MM`,
    minutes), so a click and a typed answer take one path."""

    step: Step
    value: str

    def pack(self) -> dict[str, str]:
        return {"step": self.step.value, "value": self.value}

    @classmethod
    def unpack(cls, raw: Mapping[str, str], selected: str | None = None) -> Self:
        return cls(Step(raw.get("step", "")), raw.get("value", ""))


@dataclass(frozen=True, slots=True)
class WizardMark:
    """The step a wizard button was shown at ("Skip", "Create", "Edit"). Informational: the
    button acts on the wizard's current step, as it always did."""

    step: Step | None = None

    def pack(self) -> dict[str, str]:
        return {"step": self.step.value} if self.step is not None else {}

    @classmethod
    def unpack(cls, raw: Mapping[str, str], selected: str | None = None) -> Self:
        value = raw.get("step", "")
        return cls(Step(value) if value in set(Step) else None)


@dataclass(frozen=True, slots=True)
class WizardField:
    """A field picked in the summary's edit picker."""

    field: Step

    def pack(self) -> dict[str, str]:
        return {"field": self.field.value}

    @classmethod
    def unpack(cls, raw: Mapping[str, str], selected: str | None = None) -> Self:
        return cls(Step(raw.get("field", "")))  # a step not editable: the wizard says so


@dataclass(frozen=True, slots=True)
class FoundSlot:
    """A slot of a find-a-time answer: when, how long, and whom to invite."""

    start: datetime  # aware, UTC
    minutes: int
    invitees: tuple[tuple[str, str], ...]  # (e-mail, name)
    # their chat usernames, so the wizard's "find a time" sees who is connected (buttons
    # posted before this was added have none: the wizard then knows them by e-mail only)
    handles: tuple[str, ...] = ()

    def pack(self) -> dict[str, str]:
        packed = {
            "start": self.start.astimezone(UTC).isoformat(timespec="minutes"),
            "minutes": str(self.minutes),
            "to": "\n".join(f"{email}\t{' '.join(name.split())}" for email, name in self.invitees),
        }
        if self.handles:
            packed["who"] = "\n".join(self.handles)
        return packed

    @classmethod
    def unpack(cls, raw: Mapping[str, str], selected: str | None = None) -> Self:
        start = datetime.fromisoformat(raw.get("start", ""))
        minutes = int(raw.get("minutes", ""))
        if start.tzinfo is None or not 0 < minutes <= 24 * 60:
            raise ValueError("not a found slot")
        people = [line.split("\t", 1) for line in raw.get("to", "").split("\n") if line]
        handles = tuple(h for h in raw.get("who", "").split("\n") if h)
        invitees = tuple((p[0], p[1] if len(p) > 1 else "") for p in people)
        return cls(start, minutes, invitees, handles)


WORK_DAY_SETS: dict[str, tuple[int, ...]] = {
    "mon-fri": (0, 1, 2, 3, 4),
    "mon-sat": (0, 1, 2, 3, 4, 5),
    "sun-thu": (0, 1, 2, 3, 6),
    "all": (0, 1, 2, 3, 4, 5, 6),
}


@dataclass(frozen=True, slots=True)
class WorkDaysChoice:
    """The working-days menu's choice: a WORK_DAY_SETS key."""

    days: tuple[int, ...]

    def pack(self) -> dict[str, str]:
        return {}

    @classmethod
    def unpack(cls, raw: Mapping[str, str], selected: str | None = None) -> Self:
        days = WORK_DAY_SETS.get(selected or "")
        if days is None:
            raise ValueError(f"not a set of working days: {selected!r}")
        return cls(days)
