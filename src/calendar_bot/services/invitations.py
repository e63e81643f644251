"""Telling Mattermost invitees (issue 17, item 6): a person who creates a meeting through
the bot with `@username` attendees has each of them told in a DM, once, through the outbox.

The DM is an `Invited` notice keyed by the invitee and the meeting's UID, so a retried create
or a second replica adds no second message. A connected invitee's answer (Accept / Maybe /
Decline) goes to their own copy of the meeting, found by its UID once their server has
delivered it (services.meetings.Meetings.answer_invitation). Their poll stays quiet about
that copy's arrival: the UID is recorded for them as already told, before the write, as the
organizer's own is (the DM has said it, with the buttons). What others do to the meeting
later (a move, a cancellation) reaches them as usual.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from calendar_bot.domain.model import Attendee, NewEvent, Occurrence, PartStat
from calendar_bot.domain.notices import Invited
from calendar_bot.ports import ChatUser
from calendar_bot.records import StoredUser
from calendar_bot.services.context import Context
from calendar_bot.services.notices import outbox_item

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Invitees:
    """The chat users a meeting invites by @username (never its organizer, never a bot),
    and which of them have a calendar connected."""

    people: tuple[ChatUser, ...] = ()
    connected: frozenset[str] = frozenset()  # their Mattermost user ids

    @property
    def usernames(self) -> tuple[str, ...]:
        return tuple(p.username for p in self.people)


def invitation_of(event: NewEvent) -> Occurrence:
    """The meeting as its invitees are told it (the organizer's data, no calendar)."""
    return Occurrence(
        calendar_href="",
        uid=event.uid,
        recurrence_id="",
        title=event.title,
        start=event.start,
        end=event.end,
        organizer=Attendee(event.organizer_email, event.organizer_name, PartStat.ACCEPTED),
        location=event.location,
        join_url=event.video_url or None,
        recurring=bool(event.rrule),
        rrule=event.rrule,
    )


class Invitations:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    async def invitees(self, organizer: StoredUser, handles: Sequence[str]) -> Invitees:
        """Who of `handles` (chat usernames) to tell: found, a person, not the organizer."""
        people: list[ChatUser] = []
        for handle in dict.fromkeys(h.lower() for h in handles):
            found = await self._ctx.chat.get_user_by_username(handle)
            if found is None or found.is_bot or found.id == organizer.mm_user_id:
                continue
            people.append(found)
        if not people:
            return Invitees()
        async with self._ctx.transaction() as store:
            stored = await store.users.get_many([p.id for p in people])
        return Invitees(tuple(people), frozenset(stored))

    async def before_write(self, invitees: Invitees, uid: str) -> None:
        """Before the meeting is written: the connected invitees' polls will not announce
        their copy of it as news (the bot's DM tells them)."""
        if not invitees.connected:
            return
        now = self._ctx.clock.now()
        async with self._ctx.transaction() as store:
            for user_id in sorted(invitees.connected):
                await store.own_events.add(user_id, uid, now=now)

    async def tell(self, inviter: str, event: NewEvent, invitees: Invitees) -> None:
        """After the write: one DM per invitee, through the outbox."""
        if not invitees.people:
            return
        meeting = invitation_of(event)
        items = [outbox_item(p.id, Invited(meeting, inviter)) for p in invitees.people]
        async with self._ctx.transaction() as store:
            await store.outbox.enqueue(items, now=self._ctx.clock.now())
        log.info("invitation told to %d people", len(items))
