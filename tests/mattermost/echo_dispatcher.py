"""A tiny dispatcher for the adapter's tests: it records every event and answers in kind."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from calendar_bot.inbound import (
    ActionClick,
    ActionResult,
    CommandResult,
    DialogResult,
    DialogSubmission,
    IncomingMessage,
    ProfileChanged,
    RefusedAction,
    SlashCommand,
)
from calendar_bot.views.message import Block, Button, OutMessage


@dataclass
class EchoDispatcher:
    messages: list[IncomingMessage] = field(default_factory=list)
    actions: list[ActionClick | RefusedAction] = field(default_factory=list)
    dialogs: list[DialogSubmission] = field(default_factory=list)
    commands: list[SlashCommand] = field(default_factory=list)
    profiles: list[ProfileChanged] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    reply: Callable[[IncomingMessage], Awaitable[None]] | None = None  # set by e2e tests
    on_click: Callable[[ActionClick], Awaitable[None]] | None = None  # set by e2e tests

    async def on_message(self, event: IncomingMessage) -> None:
        self.messages.append(event)
        if self.reply is not None:
            await self.reply(event)
        self.changed.set()

    async def on_profile_changed(self, event: ProfileChanged) -> None:
        self.profiles.append(event)
        self.changed.set()

    async def on_action(self, event: ActionClick | RefusedAction) -> ActionResult:
        self.actions.append(event)
        self.changed.set()
        if isinstance(event, RefusedAction):
            return ActionResult(ephemeral=f"refused:{event.reason}")
        if self.on_click is not None:
            await self.on_click(event)
        label = event.selected_option or event.payload.get("n", "")
        return ActionResult(
            update=OutMessage(
                f"clicked {event.action} {label}",
                (Block(text="next", buttons=(Button("Again", "again", {"n": "2"}),)),),
            ),
            ephemeral="done",
        )

    async def on_dialog(self, event: DialogSubmission) -> DialogResult:
        self.dialogs.append(event)
        self.changed.set()
        if not event.cancelled and event.submission.get("title") == "":
            return DialogResult(errors={"title": "required"})
        return DialogResult()

    async def on_command(self, event: SlashCommand) -> CommandResult:
        self.commands.append(event)
        self.changed.set()
        return CommandResult(
            text=f"echo {event.text}",
            message=OutMessage("", (Block(buttons=(Button("Go", "go"),)),)),
        )

    async def wait_for(self, predicate: Callable[[], bool], deadline: float = 10.0) -> None:
        """Wait until predicate() holds, with a deadline (no sleep-and-hope)."""
        async with asyncio.timeout(deadline):
            while not predicate():
                self.changed.clear()
                if predicate():
                    return
                await self.changed.wait()
