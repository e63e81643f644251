"""The one message about events shown in part only: enqueued with the snapshot that first
shows them cut, with a key that makes it once per (user, calendar, events, reasons)."""

from __future__ import annotations

from collections.abc import Sequence

from calendar_bot.domain.cuts import newly_cut
from calendar_bot.domain.model import Occurrence
from calendar_bot.domain.notices import CutEvent, CutEvents
from calendar_bot.records import OutboxItem
from calendar_bot.services.notices import outbox_item


def cut_notice(
    calendar_href: str, previous: Sequence[Occurrence], current: Sequence[Occurrence]
) -> CutEvents | None:
    """The notice of this calendar's newly cut events, or None when there are none."""
    events = tuple(
        CutEvent(o.title, o.cut, o.uid) for o in newly_cut(previous, current) if o.cut is not None
    )
    return CutEvents(events, calendar_href=calendar_href) if events else None


def cut_item(
    user_id: str, calendar_href: str, previous: Sequence[Occurrence], current: Sequence[Occurrence]
) -> OutboxItem | None:
    """The outbox row for this calendar's newly cut events, or None when there are none."""
    notice = cut_notice(calendar_href, previous, current)
    return outbox_item(user_id, notice) if notice is not None else None
