"""Who is talking: the Mattermost profile (language, zone, e-mail), cached briefly."""

from __future__ import annotations

import time
from dataclasses import dataclass

from calendar_bot.i18n import normalize_locale
from calendar_bot.ports import Chat, ChatUser

TTL_SECONDS = 300.0


@dataclass(frozen=True, slots=True)
class Person:
    user: ChatUser
    locale: str  # "ru" or "en"
    timezone: str  # an IANA name: the profile's, or the bot's default


class Profiles:
    def __init__(self, chat: Chat, default_tz: str) -> None:
        self._chat = chat
        self._default_tz = default_tz
        self._cache: dict[str, tuple[float, Person]] = {}

    def cached(self, user_id: str) -> Person | None:
        """The profile if it was fetched lately, without asking Mattermost."""
        hit = self._cache.get(user_id)
        if hit is not None and time.monotonic() - hit[0] < TTL_SECONDS:
            return hit[1]
        return None

    async def get(self, user_id: str) -> Person:
        hit = self.cached(user_id)
        if hit is not None:
            return hit
        user = await self._chat.get_user(user_id)
        person = Person(
            user=user,
            locale=normalize_locale(user.locale),
            timezone=user.timezone or self._default_tz,
        )
        self._cache[user_id] = (time.monotonic(), person)
        return person

    def forget(self, user_id: str) -> None:
        self._cache.pop(user_id, None)
