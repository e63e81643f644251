"""Typed inbound events: the contract between the transports (WebSocket, HTTP callbacks) and
the dispatcher. Transports only parse and verify; the dispatcher decides what to do."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal, Protocol

from calendar_bot.messages import OutMessage

RefusalReason = Literal["forged", "expired", "cross_user", "replayed"]


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    """A post somebody else wrote in a channel the bot is in (the bot's own posts never arrive)."""

    user_id: str
    channel_id: str
    post_id: str
    text: str
    is_dm: bool
    mentions_bot: bool
    root_id: str = ""


@dataclass(frozen=True, slots=True)
class ProfileChanged:
    """Someone's Mattermost profile changed (`user_updated`): language or time zone may differ."""

    user_id: str


@dataclass(frozen=True, slots=True)
class ActionClick:
    """A verified button click or menu choice: the signed context matched the acting user."""

    user_id: str
    channel_id: str
    post_id: str
    action: str
    payload: dict[str, str]
    selected_option: str | None
    trigger_id: str


@dataclass(frozen=True, slots=True)
class DialogSubmission:
    """A verified dialog submission (or cancellation when `cancelled`)."""

    user_id: str
    channel_id: str
    action: str
    payload: dict[str, str]
    submission: dict[str, object]
    cancelled: bool


@dataclass(frozen=True, slots=True)
class SlashCommand:
    user_id: str
    channel_id: str
    text: str
    trigger_id: str


@dataclass(frozen=True, slots=True)
class RefusedAction:
    """A callback whose signed context was forged, expired, signed for somebody else, or that
    was already acted on (a replay).

    The dispatcher answers it with a localized "no longer valid" text and changes nothing.
    """

    user_id: str
    reason: RefusalReason


@dataclass(frozen=True, slots=True)
class ActionResult:
    update: OutMessage | None = None  # replaces the clicked post
    ephemeral: str | None = None  # shown only to the clicking user


@dataclass(frozen=True, slots=True)
class DialogResult:
    errors: dict[str, str] | None = None  # per-field errors keep the dialog open
    error: str | None = None  # a general error keeps the dialog open


@dataclass(frozen=True, slots=True)
class CommandResult:
    text: str = ""
    message: OutMessage | None = None


class Dispatcher(Protocol):
    async def on_message(self, event: IncomingMessage) -> None: ...

    async def on_action(self, event: ActionClick | RefusedAction) -> ActionResult: ...

    async def on_dialog(self, event: DialogSubmission) -> DialogResult: ...

    async def on_command(self, event: SlashCommand) -> CommandResult: ...

    async def on_profile_changed(self, event: ProfileChanged) -> None: ...


class ReplyKeys:
    """Idempotency keys for the replies to one inbound post.

    The n-th reply to a post gets the same key whichever replica handles it, and again when a
    replica handles it anew after another died mid-way: Mattermost's pending-post
    de-duplication then returns the post already made instead of making a second one.
    """

    def __init__(self, post_id: str) -> None:
        self._post_id = post_id
        self._count = 0
        self.open = True

    def next(self) -> str:
        if not self.open:
            return ""  # work that outlived the handling (a background sync) is not a reply
        key = f"reply:{self._post_id}:{self._count}"
        self._count += 1
        return key


_REPLYING: ContextVar[ReplyKeys | None] = ContextVar("calendar_bot_replying", default=None)


@contextmanager
def replying_to(post_id: str) -> Iterator[None]:
    """Within the block, replies are keyed by `post_id` (see ReplyKeys)."""
    keys = ReplyKeys(post_id)
    token = _REPLYING.set(keys)
    try:
        yield
    finally:
        keys.open = False
        _REPLYING.reset(token)


def next_reply_key() -> str:
    """The key of the next reply to the post being handled; "" outside of one."""
    keys = _REPLYING.get()
    return keys.next() if keys is not None else ""
