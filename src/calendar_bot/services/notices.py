"""Notices in and out of the outbox: each notice with its key and its payload, each row back
into its notice (the codec and the keys live in domain.notice_codec and domain.notice_keys)."""

from __future__ import annotations

from datetime import datetime

from calendar_bot.domain.notice_codec import decode, encode
from calendar_bot.domain.notice_keys import idempotency_key
from calendar_bot.domain.notices import Notice
from calendar_bot.records import OutboxItem, OutboxRow


def outbox_item(user_id: str, notice: Notice, *, due_at: datetime | None = None) -> OutboxItem:
    """The outbox row that tells `notice` to `user_id` (due at once unless `due_at`)."""
    kind, payload = encode(notice)
    return OutboxItem(
        mm_user_id=user_id,
        idempotency_key=idempotency_key(user_id, notice),
        kind=kind,
        payload=payload,
        due_at=due_at,
    )


def notice_of(row: OutboxRow) -> Notice:
    """The notice a row holds, whichever release enqueued it. Raises NoticeCodecError."""
    return decode(row.kind, row.payload)
