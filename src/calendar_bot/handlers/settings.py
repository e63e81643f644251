"""Settings: reminder leads, the daily digest."""

from __future__ import annotations

from dataclasses import replace

from calendar_bot.domain.model import UserSettings
from calendar_bot.domain.reminders import valid_lead
from calendar_bot.handlers.base import Handlers
from calendar_bot.inbound import ActionClick, ActionResult
from calendar_bot.records import StoredUser
from calendar_bot.services.profiles import Person
from calendar_bot.views import actions, common
from calendar_bot.views import settings as settings_views


class SettingsHandlers(Handlers):
    async def _settings(self, event: ActionClick, user: StoredUser, person: Person) -> ActionResult:
        current = user.settings
        chosen = event.selected_option or ""
        on = event.payload.get("on") == "1"
        updated: UserSettings | None = None
        if event.action == actions.SETTINGS:
            return ActionResult(
                update=settings_views.settings_view(current, person.locale, self.ctx.clock.now())
            )
        if event.action == actions.SETTINGS_REMINDER:
            if chosen == "off":
                updated = replace(current, reminder_lead=None)
            elif chosen.isdigit() and valid_lead(int(chosen)):
                updated = replace(current, reminder_lead=int(chosen))
            else:
                return ActionResult(ephemeral=common.button_expired(person.locale).text)
        elif event.action == actions.SETTINGS_AT_START:
            updated = replace(current, remind_at_start=on)
        elif event.action == actions.SETTINGS_DIGEST:
            updated = replace(current, digest_enabled=on)
        elif event.action == actions.SETTINGS_DIGEST_EMPTY:
            updated = replace(current, digest_when_empty=on)
        elif event.action == actions.SETTINGS_DIGEST_HOUR:
            if not (chosen.isdigit() and 0 <= int(chosen) <= 23):
                return ActionResult(ephemeral=common.button_expired(person.locale).text)
            updated = replace(current, digest_hour=int(chosen))
        if updated is None:
            return ActionResult(ephemeral=common.button_expired(person.locale).text)
        await self.accounts.update_settings(user.mm_user_id, updated)
        return ActionResult(
            update=settings_views.settings_view(
                updated, person.locale, self.ctx.clock.now(), saved=True
            )
        )
