"""Find a time together (issue #17 item 1): the best few slots for the person and the people
they name, from what the bot already knows.

Busy times come from the stored snapshots: the person's own, and those of the named people
**who have connected their calendars to the bot**, as intervals only (domain.availability's
`Busy` holds a start and an end and nothing else, so no title, place or attendee of anyone
else's meeting can reach the answer or the log). Everyone else is "availability unknown".
Each person's working hours and zone are their own.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from calendar_bot.domain.availability import busy_from, working_hours
from calendar_bot.domain.find_request import FindRequest
from calendar_bot.domain.slots import Person as SlotPerson
from calendar_bot.domain.slots import SlotSearch, day_bounds, find_slots
from calendar_bot.domain.zones import zone
from calendar_bot.ports import ChatUser
from calendar_bot.records import StoredUser
from calendar_bot.services.context import HORIZON_DAYS, Context
from calendar_bot.services.profiles import Person


@dataclass(frozen=True, slots=True)
class Invitee:
    """Someone to invite, as the answer names them and the wizard needs them."""

    key: str  # "@username", or the e-mail as typed
    email: str  # "" when the chat does not show it: then they cannot be invited by mail
    name: str
    connected: bool = False  # whether their availability is known


@dataclass(frozen=True, slots=True)
class FoundTimes:
    request: FindRequest
    search: SlotSearch
    invitees: tuple[Invitee, ...]
    not_found: tuple[str, ...]  # usernames nobody in the chat has
    searched_until: datetime  # the end of the range searched (the snapshot's horizon at most)


class FindTimeService:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    async def find(self, user: StoredUser, person: Person, request: FindRequest) -> FoundTimes:
        ctx = self._ctx
        now = ctx.clock.now()
        own_zone = zone(person.timezone, ctx.default_tz)
        start, end = day_bounds(request.days.first, request.days.last, own_zone)
        # The snapshot holds HORIZON_DAYS ahead: beyond it nobody's calendar is known.
        end = min(end, now + timedelta(days=HORIZON_DAYS))
        named, not_found = await self._resolve(person, request)
        people = [SlotPerson(f"@{person.user.username}", own_zone, working_hours(user.settings))]
        async with ctx.transaction() as store:
            stored = await store.users.get_many([c.id for _, c in named if c is not None])
            people[0] = replace(
                people[0], busy=busy_from(await store.snapshot.between(user.mm_user_id, start, end))
            )
            for invitee, chat_user in named:
                other = stored.get(chat_user.id) if chat_user is not None else None
                if other is None:  # not connected to the bot: availability unknown
                    their_zone = zone(chat_user.timezone if chat_user else "", person.timezone)
                    people.append(SlotPerson(invitee.key, their_zone, busy=None))
                    continue
                busy = busy_from(await store.snapshot.between(other.mm_user_id, start, end))
                people.append(
                    SlotPerson(
                        invitee.key,
                        zone(other.settings.timezone, ctx.default_tz),
                        working_hours(other.settings),
                        busy,
                    )
                )
        search = find_slots(
            people,
            duration=timedelta(minutes=request.duration_minutes),
            start=start,
            end=end,
            now=now,
        )
        invitees = tuple(
            replace(invitee, connected=invitee.key not in search.unknown) for invitee, _ in named
        )
        return FoundTimes(request, search, invitees, not_found, end)

    async def _resolve(
        self, person: Person, request: FindRequest
    ) -> tuple[list[tuple[Invitee, ChatUser | None]], tuple[str, ...]]:
        """The named people, each once and never the person themselves; unknown usernames."""
        named: list[tuple[Invitee, ChatUser | None]] = []
        seen = {person.user.username.lower(), person.user.email.lower()}
        not_found: list[str] = []
        for username in request.usernames:
            if username.lower() in seen:
                continue
            seen.add(username.lower())
            chat_user = await self._ctx.chat.get_user_by_username(username)
            if chat_user is None or chat_user.is_bot:
                not_found.append(username)
                continue
            seen.add(chat_user.email.lower())
            invitee = Invitee(
                f"@{chat_user.username}", chat_user.email.lower(), chat_user.display_name
            )
            named.append((invitee, chat_user))
        for email in request.emails:
            if email.lower() not in seen:
                seen.add(email.lower())
                named.append((Invitee(email.lower(), email.lower(), ""), None))
        return named, tuple(not_found)
