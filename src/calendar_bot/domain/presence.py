"""Presence in Mattermost (issue 18, item 4), the pure part: which meetings make a person busy,
until when, and what the bot should do about their status at a minute mark.

The bot sets a custom status ("📅 In a meeting until 15:30", expiring at the end) and, if
chosen, Do Not Disturb, during a meeting the person accepted or organizes; it restores what was
there before when the meeting is over. Overlapping and back-to-back meetings make one status,
until the last end. A status the person changed themselves meanwhile is theirs: the bot never
writes over it, and does not restore over it either.

Nothing here does I/O: `services/presence.py` reads what is there, asks `plan` and acts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from calendar_bot.domain.model import Occurrence, PartStat
from calendar_bot.domain.model import PresenceMode as PresenceMode  # UserSettings holds one

# Mattermost's emoji name for 📅 (U+1F4C5, "date"; "calendar" is 📆).
EMOJI = "date"
DND = "dnd"
ONLINE = "online"
# What PUT /users/{id}/status takes (api4/status.go updateUserStatus).
STATUSES = frozenset({"online", "away", "offline", DND})


@dataclass(frozen=True, slots=True)
class CustomStatus:
    """A Mattermost custom status (model/custom_status.go): `expires_at` None: no expiry."""

    emoji: str
    text: str
    duration: str = ""
    expires_at: datetime | None = None

    def same_as(self, other: CustomStatus | None) -> bool:
        """The same status as far as a person sees it (text and emoji)."""
        return other is not None and (self.emoji, self.text) == (other.emoji, other.text)

    def live_at(self, now: datetime) -> bool:
        return self.expires_at is None or self.expires_at > now


@dataclass(frozen=True, slots=True)
class Seen:
    """What Mattermost shows for a person now."""

    custom: CustomStatus | None
    status: str  # online, away, offline, dnd


@dataclass(frozen=True, slots=True)
class Held:
    """What the bot holds for a person (stored, so a restart mid-meeting carries on).

    `custom_owned` / `dnd_owned`: the part is still the bot's; False once the person changed
    it (or, for DND, when they already were in DND): then the bot leaves it alone, and keeps
    this record until the meeting ends so that it does not set its status again meanwhile.
    """

    until: datetime
    ours: CustomStatus  # the status the bot set
    custom_owned: bool
    dnd_owned: bool
    previous: CustomStatus | None  # the person's custom status before the bot's
    previous_status: str  # their status before DND ("" if the bot did not set DND)


def counts(occurrence: Occurrence) -> bool:
    """A meeting the person accepted or organizes (an event of their own without attendees
    counts as theirs); not cancelled, not all-day."""
    if occurrence.all_day or occurrence.cancelled:
        return False
    if occurrence.i_am_organizer or occurrence.my_partstat is PartStat.ACCEPTED:
        return True
    return occurrence.my_partstat is None and occurrence.organizer is None


def busy_until(occurrences: Iterable[Occurrence], now: datetime) -> datetime | None:
    """The end of the busy stretch `now` is in, or None: from the meetings under way, on
    through every meeting that starts by the time the ones before it end (overlapping or
    back to back), to the last end."""
    meetings = sorted((o for o in occurrences if counts(o)), key=lambda o: o.start)
    on = [o.end for o in meetings if o.start <= now < o.end]
    if not on:
        return None
    until = max(on)
    for meeting in meetings:
        if now <= meeting.start <= until and meeting.end > until:
            until = meeting.end
    return until


class Step(StrEnum):
    KEEP = "keep"  # nothing to do
    START = "start"  # save what is there, set the bot's status
    EXTEND = "extend"  # the stretch's end moved: the bot's status says the new end
    END = "end"  # the stretch is over (or presence was turned off): restore


def plan(mode: PresenceMode, until: datetime | None, held: Held | None) -> Step:
    """What to do now, given the stretch's end (`busy_until`) and what the bot holds."""
    wanted = until if mode is not PresenceMode.OFF else None
    if held is None:
        return Step.START if wanted is not None else Step.KEEP
    if wanted is None:
        return Step.END
    if wanted != held.until and (held.custom_owned or held.dnd_owned):
        return Step.EXTEND
    return Step.KEEP


def still_ours(held: Held, seen: Seen) -> tuple[bool, bool]:
    """Which parts are still the bot's: its custom status still shows, DND still on.
    A part the person changed is theirs from then on."""
    custom = held.custom_owned and held.ours.same_as(seen.custom)
    dnd = held.dnd_owned and seen.status == DND
    return custom, dnd


def restored(held: Held, now: datetime) -> CustomStatus | None:
    """The custom status to put back: the person's earlier one if it has not expired."""
    if held.previous is not None and held.previous.live_at(now):
        return held.previous
    return None


def status_to_restore(held: Held) -> str:
    return held.previous_status if held.previous_status in STATUSES - {DND} else ONLINE
