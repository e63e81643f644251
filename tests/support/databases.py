"""Real databases for tests: SQLite (a temp file) and PostgreSQL (when configured).

`database_url` is parametrized over "sqlite" and "postgres". The PostgreSQL run needs
CALENDAR_BOT_TEST_POSTGRES_URL (e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test);
without it that param is skipped with a reason (CI sets it and fails on skips).

Each test gets a clean database, migrated with the real Alembic migrations, which run once
per session: SQLite migrates a template file that each test copies; PostgreSQL migrates one
database per session (a unique name, so parallel sessions never meet) whose tables are
emptied before each test. `empty_database_url` gives a brand-new, unmigrated database.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool

from calendar_bot.storage.db import create_engine, run_migrations_async, session_factory
from calendar_bot.storage.tables import metadata
from calendar_bot.vault import Vault

POSTGRES_ENV = "CALENDAR_BOT_TEST_POSTGRES_URL"
DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def postgres_url() -> str | None:
    value = os.environ.get(POSTGRES_ENV, "").strip()
    if not value:
        return None
    from calendar_bot.storage.db import database_url_from

    return database_url_from("", value)


def _skip_without_postgres() -> str:
    url = postgres_url()
    if url is None:
        pytest.skip(f"{POSTGRES_ENV} is not set: the PostgreSQL variant of this test is skipped")
    return url


def _with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


async def _admin(url: str, *statements: str) -> None:
    """Run statements outside a transaction (CREATE/DROP DATABASE need that)."""
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            for statement in statements:
                await connection.exec_driver_sql(statement)
    finally:
        await engine.dispose()


def _blocking(coro_fn: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run async set-up code to completion from any context (even inside a running loop)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(lambda: asyncio.run(coro_fn())).result()


def _migrate(url: str) -> None:
    _blocking(lambda: run_migrations_async(url))


# DELETE, not TRUNCATE: on tables this small it takes a millisecond, TRUNCATE a third of a second.
_EMPTY_ALL = tuple(f'DELETE FROM "{t.name}"' for t in reversed(metadata.sorted_tables))


def _new_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


# ---- once per test session --------------------------------------------------------------


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    _migrate(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def _postgres_database() -> Iterator[str]:
    """A migrated database for this test session (its tables are emptied before each test)."""
    url = _skip_without_postgres()
    name = _new_name("cbt_session")
    _blocking(lambda: _admin(url, f'CREATE DATABASE "{name}"'))
    try:
        _migrate(_with_database(url, name))
        yield _with_database(url, name)
    finally:
        _blocking(lambda: _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# ---- per test -------------------------------------------------------------------------


@pytest.fixture(params=DATABASES)
def database_kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    if kind == "postgres":
        _skip_without_postgres()
    return kind


@pytest.fixture
def database_url(
    database_kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[str]:
    """A fresh, migrated database of the param's kind."""
    if database_kind == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_template")
        target = tmp_path / "bot.db"
        shutil.copyfile(template, target)
        yield f"sqlite+aiosqlite:///{target}"
        return
    url: str = request.getfixturevalue("_postgres_database")
    _blocking(lambda: _admin(url, *_EMPTY_ALL))
    yield url


@pytest.fixture
def empty_database_url(database_kind: str, tmp_path: Path) -> Iterator[str]:
    """A fresh database with no schema at all (for migration tests)."""
    if database_kind == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        return
    url = _skip_without_postgres()
    name = _new_name("cbt_empty")
    _blocking(lambda: _admin(url, f'CREATE DATABASE "{name}"'))
    try:
        yield _with_database(url, name)
    finally:
        _blocking(lambda: _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    created = create_engine(database_url)
    try:
        yield created
    finally:
        await created.dispose()


@pytest.fixture(name="session_factory")
def session_factory_fixture(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine)


@pytest.fixture
def vault() -> Vault:
    return Vault([Vault.generate_key()])
