"""Presence in Mattermost (issue 18, item 4): at each minute mark, for everyone who chose it,
set the custom status (and Do Not Disturb) during their meetings and restore what was there
after; `domain/presence.py` decides, this acts through ports.PresenceGateway.

Exactly once across replicas: a person's status is only touched under their presence row's
claim (storage/repositories/presence.py), and what to do is decided again under the claim
from what is stored then, so a replica that decided on an older row does nothing twice.
A restart mid-meeting finds the row and carries on: restores at the end what was there.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from calendar_bot.domain.presence import (
    DND,
    Held,
    PresenceMode,
    Step,
    busy_until,
    plan,
    restored,
    status_to_restore,
    still_ours,
)
from calendar_bot.ports import PresenceGateway, PresenceRefused, PresenceUnavailable
from calendar_bot.records import StoredUser
from calendar_bot.services.context import Context
from calendar_bot.views.presence import meeting_status

log = logging.getLogger(__name__)

TICK_NAME = "presence"
CLAIM = timedelta(minutes=2)  # a replica's hold on one person's status while it acts
LOOK_AHEAD = timedelta(days=1)  # meetings read to find where a busy stretch ends
PERMISSION_RECHECK = timedelta(minutes=15)  # an admin's grant is noticed without a restart


def mode_of(user: StoredUser | None) -> PresenceMode:
    if user is None or user.needs_reconnect:
        return PresenceMode.OFF
    return user.settings.presence


class PresenceService:
    def __init__(self, ctx: Context, gateway: PresenceGateway) -> None:
        self._ctx = ctx
        self._gateway = gateway
        self._checked_at: datetime | None = None

    async def refresh_permission(self, now: datetime) -> bool:
        """Whether the bot may change people's status (learnt again every quarter hour)."""
        if self._checked_at is None or now - self._checked_at >= PERMISSION_RECHECK:
            try:
                self._ctx.may_set_presence = await self._gateway.may_set_presence()
                self._checked_at = now
            except Exception as exc:  # unreachable now: keep what was known
                log.info("could not learn the bot's permissions: %s", exc)
        return self._ctx.may_set_presence

    async def tick(self, now: datetime) -> int:
        """Set, move or restore statuses as the meetings at `now` say; returns how many
        people's status changed."""
        changed = 0
        if await self.refresh_permission(now):
            async with self._ctx.transaction() as store:
                users = {u.mm_user_id: u for u in await store.users.list_all()}
                held = await store.presence.held()
                wanted: dict[str, datetime | None] = {}
                for user_id, user in users.items():
                    if mode_of(user) is not PresenceMode.OFF:
                        meetings = await store.snapshot.between(user_id, now, now + LOOK_AHEAD)
                        wanted[user_id] = busy_until(meetings, now)
            for user_id in sorted(set(wanted) | set(held)):
                person = users.get(user_id)
                until = wanted.get(user_id)
                if plan(mode_of(person), until, held.get(user_id)) is Step.KEEP:
                    continue
                try:
                    if await self._act(user_id, person, until, now):
                        changed += 1
                except Exception:  # one person's trouble stops nobody else's status
                    log.exception("presence of %s failed; its claim runs out", user_id)
        async with self._ctx.transaction() as store:
            await store.scheduler.set_tick(TICK_NAME, now, now=now)
        return changed

    async def _act(
        self, user_id: str, user: StoredUser | None, until: datetime | None, now: datetime
    ) -> bool:
        async with self._ctx.transaction() as store:
            claimed, held = await store.presence.claim(user_id, now=now, until=now + CLAIM)
        if not claimed:
            return False  # another replica is at it
        mode = mode_of(user)
        step = plan(mode, until, held)  # again, from the row as it is under the claim
        try:
            if step is Step.START and until is not None and user is not None:
                result: Held | None = await self._start(user_id, user, mode, until, now)
            elif step is Step.EXTEND and until is not None and held is not None and user:
                result = await self._extend(user_id, user, held, until)
            elif step is Step.END and held is not None:
                await self._end(user_id, held, now)
                result = None
            else:
                await self._release(user_id, now)
                return False
        except PresenceRefused as exc:
            log.warning("Mattermost refused to change the status of %s: %s", user_id, exc)
            if step is Step.END:
                await self._forget(user_id)  # nothing can be restored; do not try each minute
            else:
                await self._release(user_id, now)
            return False
        except PresenceUnavailable as exc:
            log.info("presence of %s not changed now (%s); again next minute", user_id, exc)
            await self._release(user_id, now)
            return False
        async with self._ctx.transaction() as store:
            if result is None:
                await store.presence.forget([user_id])
            else:
                await store.presence.save(user_id, result, now=now)
        return True

    async def _start(
        self, user_id: str, user: StoredUser, mode: PresenceMode, until: datetime, now: datetime
    ) -> Held:
        seen = await self._gateway.seen(user_id)
        ours = meeting_status(until, user.settings.locale, user.settings.timezone)
        previous = seen.custom if seen.custom is not None and seen.custom.live_at(now) else None
        dnd = mode is PresenceMode.STATUS_DND and seen.status != DND
        held = Held(until, ours, True, dnd, previous, seen.status if dnd else "")
        # What to restore is stored before anything changes: a crash between the change and
        # the save must not leave the bot's own status to be "restored" later.
        async with self._ctx.transaction() as store:
            await store.presence.save(user_id, held, now=now, keep_claim=True)
        try:
            await self._gateway.set_custom_status(user_id, ours)
        except PresenceUnavailable:
            await self._forget(user_id)  # nothing changed: try again next minute
            raise
        except PresenceRefused:
            # Kept, owning nothing: not tried again each minute, nothing restored after.
            async with self._ctx.transaction() as store:
                await store.presence.save(
                    user_id, replace(held, custom_owned=False, dnd_owned=False), now=now
                )
            raise
        if dnd:
            try:
                await self._gateway.set_status(user_id, DND, until)
            except (PresenceRefused, PresenceUnavailable) as exc:
                log.info("DND for %s not set (%s); the status is", user_id, exc)
                held = replace(held, dnd_owned=False)
        return held

    async def _extend(self, user_id: str, user: StoredUser, held: Held, until: datetime) -> Held:
        seen = await self._gateway.seen(user_id)
        custom, dnd = still_ours(held, seen)
        ours = held.ours
        if custom:
            ours = meeting_status(until, user.settings.locale, user.settings.timezone)
            await self._gateway.set_custom_status(user_id, ours)
        if dnd:
            await self._gateway.set_status(user_id, DND, until)
        return replace(held, until=until, ours=ours, custom_owned=custom, dnd_owned=dnd)

    async def _end(self, user_id: str, held: Held, now: datetime) -> None:
        seen = await self._gateway.seen(user_id)
        custom, dnd = still_ours(held, seen)
        if custom:
            back = restored(held, now)
            if back is not None:
                await self._gateway.set_custom_status(user_id, back)
            else:
                await self._gateway.clear_custom_status(user_id)
        if dnd:
            await self._gateway.set_status(user_id, status_to_restore(held))

    async def _release(self, user_id: str, now: datetime) -> None:
        async with self._ctx.transaction() as store:
            await store.presence.release(user_id, now=now)

    async def _forget(self, user_id: str) -> None:
        async with self._ctx.transaction() as store:
            await store.presence.forget([user_id])
