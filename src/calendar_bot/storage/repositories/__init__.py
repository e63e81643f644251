"""Repositories over one AsyncSession: the caller owns the transaction.

async with transaction(factory) as store:
    previous = await store.snapshot.load(user_id)
    await store.snapshot.replace_calendar(user_id, href, current, now=now)
    await store.outbox.enqueue(items, now=now)      # same transaction: all or nothing
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from calendar_bot.records import (
    ConversationState,
    OutboxItem,
    OutboxRow,
    ReminderCandidate,
    SchedulerEntry,
    StoredUser,
)
from calendar_bot.storage.repositories.calendars import CalendarRepository
from calendar_bot.storage.repositories.callbacks import CallbackRepository
from calendar_bot.storage.repositories.conversation import ConversationRepository
from calendar_bot.storage.repositories.digest_log import DigestLogRepository
from calendar_bot.storage.repositories.outbox import OutboxRepository
from calendar_bot.storage.repositories.own_events import OwnEventRepository
from calendar_bot.storage.repositories.presence import PresenceRepository
from calendar_bot.storage.repositories.scheduler_state import SchedulerStateRepository
from calendar_bot.storage.repositories.snapshot import SnapshotRepository
from calendar_bot.storage.repositories.users import UserRepository

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
    "PresenceRepository",
    "ReminderCandidate",
    "SchedulerEntry",
    "SchedulerStateRepository",
    "SnapshotRepository",
    "Store",
    "StoredUser",
    "UserRepository",
    "transaction",
    "unit_of_work",
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
        self.presence = PresenceRepository(session)


@asynccontextmanager
async def transaction(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[Store]:
    """One transaction: committed when the block ends, rolled back if it raises."""
    async with factory.begin() as session:
        yield Store(session)


def unit_of_work(
    factory: async_sessionmaker[AsyncSession],
) -> Callable[[], AbstractAsyncContextManager[Store]]:
    """`transaction` over `factory`, as the services' ports.UnitOfWork."""
    return partial(transaction, factory)
