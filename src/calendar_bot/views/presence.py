"""The custom status text the bot sets during a meeting, in the person's language and zone."""

from __future__ import annotations

from datetime import datetime

from calendar_bot.domain.presence import EMOJI, CustomStatus
from calendar_bot.domain.zones import zone
from calendar_bot.i18n import t


def meeting_status(until: datetime, locale: str, timezone: str) -> CustomStatus:
    """'📅 In a meeting until 15:30' (the emoji is its own field), expiring at `until`."""
    local = until.astimezone(zone(timezone))
    text = t(locale, "presence.status", time=f"{local:%H:%M}")
    return CustomStatus(EMOJI, text, "date_and_time", until)
