"""The Alembic migrations build exactly the schema the code declares, on both databases."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from calendar_bot.storage.db import (
    create_engine,
    downgrade,
    migrate,
    run_migrations,
    run_migrations_async,
)
from calendar_bot.storage.tables import metadata


def _diff(connection: Connection) -> list[Any]:
    opts: dict[str, Any] = {"compare_type": True}
    # Alembic reads SQLite's reflected defaults ('' and booleans) too loosely to compare.
    if connection.dialect.name == "postgresql":
        opts["compare_server_default"] = True
    return list(compare_metadata(MigrationContext.configure(connection, opts=opts), metadata))


HEAD = "0008"  # the newest migration


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def test_migrated_schema_matches_the_metadata(empty_database_url: str) -> None:
    await run_migrations_async(empty_database_url)
    engine = create_engine(empty_database_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_diff) == []
            assert await connection.run_sync(_revision) == HEAD
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert set(metadata.tables) <= tables
    finally:
        await engine.dispose()


async def test_migrating_twice_is_a_no_op(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url)
    try:
        await migrate(engine)
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO scheduler_state (name, value, updated_at) "
                    "VALUES ('probe', 'kept', CURRENT_TIMESTAMP)"
                )
            )
        await migrate(engine)
        async with engine.connect() as connection:
            value = (
                await connection.execute(
                    text("SELECT value FROM scheduler_state WHERE name = 'probe'")
                )
            ).scalar_one()
            assert value == "kept"
            assert await connection.run_sync(_revision) == HEAD
    finally:
        await engine.dispose()


async def test_downgrade_to_base_drops_every_table(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url)
    try:
        await migrate(engine)
        await downgrade(engine, "base")
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            assert tables & set(metadata.tables) == set()
            assert await connection.run_sync(_revision) is None
        await migrate(engine)
        async with engine.connect() as connection:
            assert await connection.run_sync(_diff) == []
    finally:
        await engine.dispose()


def test_run_migrations_blocks_until_done_for_the_cli(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    run_migrations(url)
    run_migrations(url)  # idempotent

    async def revision() -> str | None:
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(_revision)
        finally:
            await engine.dispose()

    assert asyncio.run(revision()) == HEAD


async def test_0005_starts_existing_rows_in_the_reminder_index_early_enough(
    empty_database_url: str,
) -> None:
    """Rows stored before 0005 enter the reminder index 38 hours before their start (the
    earliest any reminder of theirs can fire); cancelled rows never do."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import insert, select

    from calendar_bot.storage.tables import occurrences, users

    start = datetime(2026, 12, 3, 9, 30, 15, 250000, tzinfo=UTC)
    engine = create_engine(empty_database_url)
    try:
        await migrate(engine)
        await downgrade(engine, "0004")
        async with engine.begin() as connection:
            await connection.execute(
                insert(users).values(
                    mm_user_id="alice",
                    caldav_base_url="https://caldav.example.com",
                    caldav_username="alice",
                    password_enc="x",
                    settings={},
                    next_poll_at=start,
                    created_at=start,
                    updated_at=start,
                )
            )
            for uid, status in (("on", "confirmed"), ("off", "cancelled")):
                await connection.execute(
                    insert(occurrences).values(
                        mm_user_id="alice",
                        calendar_href="/cal/",
                        uid=uid,
                        recurrence_id="",
                        start_at=start,
                        end_at=start + timedelta(hours=1),
                        all_day=False,
                        status=status,
                        title=uid,
                        payload={},
                        updated_at=start,
                    )
                )
        await migrate(engine)
        async with engine.connect() as connection:
            rows = dict(
                (await connection.execute(select(occurrences.c.uid, occurrences.c.remind_at))).all()
            )
        assert rows["off"] is None
        assert rows["on"] is not None
        assert start - timedelta(hours=38, seconds=1) < rows["on"] <= start - timedelta(hours=38)
    finally:
        await engine.dispose()
