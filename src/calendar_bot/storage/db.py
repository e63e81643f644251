"""Engines, sessions and migrations for SQLite (default) and PostgreSQL (several replicas)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, make_url, text
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine

from calendar_bot.storage import sqlite_driver

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 5000
SQLITE_QUEUE_TIMEOUT_S = 60  # waiting for the process's one SQLite connection

# Replicas starting together must not run the same migration twice.
_MIGRATION_LOCK_ID = 0x0CA1E4DA


def database_url_from(db_path: str, database_url: str | None) -> str:
    """The SQLAlchemy async URL: DATABASE_URL when given, else SQLite at DB_PATH."""
    if database_url:
        url = database_url.strip()
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+asyncpg://" + url[len(prefix) :]
        return url
    return f"sqlite+aiosqlite:///{db_path}"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, *, pool_size: int = 5, max_overflow: int = 10) -> AsyncEngine:
    """An async engine tuned for the dialect.

    SQLite: WAL, a busy timeout and foreign keys on every connection, and every transaction
    starts with BEGIN IMMEDIATE. The bot's transactions read then write (load the snapshot,
    then replace it); a deferred transaction in WAL mode would fail at once with "database is
    locked" when another writer got in between, whereas IMMEDIATE waits its turn.

    SQLite lets one writer in at a time, and every transaction here writes, so the process
    keeps one connection: transactions queue for it in order (the pool's FIFO) instead of
    racing in SQLite's busy handler, which is not fair and let some wait past the busy
    timeout under load ("database is locked"). The busy timeout still covers another process
    on the same file (a CLI command while the bot runs).
    """
    if is_sqlite(url):
        _ensure_sqlite_dir(url)
        args, kwargs = SQLiteDialect_aiosqlite().create_connect_args(make_url(url))

        async def connect() -> Any:
            # aiosqlite with each statement in one hand-off to its thread (sqlite_driver.py)
            return await sqlite_driver.connect(*args, **kwargs)

        if _in_memory(url):
            engine = _create_async_engine(url, async_creator=connect)
        else:
            engine = _create_async_engine(
                url,
                async_creator=connect,
                pool_size=1,
                max_overflow=0,
                pool_timeout=SQLITE_QUEUE_TIMEOUT_S,
            )
        _tune_sqlite(engine)
        return engine
    return _create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=True,
        pool_recycle=1800,
        pool_timeout=30,
    )


def _in_memory(url: str) -> bool:
    database = make_url(url).database
    return not database or database == ":memory:" or "mode=memory" in database


def _ensure_sqlite_dir(url: str) -> None:
    database = make_url(url).database
    if database and not _in_memory(url) and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _tune_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event, not the driver, decide when transactions start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def check(engine: AsyncEngine) -> None:
    """Raise unless the database answers (for /healthz and `doctor`)."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


# ---- migrations -----------------------------------------------------------------------


def alembic_config() -> Config:
    """Alembic's configuration, built in code: there is no alembic.ini."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _config_on(connection: Connection) -> Config:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
    config = alembic_config()
    config.attributes["connection"] = connection
    return config


def _upgrade_on(connection: Connection, revision: str) -> None:
    command.upgrade(_config_on(connection), revision)


def _downgrade_on(connection: Connection, revision: str) -> None:
    command.downgrade(_config_on(connection), revision)


async def migrate(engine: AsyncEngine, revision: str = "head") -> None:
    """Apply the migrations over an existing engine, from async code."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade_on, revision)


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    """Undo migrations down to `revision` ("base": an empty database). For operators."""
    async with engine.begin() as connection:
        await connection.run_sync(_downgrade_on, revision)


async def run_migrations_async(url: str, revision: str = "head") -> None:
    engine = create_engine(url, pool_size=1, max_overflow=0)
    try:
        await migrate(engine, revision)
    finally:
        await engine.dispose()


def run_migrations(url: str, revision: str = "head") -> None:
    """Apply the migrations (blocking; for the CLI and start-up).

    From a running event loop use `await migrate(engine)` or
    `await asyncio.to_thread(run_migrations, url)`.
    """
    asyncio.run(run_migrations_async(url, revision))
