"""The create-meeting wizard's glue: the pure state machine in, messages and a CalDAV write out."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from calendar_bot.domain import wizard as wz
from calendar_bot.domain.model import NewEvent
from calendar_bot.ports import CalendarError
from calendar_bot.records import StoredUser
from calendar_bot.services.context import Context, zone
from calendar_bot.services.credentials import decrypt_credentials
from calendar_bot.services.profiles import Person
from calendar_bot.views import meetings as meeting_views
from calendar_bot.views import wizard as views
from calendar_bot.views.message import OutMessage

log = logging.getLogger(__name__)

# The domain's error codes, as the views name them (parser codes pass through unchanged).
_ERRORS: dict[wz.WizardError, tuple[str, dict[str, object]]] = {
    wz.WizardError.TITLE_TOO_LONG: ("title.too_long", {"max": wz.MAX_TITLE}),
    wz.WizardError.DATE_IN_PAST: ("date.past", {}),
    wz.WizardError.START_IN_PAST: ("time.past", {}),
    wz.WizardError.ATTENDEES_INVALID: ("attendees.invalid", {}),
    wz.WizardError.ATTENDEES_UNKNOWN: ("attendees.unknown", {}),
    wz.WizardError.DESCRIPTION_TOO_LONG: ("description.too_long", {"max": wz.MAX_DESCRIPTION}),
    wz.WizardError.LOCATION_TOO_LONG: ("location.too_long", {"max": wz.MAX_LOCATION}),
    wz.WizardError.UNEXPECTED_INPUT: ("unexpected", {}),
}


@dataclass
class WizardReply:
    messages: list[OutMessage] = field(default_factory=list)  # to post, in order
    state: wz.WizardState | None = None  # None: the wizard is over (created or cancelled)

    @property
    def prompt(self) -> OutMessage | None:
        """The live question (its buttons are removed when the next one is asked)."""
        return self.messages[-1] if self.state is not None and self.messages else None


class Creation:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    async def begin(self, user: StoredUser, person: Person) -> WizardReply:
        state, effects = wz.start(self._ctx.clock.now())
        return await self._run(user, person, state, effects)

    async def handle(
        self, user: StoredUser, person: Person, state: wz.WizardState, event: wz.WizardInput
    ) -> WizardReply:
        state, effects = wz.step(
            state, event, now=self._ctx.clock.now(), tz=zone(person.timezone, self._ctx.default_tz)
        )
        return await self._run(user, person, state, effects)

    def prompt_for(self, person: Person, state: wz.WizardState) -> OutMessage:
        """The question for the state's current step (e.g. back from the edit picker)."""
        return self._render(person, state, wz.Prompt(state.step))

    async def _run(
        self, user: StoredUser, person: Person, state: wz.WizardState, effects: Sequence[wz.Effect]
    ) -> WizardReply:
        reply = WizardReply(state=state)
        pending = list(effects)
        now = self._ctx.clock.now()
        tz = zone(person.timezone, self._ctx.default_tz)
        while pending:
            effect = pending.pop(0)
            if isinstance(effect, wz.ResolveUsernames):
                resolved = await self._resolve(effect.usernames)
                state, more = wz.step(state, resolved, now=now, tz=tz)
                reply.state = state
                pending.extend(more)
            elif isinstance(effect, wz.Prompt):
                reply.messages.append(self._render(person, state, effect))
            elif isinstance(effect, wz.Cancelled):
                reply.messages.append(views.wizard_cancelled(person.locale))
                reply.state = None
            elif isinstance(effect, wz.CreateEvent):
                created = await self._create(user, person, effect.event)
                if created is None:
                    reply.messages.append(meeting_views.meeting_error("unreachable", person.locale))
                    # Keep the draft: the summary comes back so they can try again.
                    state = replace(state, step=wz.Step.CONFIRM)
                    reply.state = state
                    reply.messages.append(self._render(person, state, wz.Prompt(wz.Step.CONFIRM)))
                else:
                    reply.messages.append(views.wizard_created(created, person.locale, tz, now))
                    reply.state = None
        return reply

    async def _resolve(self, usernames: Sequence[str]) -> wz.UsernamesResolved:
        found: list[wz.ResolvedUser] = []
        unknown: list[str] = []
        for name in usernames:
            user = await self._ctx.chat.get_user_by_username(name)
            if user is None or not user.email:
                unknown.append(name)
            else:
                found.append(wz.ResolvedUser(name, user.email.lower(), user.display_name))
        return wz.UsernamesResolved(found=tuple(found), unknown=tuple(unknown))

    async def _create(self, user: StoredUser, person: Person, event: NewEvent) -> NewEvent | None:
        ctx = self._ctx
        async with ctx.transaction() as store:
            calendars = await store.calendars.list_for(user.mm_user_id)
        target = next((c for c in calendars if c.enabled and c.writable), None)
        if target is None:
            return None
        event = replace(
            event,
            uid=event.uid or f"{uuid.uuid4()}@calendar-bot",
            organizer_email=user.email,
            organizer_name=person.user.display_name,
            reminder_minutes=next(iter(user.settings.leads), None),
        )
        # Recorded before the write: a poll that lands between the write and this record
        # would otherwise announce the meeting back to the person who just made it.
        async with ctx.transaction() as store:
            await store.own_events.add(user.mm_user_id, event.uid, now=ctx.clock.now())
        try:
            uid = await ctx.calendars.create_event(
                decrypt_credentials(user, ctx.vault), target.href, event, person.timezone
            )
        except CalendarError as exc:
            log.info("create for %s failed: %s", user.mm_user_id, type(exc).__name__)
            return None
        async with ctx.transaction() as store:
            await store.users.schedule_poll(user.mm_user_id, ctx.clock.now())
        return replace(event, uid=uid)

    def _render(self, person: Person, state: wz.WizardState, prompt: wz.Prompt) -> OutMessage:
        now = self._ctx.clock.now()
        tz = zone(person.timezone, self._ctx.default_tz)
        locale = person.locale
        if prompt.step is wz.Step.CONFIRM and prompt.error is None:
            start = state.start_at(tz)
            if start is not None and state.duration is not None:
                return views.wizard_summary(
                    locale,
                    tz,
                    now,
                    title=state.title,
                    start=start,
                    duration_minutes=state.duration,
                    attendees=[name or email for email, name in state.attendees],
                    description=state.description,
                    location=state.location,
                )
        step = prompt.step.value if prompt.step in wz.EDITABLE else state.step.value
        if step not in views.STEPS:
            step = wz.Step.TITLE.value
        code: str | None = None
        params: dict[str, object] = {}
        if prompt.error is not None:
            code, params = _ERRORS.get(prompt.error, (prompt.error.value, {}))
            params = dict(params)
            if prompt.error is wz.WizardError.EMPTY:
                code = "title.empty" if step == wz.Step.TITLE.value else "input.empty"
            if prompt.detail:
                params["names"] = list(prompt.detail)
        return views.wizard_prompt(
            step, locale, tz, now, error=code, error_params=params, chosen_date=state.date
        )
