"""Presence, each minute mark: set, move or restore people's Mattermost status as their
meetings say (services/presence.py). Posts nothing, so it wakes no delivery."""

from __future__ import annotations

from datetime import datetime

from calendar_bot.scheduler import NamedJob
from calendar_bot.services.presence import TICK_NAME, PresenceService


def presence_job(presence: PresenceService) -> NamedJob:
    async def run(_since: datetime, mark: datetime) -> None:
        await presence.tick(mark)

    return NamedJob(TICK_NAME, run)
