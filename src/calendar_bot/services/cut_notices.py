"""The one message about events shown in part only: enqueued with the snapshot that first
shows them cut, with a key that makes it once per (user, calendar, events, reasons)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from calendar_bot.domain.cuts import newly_cut
from calendar_bot.domain.model import Cut, Occurrence
from calendar_bot.records import OutboxItem

KIND_CUT = "cut"


def cut_item(
    user_id: str, calendar_href: str, previous: Sequence[Occurrence], current: Sequence[Occurrence]
) -> OutboxItem | None:
    """The outbox row for this calendar's newly cut events, or None when there are none."""
    cut = newly_cut(previous, current)
    if not cut:
        return None
    marks = sorted(f"{o.uid}\x1f{o.cut}" for o in cut)
    material = "\x1e".join([user_id, calendar_href, *marks])
    return OutboxItem(
        mm_user_id=user_id,
        idempotency_key="cut:" + hashlib.sha256(material.encode()).hexdigest()[:40],
        kind=KIND_CUT,
        payload={"events": [{"title": o.title, "cut": str(o.cut)} for o in cut]},
    )


def cuts_from_payload(payload: dict[str, object]) -> list[tuple[str, Cut]]:
    events = payload.get("events")
    if not isinstance(events, list):
        return []
    return [(str(e.get("title", "")), Cut(e["cut"])) for e in events if isinstance(e, dict)]
