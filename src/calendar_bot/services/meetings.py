"""Looking at meetings: lists, details, RSVP, the RAW view. Reads go through a fresh sync
(cheap when nothing changed), so a list is current and every change it reveals is also
announced exactly once."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from calendar_bot.domain.agenda import day_bounds
from calendar_bot.domain.availability import Busy, busy_from, working_hours
from calendar_bot.domain.edits import (
    CancelMeeting,
    ChangedFacts,
    EventEdit,
    Move,
    Scope,
    can_edit,
    move_picks,
)
from calendar_bot.domain.model import (
    CalendarRef,
    Occurrence,
    PartStat,
    TimeWindow,
    new_event_uid,
)
from calendar_bot.domain.notices import Snoozed
from calendar_bot.domain.zones import zone
from calendar_bot.ports import (
    AuthFailed,
    CalendarError,
    ChangedMeanwhile,
    Forbidden,
    NotFound,
    RuleTooComplex,
    WriteConflict,
)
from calendar_bot.records import StoredUser
from calendar_bot.services.context import Context
from calendar_bot.services.credentials import decrypt_credentials
from calendar_bot.services.notices import outbox_item
from calendar_bot.services.sync import SyncService
from calendar_bot.views.refs import calendar_ref, occurrence_ref

log = logging.getLogger(__name__)


class MeetingError(Exception):
    """A views.meetings error code: gone, conflict, unreachable, forbidden, auth, rule."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def meeting_error_code(exc: CalendarError) -> str:
    """What a failed write tells the person (a views.meetings error code)."""
    for kind, code in (
        (AuthFailed, "auth"),
        (WriteConflict, "conflict"),
        (NotFound, "gone"),
        (Forbidden, "forbidden"),
        (RuleTooComplex, "rule"),
    ):
        if isinstance(exc, kind):
            return code
    return "unreachable"


@dataclass(frozen=True, slots=True)
class EditOutcome:
    """After a change of one's own meeting: the meeting as it stands now (None when it is
    cancelled or no longer in the snapshot), and, when the change was not made because the
    meeting had changed meanwhile, what it is now."""

    occurrence: Occurrence | None
    changed: ChangedFacts | None = None


class Meetings:
    def __init__(self, ctx: Context, sync: SyncService) -> None:
        self._ctx = ctx
        self._sync = sync

    async def between(self, user: StoredUser, start: datetime, end: datetime) -> list[Occurrence]:
        """Meetings overlapping [start, end), after a fresh poll of the user's calendars."""
        await self._sync.sync_user(user)
        async with self._ctx.transaction() as store:
            return await store.snapshot.between(user.mm_user_id, start, end)

    async def on_days(self, user: StoredUser, first: date, days: int) -> list[Occurrence]:
        tz = zone(user.settings.timezone, self._ctx.default_tz)
        start = day_bounds(first, tz).start
        end = day_bounds(first + timedelta(days=days - 1), tz).end
        return await self.between(user, start, end)

    async def find(self, user: StoredUser, ref: str) -> Occurrence | None:
        """The meeting as it stands now: a button on an older list may predate a move."""
        await self._sync.sync_user(user)
        return await self._stored(user, ref)

    async def _stored(self, user: StoredUser, ref: str) -> Occurrence | None:
        async with self._ctx.transaction() as store:
            for occurrence in await store.snapshot.load(user.mm_user_id):
                if occurrence_ref(occurrence) == ref:
                    return occurrence
        return None

    async def snooze(self, user: StoredUser, occurrence: Occurrence, fires_at: datetime) -> bool:
        """One more reminder of `occurrence` at `fires_at`; False if it was already asked for
        (the same meeting and moment: one row, however often clicked)."""
        notice = Snoozed(occurrence, fires_at, occurrence.start)
        item = outbox_item(user.mm_user_id, notice, due_at=fires_at)
        async with self._ctx.transaction() as store:
            return await store.outbox.enqueue([item], now=self._ctx.clock.now()) > 0

    async def respond(self, user: StoredUser, ref: str, partstat: PartStat) -> Occurrence:
        """Set my PARTSTAT on the server; returns the meeting as it now stands."""
        occurrence = await self.find(user, ref)
        if occurrence is None:
            raise MeetingError("gone")
        try:
            await self._ctx.calendars.set_partstat(
                decrypt_credentials(user, self._ctx.vault), occurrence, user.email, partstat
            )
        except CalendarError as exc:
            raise MeetingError(meeting_error_code(exc)) from None
        await self._sync.sync_user(user)  # the snapshot learns the answer at once
        return await self._stored(user, ref) or occurrence

    async def answer_invitation(
        self, user: StoredUser, uid: str, partstat: PartStat
    ) -> Occurrence | None:
        """Answer an invitation the bot told (services/invitations.py) in the person's own
        copy of the meeting, the whole of it for a series; None while their server has not
        delivered it yet. Returns the meeting as it now stands."""
        await self._sync.sync_user(user)
        copy = await self._by_uid(user, uid)
        if copy is None:
            return None
        try:
            await self._ctx.calendars.set_partstat(
                decrypt_credentials(user, self._ctx.vault),
                copy,
                user.email,
                partstat,
                whole_series=True,
            )
        except CalendarError as exc:
            raise MeetingError(meeting_error_code(exc)) from None
        await self._sync.sync_user(user)
        return await self._by_uid(user, uid) or copy

    async def _by_uid(self, user: StoredUser, uid: str) -> Occurrence | None:
        """The meeting `uid` in the person's snapshot: its first occurrence not cancelled."""
        async with self._ctx.transaction() as store:
            found = [o for o in await store.snapshot.load(user.mm_user_id) if o.uid == uid]
        found.sort(key=lambda o: (o.cancelled, o.start))
        return found[0] if found else None

    async def stored(self, user: StoredUser, ref: str) -> Occurrence | None:
        """The meeting as the person last saw it (no poll first): a change is checked
        against this, so one made meanwhile by someone else is noticed, not overwritten."""
        return await self._stored(user, ref)

    async def move_picks(self, user: StoredUser, occurrence: Occurrence) -> tuple[datetime, ...]:
        """Free half-hours to move `occurrence` to, from the stored snapshot."""
        tz = zone(user.settings.timezone, self._ctx.default_tz)
        now = self._ctx.clock.now()
        begin = occurrence.start - timedelta(days=1)
        async with self._ctx.transaction() as store:
            mine = await store.snapshot.between(user.mm_user_id, begin, begin + timedelta(days=10))
        busy: tuple[Busy, ...] = busy_from(o for o in mine if o.key != occurrence.key)
        return move_picks(occurrence, tz, now, busy=busy, hours=working_hours(user.settings))

    async def change(
        self, user: StoredUser, ref: str, edit: EventEdit, scope: Scope
    ) -> EditOutcome:
        """Change a meeting the person organizes, on the server; the poll that follows stores
        it without announcing it back to them."""
        seen = await self._stored(user, ref)
        if seen is None:
            raise MeetingError("gone")
        if not can_edit(seen):
            raise MeetingError("forbidden")
        ctx = self._ctx
        new_uid = new_event_uid() if scope is Scope.FOLLOWING and seen.recurring else ""
        if new_uid:
            # before the write, as for a created meeting: never announced as new to them
            async with ctx.transaction() as store:
                await store.own_events.add(user.mm_user_id, new_uid, now=ctx.clock.now())
        credentials = decrypt_credentials(user, ctx.vault)
        tz = user.settings.timezone or ctx.default_tz

        async def write() -> None:
            await ctx.calendars.edit_event(credentials, seen, edit, scope, tz, new_uid=new_uid)

        try:
            await self._sync.after_own_write(user, write, frozenset({seen.uid, new_uid} - {""}))
        except ChangedMeanwhile as exc:
            await self._sync.sync_user(user)  # someone else's change: told as usual
            return EditOutcome(await self._stored(user, ref), exc.facts)
        except CalendarError as exc:
            raise MeetingError(meeting_error_code(exc)) from None
        if isinstance(edit, CancelMeeting):
            return EditOutcome(None)
        return EditOutcome(await self._after(user, seen, edit, new_uid))

    async def _after(
        self, user: StoredUser, seen: Occurrence, edit: EventEdit, new_uid: str
    ) -> Occurrence | None:
        """The changed occurrence in the fresh snapshot: the same key, or (moved with its
        series, split off into a new one) the one of its series starting where it now does."""
        start = edit.start if isinstance(edit, Move) else seen.start
        uids = {seen.uid, new_uid} - {""}
        async with self._ctx.transaction() as store:
            mine = [
                o
                for o in await store.snapshot.load(user.mm_user_id)
                if o.calendar_href == seen.calendar_href and o.uid in uids
            ]
        at_start = sorted(
            (o for o in mine if o.start == start), key=lambda o: o.uid != new_uid
        )  # the split-off series first
        if at_start:
            return at_start[0]
        return next((o for o in mine if o.key == seen.key), None)

    async def calendars(self, user: StoredUser) -> list[CalendarRef]:
        async with self._ctx.transaction() as store:
            return await store.calendars.list_for(user.mm_user_id)

    async def toggle_mute(self, user: StoredUser, ref: str) -> list[CalendarRef]:
        """Mute the calendar `ref` (still listed, no change notices, no reminders) or unmute
        it; the calendars after. An unknown ref changes nothing."""
        async with self._ctx.transaction() as store:
            for calendar in await store.calendars.list_for(user.mm_user_id):
                if calendar_ref(calendar.href) == ref:
                    await store.calendars.set_muted(
                        user.mm_user_id, calendar.href, not calendar.muted
                    )
            return await store.calendars.list_for(user.mm_user_id)

    async def raw(self, user: StoredUser, ref: str, today: date) -> tuple[str, str]:
        """(calendar name, the raw multistatus XML of today's REPORT)."""
        for calendar in await self.calendars(user):
            if calendar_ref(calendar.href) == ref:
                tz = zone(user.settings.timezone, self._ctx.default_tz)
                bounds = day_bounds(today, tz)
                try:
                    xml = await self._ctx.calendars.raw_report(
                        decrypt_credentials(user, self._ctx.vault),
                        calendar.href,
                        TimeWindow(bounds.start, bounds.end),
                    )
                except CalendarError:
                    raise MeetingError("unreachable") from None
                return calendar.name or calendar.href, xml
        raise MeetingError("gone")
