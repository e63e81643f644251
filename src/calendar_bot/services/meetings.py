"""Looking at meetings: lists, details, RSVP, the RAW view. Reads go through a fresh sync
(cheap when nothing changed), so a list is current and every change it reveals is also
announced exactly once."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from calendar_bot.domain.agenda import day_bounds
from calendar_bot.domain.model import CalendarRef, Occurrence, PartStat, TimeWindow
from calendar_bot.domain.notices import Snoozed
from calendar_bot.domain.zones import zone
from calendar_bot.ports import AuthFailed, CalendarError, Forbidden, NotFound, WriteConflict
from calendar_bot.records import StoredUser
from calendar_bot.services.context import Context
from calendar_bot.services.credentials import decrypt_credentials
from calendar_bot.services.notices import outbox_item
from calendar_bot.services.sync import SyncService
from calendar_bot.views.refs import calendar_ref, occurrence_ref

log = logging.getLogger(__name__)


class MeetingError(Exception):
    """A views.meetings error code: gone, conflict, unreachable, forbidden, auth."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


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
        except AuthFailed:
            raise MeetingError("auth") from None
        except WriteConflict:
            raise MeetingError("conflict") from None
        except NotFound:
            raise MeetingError("gone") from None
        except Forbidden:
            raise MeetingError("forbidden") from None
        except CalendarError:
            raise MeetingError("unreachable") from None
        await self._sync.sync_user(user)  # the snapshot learns the answer at once
        return await self._stored(user, ref) or occurrence

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
