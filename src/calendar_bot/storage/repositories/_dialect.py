"""The few statements whose spelling differs between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Select, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

Insert = postgresql.Insert | sqlite.Insert

IN_CHUNK = 500  # values per IN (...) list: well inside every driver's parameter limit


def dialect_name(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def is_postgres(session: AsyncSession) -> bool:
    return dialect_name(session) == "postgresql"


def insert(session: AsyncSession, table: Table) -> Insert:
    """An INSERT that knows ON CONFLICT on both dialects."""
    if is_postgres(session):
        return postgresql.insert(table)
    return sqlite.insert(table)


def rowcount(result: object) -> int:
    """Rows matched by an UPDATE/DELETE (both drivers report it for single statements)."""
    return int(getattr(result, "rowcount", 0) or 0)


def claim_filter(session: AsyncSession, candidates: Select[Any], key: Column[Any]) -> Any:
    """A WHERE clause for "UPDATE only these candidate rows", safe under concurrency.

    PostgreSQL: the candidates are locked FOR UPDATE SKIP LOCKED in a MATERIALIZED CTE,
    joined with UPDATE ... FROM. (An `IN (subquery ... LIMIT n)` may be rescanned during the
    UPDATE and, after re-checking the rows it already changed, return further rows: more
    than `n` would be claimed.) SQLite: writers are serialized and a plain IN subquery is
    evaluated once.
    """
    if is_postgres(session):
        cte = (
            candidates.with_for_update(skip_locked=True)
            .cte("claim_candidates")
            .prefix_with("MATERIALIZED")
        )
        return key == cte.c[key.name]
    return key.in_(candidates.scalar_subquery())
