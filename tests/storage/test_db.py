"""Engines, URLs and the UTC column type on both databases."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncEngine

from calendar_bot.storage import db
from calendar_bot.storage.db import (
    check,
    create_engine,
    database_url_from,
    migrate,
    session_factory,
)
from calendar_bot.storage.repositories import transaction
from calendar_bot.storage.tables import scheduler_state


@pytest.mark.parametrize(
    ("db_path", "database_url", "expected"),
    [
        ("/data/bot.db", None, "sqlite+aiosqlite:////data/bot.db"),
        ("bot.db", "", "sqlite+aiosqlite:///bot.db"),
        ("/x.db", "postgres://u:p@db:5432/bot", "postgresql+asyncpg://u:p@db:5432/bot"),
        ("/x.db", "postgresql://u@db/bot", "postgresql+asyncpg://u@db/bot"),
        ("/x.db", "postgresql+asyncpg://u@db/bot", "postgresql+asyncpg://u@db/bot"),
        ("/x.db", "sqlite+aiosqlite:////tmp/a.db", "sqlite+aiosqlite:////tmp/a.db"),
    ],
)
def test_database_url_from(db_path: str, database_url: str | None, expected: str) -> None:
    assert database_url_from(db_path, database_url) == expected


async def test_check_answers(engine: AsyncEngine) -> None:
    await check(engine)


async def test_check_fails_on_an_unreachable_database() -> None:
    engine = create_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    try:
        with pytest.raises(OSError):
            await check(engine)
    finally:
        await engine.dispose()


async def test_sqlite_connections_are_tuned(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "bot.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with engine.connect() as connection:
            pragmas = {
                name: (await connection.exec_driver_sql(f"PRAGMA {name}")).scalar_one()
                for name in ("journal_mode", "busy_timeout", "foreign_keys", "synchronous")
            }
        assert pragmas == {
            "journal_mode": "wal",
            "busy_timeout": 5000,
            "foreign_keys": 1,
            "synchronous": 1,  # NORMAL
        }
        assert path.exists()
    finally:
        await engine.dispose()


async def test_datetimes_come_back_aware_utc(engine: AsyncEngine) -> None:
    moscow = timezone(timedelta(hours=3))
    written = datetime(2026, 11, 30, 9, 15, 30, 123456, tzinfo=moscow)
    async with engine.begin() as connection:
        await connection.execute(
            scheduler_state.insert().values(name="t", last_tick_at=written, updated_at=written)
        )
    async with engine.connect() as connection:
        row = (await connection.execute(select(scheduler_state))).mappings().one()
        # Compared through the type too: the stored instant orders correctly.
        later = (
            await connection.execute(
                select(scheduler_state.c.name).where(
                    scheduler_state.c.last_tick_at > datetime(2026, 11, 30, 6, 15, tzinfo=UTC)
                )
            )
        ).all()
    assert row["last_tick_at"] == written
    assert row["last_tick_at"].tzinfo is UTC
    assert row["last_tick_at"].hour == 6
    assert len(later) == 1


async def test_naive_datetimes_are_refused(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        with pytest.raises(StatementError, match="naive datetime"):
            await connection.execute(
                scheduler_state.insert().values(name="n", updated_at=datetime(2026, 1, 1))
            )


async def test_sqlite_transactions_queue_instead_of_failing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many writers at once in one process: each waits its turn for the one connection, far
    longer than SQLite's busy timeout, and none fails with "database is locked"."""
    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_MS", 100)
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'queue.db'}")
    await migrate(engine)
    sessions = session_factory(engine)
    now = datetime(2026, 11, 27, 9, tzinfo=UTC)
    done: list[int] = []

    async def writer(i: int) -> None:
        async with transaction(sessions) as store:
            await store.scheduler.set_tick(f"job-{i}", now, now=now)
            await asyncio.sleep(0.05)  # holds the write lock; 20 of these take a second
            done.append(i)

    try:
        await asyncio.gather(*(writer(i) for i in range(20)))
        async with engine.connect() as connection:
            stored = (await connection.execute(select(scheduler_state.c.name))).scalars().all()
    finally:
        await engine.dispose()
    assert sorted(done) == list(range(20))
    assert sorted(stored) == sorted(f"job-{i}" for i in range(20))
