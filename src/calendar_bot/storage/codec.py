"""JSON codecs for the storage columns: a user's settings here; occurrences (the snapshot's
payload column) in domain.occurrence_codec, re-exported."""

from __future__ import annotations

from typing import Any

from calendar_bot.domain.model import PresenceMode, UserSettings
from calendar_bot.domain.occurrence_codec import CODEC_VERSION as CODEC_VERSION
from calendar_bot.domain.occurrence_codec import CodecError as CodecError
from calendar_bot.domain.occurrence_codec import attendee_from_json as attendee_from_json
from calendar_bot.domain.occurrence_codec import attendee_to_json as attendee_to_json
from calendar_bot.domain.occurrence_codec import occurrence_from_json as occurrence_from_json
from calendar_bot.domain.occurrence_codec import occurrence_to_json as occurrence_to_json


def settings_to_json(settings: UserSettings) -> dict[str, Any]:
    """The JSON part of a user's settings (locale and time zone live in their own columns).

    The reminder leads are stored as they always were, one list with 0 for "at the start"
    (`UserSettings.leads`; it held one lead and maybe 0 before, several now): rows need no
    migration, and a release rolled back to still reads them (it takes the largest lead).
    Quiet hours are [start, end] or null."""
    return {
        "reminder_minutes": list(settings.leads),
        "digest_enabled": settings.digest_enabled,
        "digest_hour": settings.digest_hour,
        "digest_when_empty": settings.digest_when_empty,
        "remind_all_day": settings.remind_all_day,
        "work_hours": [settings.work_start, settings.work_end],
        "work_days": list(settings.work_days),
        "presence": settings.presence.value,
        "last_calendar": settings.last_calendar,
        "quiet_hours": list(settings.quiet_hours) if settings.quiet_hours else None,
        "quiet_reminders": settings.quiet_reminders,
        "digest_work_days_only": settings.digest_work_days_only,
    }


def settings_from_json(data: dict[str, Any], *, locale: str, timezone: str) -> UserSettings:
    defaults = UserSettings()
    work_start, work_end = _work_hours(data.get("work_hours"), defaults)
    leads = _leads(data.get("reminder_minutes"), defaults)
    return UserSettings(
        locale=locale,
        timezone=timezone,
        reminder_leads=leads,
        digest_enabled=bool(data.get("digest_enabled", defaults.digest_enabled)),
        digest_hour=int(data.get("digest_hour", defaults.digest_hour)),
        digest_when_empty=bool(data.get("digest_when_empty", defaults.digest_when_empty)),
        remind_all_day=bool(data.get("remind_all_day", defaults.remind_all_day)),
        work_start=work_start,
        work_end=work_end,
        work_days=_work_days(data.get("work_days"), defaults),
        presence=_presence(data.get("presence")),
        last_calendar=str(data.get("last_calendar") or ""),
        quiet_hours=_quiet_hours(data.get("quiet_hours")),
        quiet_reminders=bool(data.get("quiet_reminders", defaults.quiet_reminders)),
        digest_work_days_only=bool(
            data.get("digest_work_days_only", defaults.digest_work_days_only)
        ),
    )


def _leads(value: Any, defaults: UserSettings) -> tuple[int, ...]:
    """The stored leads, largest first, without repeats; the defaults for rows without any."""
    if not isinstance(value, list):
        return defaults.leads
    return tuple(sorted({int(m) for m in value if int(m) >= 0}, reverse=True))


def _quiet_hours(value: Any) -> tuple[int, int] | None:
    if isinstance(value, list) and len(value) == 2 and all(isinstance(h, int) for h in value):
        start, end = value
        if 0 <= start <= 23 and 0 <= end <= 23 and start != end:
            return start, end
    return None


def _work_hours(value: Any, defaults: UserSettings) -> tuple[int, int]:
    """Stored [start, end) hours; the defaults for rows from before, or anything unreadable."""
    if isinstance(value, list) and len(value) == 2 and all(isinstance(h, int) for h in value):
        start, end = value
        if 0 <= start < end <= 23:
            return start, end
    return defaults.work_start, defaults.work_end


def _work_days(value: Any, defaults: UserSettings) -> tuple[int, ...]:
    if isinstance(value, list) and value and all(isinstance(d, int) and 0 <= d < 7 for d in value):
        return tuple(sorted(set(value)))
    return defaults.work_days


def _presence(raw: Any) -> PresenceMode:
    try:
        return PresenceMode(raw)
    except ValueError:
        return PresenceMode.OFF
