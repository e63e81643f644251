"""Looking at meetings: the lists, one meeting's details, RSVP, the RAW view."""

from __future__ import annotations

from datetime import date, timedelta

from calendar_bot.domain.model import PartStat
from calendar_bot.handlers.base import Handlers
from calendar_bot.inbound import ActionClick, ActionResult
from calendar_bot.records import StoredUser
from calendar_bot.services.context import zone
from calendar_bot.services.meetings import MeetingError
from calendar_bot.services.profiles import Person
from calendar_bot.views import actions, common
from calendar_bot.views import meetings as meeting_views
from calendar_bot.views import settings as settings_views
from calendar_bot.views.message import OutMessage


class MeetingHandlers(Handlers):
    async def _menu(self, action: str, user: StoredUser, person: Person) -> list[OutMessage]:
        locale = person.locale
        tz = zone(person.timezone, self.ctx.default_tz)
        now = self.ctx.clock.now()
        today = now.astimezone(tz).date()
        user = await self._with_profile(user, person)
        if action == actions.HELP:
            return [common.help_view(locale)]
        if action == actions.MENU:
            return [common.main_menu(locale)]
        if action == actions.SETTINGS:
            return [settings_views.settings_view(user.settings, locale, now)]
        if action == actions.RAW:
            return [settings_views.raw_picker(await self.meetings.calendars(user), locale)]
        if action == actions.LOGOUT:
            return [settings_views.logout_confirm(locale)]
        if action == actions.MENU_TODAY:
            return await self._day(user, person, today)
        if action == actions.MENU_TOMORROW:
            return await self._day(user, person, today + timedelta(days=1))
        if action == actions.MENU_NOW:
            found = await self.meetings.on_days(user, today, 1)
            return meeting_views.now_and_next_view(found, locale, tz, now)
        if action == actions.MENU_WEEK:
            return await self._week(user, person, today)
        return [common.unknown_input(locale)]

    async def _day(self, user: StoredUser, person: Person, day: date) -> list[OutMessage]:
        """One day's meetings, with the way to the day before, the day after, any date."""
        tz = zone(person.timezone, self.ctx.default_tz)
        now = self.ctx.clock.now()
        found = await self.meetings.on_days(user, day, 1)
        messages = meeting_views.day_view(found, day, person.locale, tz, now)
        nav = meeting_views.day_nav(day, person.locale, now.astimezone(tz).date())
        return meeting_views.with_nav(messages, nav)

    async def _week(self, user: StoredUser, person: Person, first: date) -> list[OutMessage]:
        tz = zone(person.timezone, self.ctx.default_tz)
        found = await self.meetings.on_days(user, first, 7)
        messages = meeting_views.week_view(found, first, person.locale, tz, self.ctx.clock.now())
        return meeting_views.with_nav(messages, meeting_views.week_nav(first, person.locale))

    async def _browse(self, event: ActionClick, user: StoredUser, person: Person) -> ActionResult:
        """Another day or week from a list's buttons: the list changes in place."""
        if event.action == actions.LIST_OTHER_DATE:
            return ActionResult(ephemeral=meeting_views.other_date_hint(person.locale).text)
        try:
            day = date.fromisoformat(event.payload.get("day", ""))
        except ValueError:
            return ActionResult(ephemeral=common.button_expired(person.locale).text)
        user = await self._with_profile(user, person)
        if event.action == actions.LIST_WEEK:
            messages = await self._week(user, person, day)
        else:
            messages = await self._day(user, person, day)
        if len(messages) == 1:
            return ActionResult(update=messages[0])
        for message in messages:  # too long for one post: the parts go below
            await self._say(event.user_id, message)
        return ActionResult()

    async def _open_meeting(
        self, event: ActionClick, user: StoredUser, person: Person
    ) -> ActionResult:
        ref = event.selected_option or event.payload.get("ref", "")
        occurrence = await self.meetings.find(user, ref)
        if occurrence is None:
            return ActionResult(ephemeral=meeting_views.meeting_error("gone", person.locale).text)
        tz = zone(person.timezone, self.ctx.default_tz)
        details = meeting_views.meeting_details(occurrence, person.locale, tz, self.ctx.clock.now())
        await self._say(event.user_id, details)
        return ActionResult()

    async def _rsvp(self, event: ActionClick, user: StoredUser, person: Person) -> ActionResult:
        try:
            partstat = PartStat(event.payload.get("partstat", ""))
        except ValueError:
            return ActionResult(ephemeral=common.button_expired(person.locale).text)
        try:
            occurrence = await self.meetings.respond(user, event.payload.get("ref", ""), partstat)
        except MeetingError as exc:
            return ActionResult(ephemeral=meeting_views.meeting_error(exc.code, person.locale).text)
        tz = zone(person.timezone, self.ctx.default_tz)
        done = meeting_views.rsvp_done(
            occurrence, partstat, person.locale, tz, self.ctx.clock.now()
        )
        return ActionResult(update=done)

    async def _raw(self, event: ActionClick, user: StoredUser, person: Person) -> ActionResult:
        tz = zone(person.timezone, self.ctx.default_tz)
        try:
            name, xml = await self.meetings.raw(
                user, event.selected_option or "", self.ctx.clock.now().astimezone(tz).date()
            )
        except MeetingError as exc:
            return ActionResult(ephemeral=meeting_views.meeting_error(exc.code, person.locale).text)
        for part in settings_views.raw_xml(name, xml, person.locale):
            await self._say(event.user_id, part)
        return ActionResult()
