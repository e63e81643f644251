"""Each inbound post handled by exactly one replica.

Every replica listens on its own WebSocket and so sees every `posted` event. Before handling
one, a replica claims the post by its id with an atomic insert into `used_callbacks`: the
first insert wins and the other replicas skip the post.

On PostgreSQL the claim's transaction stays open while the post is handled and commits after
the reply went out. Another replica's insert of the same key waits on that open transaction:
if the handler finishes, the insert finds the key and skips; if the handling replica dies
(SIGKILL, lost host), PostgreSQL rolls its transaction back when the connection drops, the
waiting insert succeeds and that replica handles the post instead - nothing is lost. Because a
replica's listener handles one person's posts in order, the wait also keeps a person's posts
in order across replicas. Replies carry keys derived from the post id (`replying_to`), so a
post handled anew after a crash re-sends nothing Mattermost already has.

SQLite serves one process only (one connection for every transaction): the claim commits at
once and the post is handled after it.

Button clicks, dialog submissions and slash commands come over HTTP, one request to one
replica; they pass through unchanged (clicks and dialogs are guarded against replays by
`web.py`).
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from calendar_bot.clock import Clock
from calendar_bot.inbound import (
    ActionClick,
    ActionResult,
    CommandResult,
    DialogResult,
    DialogSubmission,
    Dispatcher,
    IncomingMessage,
    ProfileChanged,
    RefusedAction,
    SlashCommand,
    replying_to,
)
from calendar_bot.mattermost.metrics import WEBSOCKET_EVENTS
from calendar_bot.mattermost.replay import callback_key
from calendar_bot.storage.repositories import transaction

log = logging.getLogger(__name__)


class ClaimedPosts:
    """Implements inbound.Dispatcher around another: posts are claimed before handling."""

    def __init__(
        self,
        inner: Dispatcher,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        hold: bool,
    ) -> None:
        """`hold`: keep the claim's transaction open while handling (PostgreSQL)."""
        self._inner = inner
        self._sessions = sessions
        self._clock = clock
        self._hold = hold

    async def on_message(self, event: IncomingMessage) -> None:
        key = callback_key("p", event.post_id)
        async with transaction(self._sessions) as store:
            if not await store.callbacks.use(key, now=self._clock.now()):
                WEBSOCKET_EVENTS.labels("handled_elsewhere").inc()
                return
            if self._hold:
                await self._handle(event)
                return
        await self._handle(event)

    async def _handle(self, event: IncomingMessage) -> None:
        with replying_to(event.post_id):
            await self._inner.on_message(event)

    async def on_action(self, event: ActionClick | RefusedAction) -> ActionResult:
        return await self._inner.on_action(event)

    async def on_dialog(self, event: DialogSubmission) -> DialogResult:
        return await self._inner.on_dialog(event)

    async def on_command(self, event: SlashCommand) -> CommandResult:
        return await self._inner.on_command(event)

    async def on_profile_changed(self, event: ProfileChanged) -> None:
        # Every replica forgets its cached profile; storing the new one twice is harmless.
        await self._inner.on_profile_changed(event)
