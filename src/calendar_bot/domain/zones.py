"""Time zones by IANA name: the one place a name becomes a zone.

Strict where a wrong name is a bug (`as_zone`), lenient where the name comes from outside
(a Mattermost profile, a stored setting, a calendar's default): an unknown name there falls
back rather than failing a whole cycle.
"""

from __future__ import annotations

from datetime import UTC, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@lru_cache(maxsize=256)
def _lookup(name: str) -> ZoneInfo:
    # Cached: reminders and the digest look up every user's zone every minute.
    try:
        return ZoneInfo(name)
    except OSError as exc:
        # A directory of the zone database ("Europe") is no zone: IsADirectoryError here.
        raise ZoneInfoNotFoundError(name) from exc


def as_zone(tz: ZoneInfo | str) -> ZoneInfo:
    """The zone itself, or the zone of that name; an unknown name raises
    (ZoneInfoNotFoundError, or ValueError for a name that is no key at all)."""
    return tz if isinstance(tz, ZoneInfo) else _lookup(tz)


def known_zone(name: str) -> ZoneInfo | None:
    """The zone of that name, or None when there is no such zone."""
    try:
        return _lookup(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def zone(name: str, fallback: str = "Europe/Moscow") -> ZoneInfo:
    """A person's zone; an unknown name falls back to `fallback` (the bot's TZ)."""
    return known_zone(name) or _lookup(fallback)


def zone_of(name: str) -> tzinfo:
    """The IANA zone, or UTC for an unknown name (a calendar's default for floating times)."""
    return known_zone(name) or UTC
