"""What every service needs, built once by the app (or a test) and passed around."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from calendar_bot.clock import Clock
from calendar_bot.domain.model import TimeWindow, UserSettings
from calendar_bot.ports import CalendarGateway, Chat, UnitOfWork
from calendar_bot.vault import Vault

HORIZON_DAYS = 14


@dataclass
class Context:
    clock: Clock
    vault: Vault
    # One transaction over the store: `async with ctx.transaction() as store: ...`
    transaction: UnitOfWork
    calendars: CalendarGateway
    chat: Chat
    caldav_base_url: str
    default_tz: str = "Europe/Moscow"
    check_interval: timedelta = timedelta(seconds=60)
    default_reminder_minutes: int = 15
    default_digest_hour: int = 9
    poll_concurrency: int = 64
    # Whether the bot may delete a person's post (a password typed into the chat): learnt at
    # start from its roles; the typed-password fallback says honestly what happens.
    may_delete_posts: bool = False
    # Whether the bot may change people's Mattermost status (presence during meetings):
    # its roles grant `manage_system` or `edit_other_users`; learnt at start and again by the
    # presence job, so an admin's grant is noticed without a restart.
    may_set_presence: bool = False
    # VIDEO_LINK_TEMPLATE: a meeting's video link with `{room}` for a random room; "": off.
    video_link_template: str = ""

    def default_settings(self, locale: str = "ru", timezone: str = "") -> UserSettings:
        return UserSettings(
            locale=locale,
            timezone=timezone or self.default_tz,
            reminder_leads=(
                (self.default_reminder_minutes, 0) if self.default_reminder_minutes > 0 else (0,)
            ),
            digest_hour=self.default_digest_hour,
        )


def sync_window(moment: datetime, phase: timedelta = timedelta(0)) -> TimeWindow:
    """The horizon kept in the snapshot: from the start of yesterday (UTC) for HORIZON_DAYS + 1,
    the day starting `phase` after midnight UTC (see window_phase).

    Aligned to days so that it moves once a day: an unchanged calendar is re-expanded
    once a day, not on every poll. Whatever the phase, it starts at least a day before
    `moment` and ends more than HORIZON_DAYS after it.
    """
    shifted = (moment - phase).astimezone(UTC)
    day = shifted.replace(hour=0, minute=0, second=0, microsecond=0) + phase
    return TimeWindow(day - timedelta(days=1), day + timedelta(days=HORIZON_DAYS + 1))


WINDOW_SPAN = timedelta(days=HORIZON_DAYS + 2)  # the length of every sync_window


@functools.lru_cache(maxsize=2**17)  # asked for every user at every poll
def window_phase(user_id: str) -> timedelta:
    """When in the UTC day this user's horizon moves: a minute of the day fixed by the id.

    Were every horizon to move at midnight UTC, the first cycle after it would fetch and
    expand again every calendar outside the gateway's cache (all of them, for thousands of
    users); spread this way, about 1/1440 of the users move each minute.
    """
    digest = hashlib.blake2b(user_id.encode(), digest_size=4).digest()
    return timedelta(minutes=int.from_bytes(digest) % 1440)
