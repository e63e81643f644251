"""Slash command registration as the server does it: the permission, the duplicate trigger,
and the list a restarted bot finds its token in (api4/command.go `createCommand`,
`listCommands`; app/command.go `createCommand`)."""

from __future__ import annotations

from typing import Any

import aiohttp

from tests.contract.conftest import World
from tests.contract.harness import Client
from tests.support.emulator import EmulatorFactory


def _command(team_id: str, trigger: str = "calendar") -> dict[str, Any]:
    return {
        "team_id": team_id,
        "trigger": trigger,
        "url": "http://127.0.0.1:9/commands",
        "method": "P",
        "auto_complete": True,
    }


async def test_a_second_command_with_the_same_trigger_is_refused(world: World) -> None:
    team_id = world.emulator.team_id
    first = await world.bot.post("/commands", _command(team_id))
    assert first.status == 201
    for trigger in ("calendar", "Calendar", "echo"):  # same, upper-cased, a built-in one
        again = await world.bot.post("/commands", _command(team_id, trigger))
        assert again.status == 400, trigger
        assert again.body["id"] == "api.command.duplicate_trigger.app_error"
    assert len(world.emulator.store.commands) == 1


async def test_own_commands_are_listed_with_their_token(world: World) -> None:
    team_id = world.emulator.team_id
    created = (await world.bot.post("/commands", _command(team_id))).body
    await world.alice.post("/commands", _command(team_id, "other"))

    mine = await world.bot.get("/commands", team_id=team_id, custom_only="true")
    assert mine.status == 200
    assert [(c["trigger"], c["token"], c["id"]) for c in mine.body] == [
        ("calendar", created["token"], created["id"])
    ]
    missing = await world.bot.get("/commands")
    assert missing.status == 400
    assert missing.body["id"] == "api.context.invalid_param.app_error"


async def test_without_the_permission_create_and_custom_list_are_403(
    make_emulator: EmulatorFactory,
) -> None:
    emulator = await make_emulator(members_manage_commands=False)
    _, token = emulator.create_bot("calbot")
    async with aiohttp.ClientSession() as http:
        bot = Client(http, emulator.base_url, token)
        created = await bot.post("/commands", _command(emulator.team_id))
        listed = await bot.get("/commands", team_id=emulator.team_id, custom_only="true")
        visible = await bot.get("/commands", team_id=emulator.team_id)
    for refused in (created, listed):
        assert refused.status == 403
        assert refused.body["id"] == "api.context.permissions.app_error"
    assert (visible.status, visible.body) == (200, [])
    assert emulator.store.commands == {}
