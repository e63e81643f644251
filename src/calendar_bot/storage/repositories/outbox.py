"""The outbox: every message the bot will post, exactly once, across restarts and replicas."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import RowMapping, and_, bindparam, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from calendar_bot.records import OutboxItem, OutboxRow
from calendar_bot.storage.repositories._dialect import claim_filter, insert, rowcount
from calendar_bot.storage.tables import OUTBOX_FAILED, OUTBOX_PENDING, OUTBOX_SENT, outbox

MAX_ERROR_CHARS = 1000
_BATCH = 200  # rows per multi-VALUES INSERT: well under SQLite's bound-parameter limit


def _row(r: RowMapping) -> OutboxRow:
    return OutboxRow(
        id=int(r["id"]),
        mm_user_id=r["mm_user_id"],
        idempotency_key=r["idempotency_key"],
        kind=r["kind"],
        payload=dict(r["payload"] or {}),
        due_at=r["due_at"],
        created_at=r["created_at"],
        attempts=int(r["attempts"]),
        next_attempt_at=r["next_attempt_at"],
        status=r["status"],
        post_id=r["post_id"],
        sent_at=r["sent_at"],
        claimed_by=r["claimed_by"],
        claimed_until=r["claimed_until"],
        last_error=r["last_error"],
    )


class OutboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def enqueue(self, items: Sequence[OutboxItem], *, now: datetime) -> int:
        """Insert the items whose key is new (INSERT ... ON CONFLICT DO NOTHING).

        Returns how many rows were new. Safe to repeat: a key already queued or sent is
        left untouched.
        """
        return sum((await self.enqueue_each([(item, now) for item in items])).values())

    async def enqueue_each(self, entries: Sequence[tuple[OutboxItem, datetime]]) -> Counter[str]:
        """`enqueue` for items found at moments of their own (the polls of several users),
        in one statement: how many rows were new, by user."""
        seen: set[str] = set()
        rows: list[dict[str, Any]] = []
        for item, now in entries:
            if item.idempotency_key in seen:
                continue
            seen.add(item.idempotency_key)
            due = item.due_at or now
            rows.append(
                {
                    "mm_user_id": item.mm_user_id,
                    "idempotency_key": item.idempotency_key,
                    "kind": item.kind,
                    "payload": item.payload,
                    "due_at": due,
                    "created_at": now,
                    "attempts": 0,
                    "next_attempt_at": due,
                    "status": OUTBOX_PENDING,
                }
            )
        if not rows:
            return Counter()
        # executemany: the statement is compiled once and sent in batches ("insertmanyvalues");
        # a multi-VALUES statement built per call spent most of its time compiling.
        stmt = (
            insert(self._session, outbox)
            .on_conflict_do_nothing(index_elements=[outbox.c.idempotency_key])
            .returning(outbox.c.mm_user_id)
        )
        return Counter(user for (user,) in (await self._session.execute(stmt, rows)).all())

    async def claim_due(
        self, now: datetime, worker_id: str, lease: timedelta, limit: int
    ) -> list[OutboxRow]:
        """Lease up to `limit` pending rows due by `now` to `worker_id` until now + lease.

        One atomic UPDATE (SKIP LOCKED on PostgreSQL; SQLite serializes writers), re-checked
        row by row, so two claimers never hold the same row. Each claim counts as an attempt.
        Rows come back by due_at then id, which keeps each user's messages in order; a row
        is not claimable while an earlier row of its user is held back (in backoff, or
        leased to another worker), so a later message never overtakes an earlier one.
        A row whose lease ran out (its worker died) can be claimed again.
        """
        earlier = outbox.alias("earlier")
        # Per-user order: a row waits while an earlier row of the same user is held back
        # (retrying after a failure, or leased to a worker that may be posting it now).
        behind_a_held_row = exists().where(
            earlier.c.mm_user_id == outbox.c.mm_user_id,
            earlier.c.status == OUTBOX_PENDING,
            or_(
                earlier.c.due_at < outbox.c.due_at,
                and_(earlier.c.due_at == outbox.c.due_at, earlier.c.id < outbox.c.id),
            ),
            or_(earlier.c.next_attempt_at > now, earlier.c.claimed_until > now),
        )
        claimable = (
            (outbox.c.status == OUTBOX_PENDING)
            & (outbox.c.next_attempt_at <= now)
            & or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until <= now)
            & ~behind_a_held_row
        )
        candidates = (
            select(outbox.c.id).where(claimable).order_by(outbox.c.due_at, outbox.c.id).limit(limit)
        )
        stmt = (
            update(outbox)
            .where(claim_filter(self._session, candidates, outbox.c.id), claimable)
            .values(
                claimed_by=worker_id,
                claimed_until=now + lease,
                attempts=outbox.c.attempts + 1,
            )
            .returning(*outbox.c)
        )
        rows = (await self._session.execute(stmt)).mappings().all()
        return sorted((_row(r) for r in rows), key=lambda r: (r.due_at, r.id))

    async def mark_sent(self, sent: Sequence[tuple[int, str]], now: datetime) -> None:
        """Mark (row id, post id) pairs sent: one statement, executed for each pair. A row no
        longer pending (already sent, given up) is left as it is."""
        if not sent:
            return
        stmt = (
            update(outbox)
            .where(outbox.c.id == bindparam("row_id"), outbox.c.status == OUTBOX_PENDING)
            .values(
                status=OUTBOX_SENT,
                post_id=bindparam("sent_post_id"),
                sent_at=now,
                claimed_by=None,
                claimed_until=None,
                last_error=None,
            )
        )
        await self._session.execute(
            stmt, [{"row_id": row_id, "sent_post_id": post_id} for row_id, post_id in sent]
        )

    async def release(self, row_ids: Sequence[int]) -> int:
        """Hand claimed rows back untried (they queue behind a row that just failed): the
        claim does not count as an attempt."""
        if not row_ids:
            return 0
        result = await self._session.execute(
            update(outbox)
            .where(outbox.c.id.in_(list(row_ids)), outbox.c.status == OUTBOX_PENDING)
            .values(claimed_by=None, claimed_until=None, attempts=outbox.c.attempts - 1)
        )
        return rowcount(result)

    async def mark_retry(self, row_id: int, error: str, next_attempt_at: datetime) -> bool:
        """Release the claim and try again at `next_attempt_at`. `error` must be secret-free."""
        result = await self._session.execute(
            update(outbox)
            .where(outbox.c.id == row_id, outbox.c.status == OUTBOX_PENDING)
            .values(
                next_attempt_at=next_attempt_at,
                last_error=error[:MAX_ERROR_CHARS],
                claimed_by=None,
                claimed_until=None,
            )
        )
        return rowcount(result) > 0

    async def mark_failed(self, row_id: int, error: str) -> bool:
        """Give up on a row (permanent error or too many attempts)."""
        result = await self._session.execute(
            update(outbox)
            .where(outbox.c.id == row_id, outbox.c.status == OUTBOX_PENDING)
            .values(
                status=OUTBOX_FAILED,
                last_error=error[:MAX_ERROR_CHARS],
                claimed_by=None,
                claimed_until=None,
            )
        )
        return rowcount(result) > 0

    async def delete_pending_for(self, mm_user_id: str) -> int:
        result = await self._session.execute(
            delete(outbox).where(
                outbox.c.mm_user_id == mm_user_id, outbox.c.status == OUTBOX_PENDING
            )
        )
        return rowcount(result)

    async def get_by_key(self, idempotency_key: str) -> OutboxRow | None:
        row = (
            (
                await self._session.execute(
                    select(outbox).where(outbox.c.idempotency_key == idempotency_key)
                )
            )
            .mappings()
            .first()
        )
        return _row(row) if row is not None else None

    async def list_for(self, mm_user_id: str) -> list[OutboxRow]:
        rows = (
            (
                await self._session.execute(
                    select(outbox)
                    .where(outbox.c.mm_user_id == mm_user_id)
                    .order_by(outbox.c.due_at, outbox.c.id)
                )
            )
            .mappings()
            .all()
        )
        return [_row(r) for r in rows]

    async def pending_count(self) -> int:
        query = select(func.count()).select_from(outbox).where(outbox.c.status == OUTBOX_PENDING)
        return int((await self._session.execute(query)).scalar_one())

    async def prune(self, before: datetime) -> int:
        """Drop sent and failed rows created before `before` (their keys may then recur)."""
        result = await self._session.execute(
            delete(outbox).where(
                outbox.c.status.in_((OUTBOX_SENT, OUTBOX_FAILED)), outbox.c.created_at < before
            )
        )
        return rowcount(result)
