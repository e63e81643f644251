"""Reminders come from the stored snapshot, not from the poll: a slow CalDAV server never
delays one. Each minute mark enqueues what fell due in (last tick, now]; the outbox's unique
key makes a repeated or overlapping tick harmless."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from calendar_bot.domain.model import Occurrence, UserSettings
from calendar_bot.domain.notices import reminder_notice
from calendar_bot.domain.reminder_index import next_reminder
from calendar_bot.domain.reminders import MAX_LEAD_MINUTES, due_reminders
from calendar_bot.services.context import Context
from calendar_bot.services.notices import outbox_item

TICK_NAME = "reminders"
# How far back a restarted bot looks for reminders it missed: a meeting that has not
# started yet still gets its (late) reminder; older ones are of no use any more.
MAX_CATCH_UP = timedelta(hours=24)
MAX_LEAD = timedelta(minutes=MAX_LEAD_MINUTES)


class ReminderService:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    async def tick(self, now: datetime) -> int:
        """Enqueue every reminder due in (last recorded tick, now]; returns how many were new."""
        async with self._ctx.transaction() as store:
            entry = await store.scheduler.get(TICK_NAME)
            last = entry.last_tick_at if entry and entry.last_tick_at else None
            since = max(last, now - MAX_CATCH_UP) if last else now - timedelta(minutes=1)
            if since >= now:
                return 0
            # Only the rows the reminder index says may fire now (domain/reminder_index.py);
            # each is moved on to its next reminder in this same transaction.
            indexed = await store.snapshot.reminders_due(now)
            await store.snapshot.move_reminders(
                (row, next_reminder(row.candidate.occurrence, row.candidate.settings, now))
                for row in indexed
            )
            by_user: dict[str, list[Occurrence]] = defaultdict(list)
            settings: dict[str, UserSettings] = {}
            for row in indexed:
                candidate = row.candidate
                if not candidate.auth_active or candidate.muted:
                    continue
                by_user[candidate.mm_user_id].append(candidate.occurrence)
                settings[candidate.mm_user_id] = candidate.settings
            items = [
                outbox_item(
                    user_id,
                    reminder_notice(r),
                    due_at=min(r.fire_at, now) if not r.late else now,
                )
                for user_id, occurrences in by_user.items()
                for r in due_reminders(
                    occurrences, settings[user_id], last_tick=since, now=now, user_id=user_id
                )
            ]
            new = await store.outbox.enqueue(items, now=now) if items else 0
            await store.scheduler.set_tick(TICK_NAME, now, now=now)
        return new
