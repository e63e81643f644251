"""Repositories over one AsyncSession: the caller owns the transaction.

async with transaction(factory) as store:
    previous = await store.snapshot.load(user_id)
    await store.snapshot.replace_calendar(user_id, href, current, now=now)
    await store.outbox.enqueue(items, now=now)      # same transaction: all or nothing
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from calendar_bot.storage.repositories.calendars import CalendarRepository
from calendar_bot.storage.repositories.callbacks import CallbackRepository
from calendar_bot.storage.repositories.conversation import (
    ConversationRepository,
    ConversationState,
)
from calendar_bot.storage.repositories.digest_log import DigestLogRepository
from calendar_bot.storage.repositories.outbox import OutboxItem, OutboxRepository, OutboxRow
from calendar_bot.storage.repositories.own_events import OwnEventRepository
from calendar_bot.storage.repositories.scheduler_state import (
    SchedulerEntry,
    SchedulerStateRepository,
)
from calendar_bot.storage.repositories.snapshot import ReminderCandidate, SnapshotRepository
from calendar_bot.storage.repositories.users import StoredUser, UserRepository

__all__ = [
    "CalendarRepository",
    "CallbackRepository",
    "ConversationRepository",
    "ConversationState",
    "DigestLogRepository",
    "OutboxItem",
    "OutboxRepository",
    "OutboxRow",
    "OwnEventRepository",
    "ReminderCandidate",
    "SchedulerEntry",
    "SchedulerStateRepository",
    "SnapshotRepository",
    "Store",
    "StoredUser",
    "UserRepository",
    "transaction",
]


class Store:
    """Every repository over one session (one transaction)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.users = UserRepository(session)
        self.conversation = ConversationRepository(session)
        self.calendars = CalendarRepository(session)
        self.snapshot = SnapshotRepository(session)
        self.outbox = OutboxRepository(session)
        self.digest_log = DigestLogRepository(session)
        self.own_events = OwnEventRepository(session)
        self.scheduler = SchedulerStateRepository(session)
        self.callbacks = CallbackRepository(session)


@asynccontextmanager
async def transaction(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[Store]:
    """One transaction: committed when the block ends, rolled back if it raises."""
    async with factory.begin() as session:
        yield Store(session)
