"""Small builders shared by the storage tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from calendar_bot.domain.model import Attendee, EventStatus, Occurrence, PartStat, UserSettings
from calendar_bot.storage.repositories import StoredUser, transaction
from calendar_bot.vault import Vault

NOW = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
HREF = "/calendars/alice/work/"


def occurrence(
    uid: str = "u1",
    start: datetime = NOW + timedelta(hours=1),
    *,
    href: str = HREF,
    recurrence_id: str = "",
    status: EventStatus = EventStatus.CONFIRMED,
    title: str = "Standup",
    my_partstat: PartStat | None = PartStat.ACCEPTED,
) -> Occurrence:
    return Occurrence(
        calendar_href=href,
        uid=uid,
        recurrence_id=recurrence_id,
        title=title,
        start=start,
        end=start + timedelta(minutes=30),
        status=status,
        organizer=Attendee("boss@example.com", "Boss", PartStat.ACCEPTED, "CHAIR"),
        attendees=(
            Attendee("alice@example.com", "Alice", PartStat.ACCEPTED, "REQ-PARTICIPANT"),
            Attendee("bob@example.com", "", PartStat.TENTATIVE, "OPT-PARTICIPANT"),
        ),
        my_partstat=my_partstat,
        location="Room 1",
        join_url="https://meet.example.com/x",
        alarm_minutes=(10,),
    )


async def add_user(
    factory: async_sessionmaker[AsyncSession],
    vault: Vault,
    mm_user_id: str = "alice",
    *,
    password: str = "app-password",
    now: datetime = NOW,
    settings: UserSettings | None = None,
) -> StoredUser:
    async with transaction(factory) as store:
        return await store.users.upsert(
            mm_user_id=mm_user_id,
            email=f"{mm_user_id}@example.com",
            caldav_base_url="https://caldav.example.com",
            caldav_username=f"{mm_user_id}@example.com",
            password_enc=vault.encrypt(password),
            principal_url=f"/principals/{mm_user_id}/",
            now=now,
            settings=settings,
        )
