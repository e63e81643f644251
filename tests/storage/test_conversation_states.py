"""The conversation-state enum against both databases: rows written by earlier releases (the
plain strings) read back as the enum, and the enum writes those same strings."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from calendar_bot.handlers.base import Awaiting, awaiting
from calendar_bot.storage.repositories import transaction
from tests.storage.helpers import NOW

Factory = async_sessionmaker[AsyncSession]


async def test_old_state_strings_read_as_the_enum(session_factory: Factory) -> None:
    old_rows = {
        "u-wizard": ("wizard", Awaiting.WIZARD_ANSWER),
        "u-email": ("connect.email", Awaiting.EMAIL),
        "u-password": ("connect.password", Awaiting.PASSWORD),
        "u-unknown": ("wizard:title", None),
    }
    async with transaction(session_factory) as store:
        for user_id, (stored, _) in old_rows.items():
            await store.conversation.set(user_id, stored, {}, now=NOW)
    async with transaction(session_factory) as store:
        for user_id, (_, expected) in old_rows.items():
            assert awaiting(await store.conversation.get(user_id)) is expected, user_id
        assert awaiting(await store.conversation.get("nobody")) is None


async def test_the_enum_writes_the_old_strings(session_factory: Factory) -> None:
    async with transaction(session_factory) as store:
        for what in Awaiting:
            await store.conversation.set(f"u-{what.name}", what.value, {"k": "v"}, now=NOW)
    async with transaction(session_factory) as store:
        for what in Awaiting:
            row = await store.conversation.get(f"u-{what.name}")
            assert row is not None
            assert type(row.state) is str and row.state == str(what.value)
            assert Awaiting.parse(row.state) is what
