"""The create-meeting wizard's use case: the pure state machine in, its effects performed
(usernames resolved in the chat, the meeting written to the calendar), outcomes out.

It renders nothing: the handler gives the outcomes to views.wizard.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from calendar_bot.domain import wizard
from calendar_bot.domain.availability import busy_from, own_conflicts, working_hours
from calendar_bot.domain.find_request import DayRange, FindRequest, default_range
from calendar_bot.domain.model import CalendarRef, NewEvent, Occurrence, new_event_uid
from calendar_bot.domain.sentence import (
    Ambiguity,
    AmbiguityKind,
    Field,
    MeetingDraft,
    SentenceParse,
)
from calendar_bot.domain.video import ROOM_ALPHABET, ROOM_LENGTH, video_link
from calendar_bot.domain.zones import zone
from calendar_bot.ports import CalendarError
from calendar_bot.records import StoredUser
from calendar_bot.services.context import Context
from calendar_bot.services.credentials import decrypt_credentials
from calendar_bot.services.find_time import FindTimeService
from calendar_bot.services.invitations import Invitations
from calendar_bot.services.profiles import Person

log = logging.getLogger(__name__)

_FIELD_STEPS = {
    Field.TITLE: wizard.Step.TITLE,
    Field.DATE: wizard.Step.DATE,
    Field.TIME: wizard.Step.TIME,
    Field.DURATION: wizard.Step.DURATION,
}


def _ask_about(
    ambiguity: Ambiguity, draft: MeetingDraft, today: date
) -> tuple[wizard.Step, wizard.WizardError, tuple[str, ...]]:
    """The step that settles an ambiguity, and what to say there."""
    options = tuple(
        o.isoformat() if isinstance(o, date) else o.strftime("%H:%M") for o in ambiguity.options
    )
    if ambiguity.kind is AmbiguityKind.HOUR:
        return wizard.Step.TIME, wizard.WizardError.AMBIGUOUS_HOUR, (ambiguity.fragment, *options)
    if ambiguity.kind is AmbiguityKind.DAY_MONTH:
        return wizard.Step.DATE, wizard.WizardError.AMBIGUOUS_DATE, (ambiguity.fragment, *options)
    if draft.day is not None and draft.day < today:  # a start in the past: its day or time
        return wizard.Step.DATE, wizard.WizardError.DATE_IN_PAST, ()
    return wizard.Step.TIME, wizard.WizardError.START_IN_PAST, ()


@dataclass
class WizardProgress:
    """What one answer led to: the outcomes to show, in order, and the draft now."""

    outcomes: list[wizard.Outcome] = field(default_factory=list)
    state: wizard.WizardState | None = None  # None: the wizard is over (created or cancelled)


class WizardService:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._find = FindTimeService(ctx)
        self._invitations = Invitations(ctx)

    @property
    def video_available(self) -> bool:
        return bool(self._ctx.video_link_template)

    def new_video_link(self) -> str:
        """A fresh link from VIDEO_LINK_TEMPLATE with a random room; "" when it is off."""
        room = "".join(secrets.choice(ROOM_ALPHABET) for _ in range(ROOM_LENGTH))
        return video_link(self._ctx.video_link_template, room)

    async def begin(self, user: StoredUser, person: Person) -> WizardProgress:
        state, effects = wizard.start(self._ctx.clock.now())
        return await self._perform(user, person, state, effects)

    async def begin_at_summary(
        self, user: StoredUser, person: Person, state: wizard.WizardState
    ) -> WizardProgress:
        """A wizard opened on its summary, everything filled in (a found slot)."""
        prompt = wizard.Prompt(wizard.Step.CONFIRM)
        return WizardProgress([await self.asked(user, person, state, prompt)], state)

    async def begin_from_sentence(
        self, user: StoredUser, person: Person, parse: SentenceParse
    ) -> WizardProgress:
        """A wizard from a typed sentence: what it said filled in; what it left out or open
        (a missing title, "в 3": 03:00 or 15:00?, an unknown @name) asked one step at a
        time, the first with why; then the summary. Nothing is guessed silently."""
        now = self._ctx.clock.now()
        today = wizard.local_today(now, zone(person.timezone, self._ctx.default_tz))
        draft = parse.draft
        resolved = await self._resolve(draft.usernames)
        handles = tuple(u.username for u in resolved.found)
        attendees = tuple((u.email, u.name) for u in resolved.found)
        attendees += tuple((e, "") for e in draft.emails if e not in dict(attendees))
        why: dict[wizard.Step, tuple[wizard.WizardError, tuple[str, ...]]] = {}
        asking = {_FIELD_STEPS[f] for f in parse.missing}
        if resolved.unknown:
            why[wizard.Step.ATTENDEES] = (wizard.WizardError.ATTENDEES_UNKNOWN, resolved.unknown)
        if draft.invalid_attendees:
            why[wizard.Step.ATTENDEES] = (
                wizard.WizardError.ATTENDEES_INVALID,
                draft.invalid_attendees,
            )
        for ambiguity in parse.ambiguities:
            step, error, detail = _ask_about(ambiguity, draft, today)
            why.setdefault(step, (error, detail))
        asking |= set(why)
        state = wizard.drafted(
            now,
            title=draft.title or "",
            day=draft.day,
            at=draft.at,
            duration=draft.duration_minutes,
            attendees=attendees,
            location=draft.location or (draft.video.link or "" if draft.video else ""),
            asking=tuple(asking),
            recurrence=draft.recurrence,
            # a pasted link as it is; "with video" asks the template for one (off: none)
            video=(draft.video.link or self.new_video_link()) if draft.video else "",
            handles=handles,
        )
        reason = why.get(state.step)
        prompt = wizard.Prompt(state.step, *reason) if reason else wizard.Prompt(state.step)
        return WizardProgress([await self.asked(user, person, state, prompt)], state)

    async def answer(
        self,
        user: StoredUser,
        person: Person,
        state: wizard.WizardState,
        event: wizard.WizardInput,
    ) -> WizardProgress:
        tz = zone(person.timezone, self._ctx.default_tz)
        if state.step is wizard.Step.CALENDAR and isinstance(event, wizard.Text):
            chosen = _calendar_named(await self.calendars(user), event.text)
            if chosen is None:
                prompt = wizard.Prompt(wizard.Step.CALENDAR, wizard.WizardError.CALENDAR_UNKNOWN)
                return WizardProgress([await self.asked(user, person, state, prompt)], state)
            event = wizard.Text(chosen.href)
        state, effects = wizard.step(state, event, now=self._ctx.clock.now(), tz=tz)
        return await self._perform(user, person, state, effects)

    async def add_video(
        self, user: StoredUser, person: Person, state: wizard.WizardState
    ) -> WizardProgress:
        """The summary's "Add video link" (a link made from the template), or its removal
        when the draft has one."""
        link = "" if state.video else self.new_video_link()
        return await self.answer(user, person, state, wizard.SetVideo(link))

    async def calendars(self, user: StoredUser) -> tuple[CalendarRef, ...]:
        """The person's calendars a meeting can go to: enabled and writable."""
        async with self._ctx.transaction() as store:
            refs = await store.calendars.list_for(user.mm_user_id)
        return tuple(c for c in refs if c.enabled and c.writable)

    async def _perform(
        self,
        user: StoredUser,
        person: Person,
        state: wizard.WizardState,
        effects: Sequence[wizard.Effect],
    ) -> WizardProgress:
        progress = WizardProgress(state=state)
        pending = list(effects)
        now = self._ctx.clock.now()
        tz = zone(person.timezone, self._ctx.default_tz)
        while pending:
            effect = pending.pop(0)
            if isinstance(effect, wizard.ResolveUsernames):
                resolved = await self._resolve(effect.usernames)
                state, more = wizard.step(state, resolved, now=now, tz=tz)
                progress.state = state
                pending.extend(more)
            elif isinstance(effect, wizard.Prompt):
                progress.outcomes.append(await self.asked(user, person, state, effect))
            elif isinstance(effect, wizard.Cancelled):
                progress.outcomes.append(effect)
                progress.state = None
            else:
                created = await self._create(user, person, effect.event, state.handles)
                if created is None:
                    # Keep the draft: the summary comes back so they can try again.
                    state = replace(state, step=wizard.Step.CONFIRM)
                    progress.state = state
                    progress.outcomes.append(wizard.NotCreated())
                    progress.outcomes.append(
                        await self.asked(user, person, state, wizard.Prompt(wizard.Step.CONFIRM))
                    )
                else:
                    names = {c.href: c.name for c in await self.calendars(user)}
                    name = names.get(created.event.calendar_href, "")
                    progress.outcomes.append(wizard.Created(created.event, name, created.told))
                    progress.state = None
        return progress

    async def asked(
        self, user: StoredUser, person: Person, state: wizard.WizardState, prompt: wizard.Prompt
    ) -> wizard.Asked:
        """The question `prompt` with what the person's own stored meetings say about it: the
        time step's free half-hours, the summary's overlapping meetings."""
        tz = zone(person.timezone, self._ctx.default_tz)
        now = self._ctx.clock.now()
        if prompt.step is wizard.Step.TIME:
            day = state.date or wizard.local_today(now, tz)
            begin, end = _day_bounds(day, tz)
            busy = busy_from(await self._meetings(user, begin, end))
            picks = wizard.time_picks(
                now, tz, day, busy=busy, duration=state.duration, hours=working_hours(user.settings)
            )
            return wizard.Asked(prompt, state, picks=tuple(picks))
        if prompt.step is wizard.Step.CONFIRM:
            calendars = await self.calendars(user)
            target = _target(calendars, state.calendar, user.settings.last_calendar)
            conflicts: tuple[Occurrence, ...] = ()
            start, finish = state.start_at(tz), state.end_at(tz)
            if start is not None and finish is not None:
                mine = await self._meetings(user, start, finish)
                conflicts = tuple(own_conflicts(start, finish, mine))
            return wizard.Asked(
                prompt,
                state,
                conflicts=conflicts,
                calendars=calendars,
                calendar=target,
                video=self.video_available,
            )
        if prompt.step is wizard.Step.CALENDAR:
            calendars = await self.calendars(user)
            target = _target(calendars, state.calendar, user.settings.last_calendar)
            return wizard.Asked(prompt, state, calendars=calendars, calendar=target)
        if prompt.step is wizard.Step.FIND:
            return await self._found(user, person, state, prompt, now)
        return wizard.Asked(prompt, state)

    async def _found(
        self,
        user: StoredUser,
        person: Person,
        state: wizard.WizardState,
        prompt: wizard.Prompt,
        now: datetime,
    ) -> wizard.Asked:
        """The FIND question: the best slots for the person and the draft's attendees, of the
        draft's length (an hour when not chosen yet), over the week of the draft's date (this
        week without one; next week once this week's working days are over), as find-a-time
        searches them."""
        tz = zone(person.timezone, self._ctx.default_tz)
        today = wizard.local_today(now, tz)
        handles = state.handles
        emails = tuple(email for email, _ in state.attendees)
        days: DayRange = default_range(today, state.date)
        request = FindRequest(
            state.duration or 60, handles, emails, days, state.duration is not None
        )
        found = await self._find.find(user, person, request)
        return wizard.Asked(prompt, state, slots=found.search.slots, unknown=found.search.unknown)

    async def _meetings(self, user: StoredUser, begin: datetime, end: datetime) -> list[Occurrence]:
        async with self._ctx.transaction() as store:
            return await store.snapshot.between(user.mm_user_id, begin, end)

    async def _resolve(self, usernames: Sequence[str]) -> wizard.UsernamesResolved:
        found: list[wizard.ResolvedUser] = []
        unknown: list[str] = []
        for name in usernames:
            user = await self._ctx.chat.get_user_by_username(name)
            if user is None or not user.email:
                unknown.append(name)
            else:
                found.append(wizard.ResolvedUser(name, user.email.lower(), user.display_name))
        return wizard.UsernamesResolved(found=tuple(found), unknown=tuple(unknown))

    async def _create(
        self, user: StoredUser, person: Person, event: NewEvent, handles: Sequence[str]
    ) -> _Written | None:
        ctx = self._ctx
        target = _target(
            await self.calendars(user), event.calendar_href, user.settings.last_calendar
        )
        if target is None:
            return None
        event = replace(
            event,
            uid=event.uid or new_event_uid(),
            organizer_email=user.email,
            organizer_name=person.user.display_name,
            reminder_minutes=next(iter(user.settings.leads), None),
        )
        # Recorded before the write: a poll that lands between the write and this record
        # would otherwise announce the meeting back to the person who just made it.
        async with ctx.transaction() as store:
            await store.own_events.add(user.mm_user_id, event.uid, now=ctx.clock.now())
        invitees = await self._invitations.invitees(user, handles)
        await self._invitations.before_write(invitees, event.uid)
        # The zone the wizard read the times in (the bot's TZ for a profile without one): a
        # series is written in it, so its weekdays and wall time are the person's.
        tz_name = zone(person.timezone, ctx.default_tz).key
        try:
            uid = await ctx.calendars.create_event(
                decrypt_credentials(user, ctx.vault), target.href, event, tz_name
            )
        except CalendarError as exc:
            log.info("create for %s failed: %s", user.mm_user_id, type(exc).__name__)
            return None
        async with ctx.transaction() as store:
            await store.users.schedule_poll(user.mm_user_id, ctx.clock.now())
            if target.href != user.settings.last_calendar:
                # the next meeting goes where this one went, unless chosen otherwise
                settings = replace(user.settings, last_calendar=target.href)
                await store.users.update_settings(user.mm_user_id, settings, now=ctx.clock.now())
        written = replace(event, uid=uid, calendar_href=target.href)
        await self._invitations.tell(person.user.username, written, invitees)
        return _Written(written, invitees.usernames)


@dataclass(frozen=True, slots=True)
class _Written:
    event: NewEvent
    told: tuple[str, ...]  # the @usernames told in Mattermost


def _target(calendars: Sequence[CalendarRef], chosen: str, last_used: str) -> CalendarRef | None:
    """Where the meeting goes: the chosen calendar, else the last used, else the first."""
    by_href = {c.href: c for c in calendars}
    return by_href.get(chosen) or by_href.get(last_used) or next(iter(calendars), None)


def _calendar_named(calendars: Sequence[CalendarRef], text: str) -> CalendarRef | None:
    """A calendar by its href (a pick) or its name as typed (any case)."""
    value = text.strip()
    for calendar in calendars:
        if calendar.href == value:
            return calendar
    folded = value.casefold()
    return next((c for c in calendars if c.name.strip().casefold() == folded), None)


def _day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The local day as instants, with a day's margin each side: a meeting from the evening
    before still blocks the morning."""
    begin = datetime.combine(day, datetime.min.time(), tz)
    return begin - timedelta(days=1), begin + timedelta(days=2)
