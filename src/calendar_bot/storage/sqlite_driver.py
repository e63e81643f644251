"""The SQLite driver connection: aiosqlite, with each statement in one hand-off.

aiosqlite runs SQLite on a thread of its own, and every call crosses to it and back: a queue
put that wakes the thread, then a wake of the event loop with the result. SQLAlchemy's
adapter makes four such calls per statement (open a cursor, execute, fetch the rows, close
the cursor), and each crossing costs about as much CPU as the statement itself on a small
row. Here a cursor runs all four in one call on the database's thread and keeps what SQLite
answered (rows, description, row count, last row id), so the adapter's fetch and close are
answered at once. Rows are fetched whole, as the adapter's default cursor does anyway.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any, Self

import aiosqlite

_Answer = tuple[Any, int, int | None, list[Any]]  # description, rowcount, lastrowid, rows


def _run(connection: sqlite3.Connection, sql: str, parameters: Any, *, many: bool) -> _Answer:
    """On the database's thread: the statement, its rows and what the cursor tells of it."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(sql, parameters)
        else:
            cursor.execute(sql, parameters)
        rows = cursor.fetchall() if cursor.description else []
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


class OneHopCursor:
    """The part of aiosqlite's Cursor that SQLAlchemy's adapter uses."""

    arraysize = 1

    def __init__(self, connection: OneHopConnection) -> None:
        self._connection = connection
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self._rows: list[Any] = []

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def execute(self, sql: str, parameters: Any = None) -> Self:
        return await self._answer(sql, () if parameters is None else parameters, many=False)

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> Self:
        return await self._answer(sql, parameters, many=True)

    async def _answer(self, sql: str, parameters: Any, *, many: bool) -> Self:
        answer: _Answer = await self._connection.run_on_thread(
            _run, self._connection.sqlite, sql, parameters, many=many
        )
        self.description, self.rowcount, self.lastrowid, self._rows = answer
        return self

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> Sequence[Any]:
        count = self.arraysize if size is None else size
        taken, self._rows = self._rows[:count], self._rows[count:]
        return taken

    async def fetchall(self) -> Sequence[Any]:
        taken, self._rows = self._rows, []
        return taken

    async def close(self) -> None:
        self._rows = []


class OneHopConnection(aiosqlite.Connection):
    """aiosqlite's connection whose cursors run a statement in one hand-off."""

    def cursor(self) -> OneHopCursor:  # type: ignore[override]
        return OneHopCursor(self)

    @property
    def sqlite(self) -> sqlite3.Connection:
        return self._conn

    async def run_on_thread(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        execute: Any = self._execute  # aiosqlite's own queue to its thread (untyped)
        return await execute(fn, *args, **kwargs)


async def connect(database: str, **kwargs: Any) -> OneHopConnection:
    """As aiosqlite.connect, with the thread a daemon (as SQLAlchemy makes aiosqlite's)."""

    def connector() -> sqlite3.Connection:
        connection: sqlite3.Connection = sqlite3.connect(database, **kwargs)
        return connection

    connection = OneHopConnection(connector, iter_chunk_size=64)
    connection._thread.daemon = True
    await connection
    return connection
