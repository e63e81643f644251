"""`/calendar` on a real server: find the command the bot made before, make it once, or say
exactly what the admin must do when the bot may not.

Server behaviour this follows (mattermost/mattermost):
- `POST /commands` needs `manage_own_slash_commands` in the team (api4/command.go
  `createCommand`); the default `team_user` role lacks it, so a bot that is no team admin
  gets 403.
- A second command with the same trigger in the team is refused with 400
  `api.command.duplicate_trigger.app_error` (app/command.go `createCommand`), so creating the
  command on every start fails from the second start on.
- `GET /commands?team_id=…&custom_only=true` lists the caller's own commands with their
  tokens (api4/command.go `listCommands`), which is how a restarted bot gets its token back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from calendar_bot.logging_setup import secrets
from calendar_bot.mattermost.errors import MattermostError, MattermostForbidden
from calendar_bot.mattermost.rest import JSON, MattermostClient

log = logging.getLogger(__name__)

TRIGGER = "calendar"
DUPLICATE_TRIGGER = "api.command.duplicate_trigger.app_error"


def command_url(actions_url: str) -> str:
    """Where Mattermost must send `/calendar`: the bot's HTTP endpoint."""
    return f"{actions_url.rstrip('/')}/commands"


def admin_instruction(actions_url: str, team_id: str) -> str:
    """What an admin does when the bot may not create the command itself."""
    return (
        f"create /{TRIGGER} by hand in team {team_id} (Integrations > Slash Commands > Add: "
        f"trigger '{TRIGGER}', request URL {command_url(actions_url)}, method POST) and set "
        "MM_SLASH_COMMAND_TOKEN to its token; or give the bot account the "
        "manage_own_slash_commands permission (make it a team admin)"
    )


@dataclass(frozen=True, slots=True)
class SlashSetup:
    """The outcome: a token to check `/calendar` requests with, or why there is none."""

    token: str = ""
    created: bool = False
    problem: str = ""


def _ours(commands: list[JSON], team_id: str) -> JSON | None:
    for command in commands:
        same = command.get("trigger") == TRIGGER and command.get("team_id") == team_id
        if same and not command.get("delete_at"):
            return command
    return None


async def find_slash_command(client: MattermostClient, team_id: str) -> JSON | None:
    """The bot's `/calendar` in the team, or None; MattermostForbidden when it may not look."""
    return _ours(await client.list_own_commands(team_id), team_id)


async def ensure_slash_command(
    client: MattermostClient, team_id: str, actions_url: str
) -> SlashSetup:
    """Reuse the command made at an earlier start, else create it; never a duplicate."""
    url = command_url(actions_url)
    try:
        existing = await find_slash_command(client, team_id)
        if existing is not None:
            if existing.get("url") != url:
                log.warning(
                    "/%s exists but points to another URL; Mattermost sends it there, not to %s",
                    TRIGGER,
                    url,
                )
            return SlashSetup(token=str(existing.get("token", "")))
        command = await client.register_slash_command(
            team_id,
            TRIGGER,
            url,
            display_name="Calendar",
            description="Your calendar: today, week, new meeting",
            auto_complete_hint="[today|tomorrow|week|new|help]",
        )
    except MattermostForbidden:
        return SlashSetup(
            problem="the bot may not create slash commands: "
            + admin_instruction(actions_url, team_id)
        )
    except MattermostError as exc:
        if exc.error_id == DUPLICATE_TRIGGER:
            return SlashSetup(
                problem=f"another integration already uses /{TRIGGER} in team {team_id}: "
                "set MM_SLASH_COMMAND_TOKEN to that command's token if it is the bot's"
            )
        return SlashSetup(problem=f"could not register /{TRIGGER}: {exc}")
    return SlashSetup(token=str(command.get("token", "")), created=True)


async def slash_command_token(client: MattermostClient, team_id: str, actions_url: str) -> str:
    """The token of `/calendar` in the team, made or found; "" when the bot may not have it
    (said in one line: the bot starts anyway, DMs, buttons and dialogs need no command)."""
    setup = await ensure_slash_command(client, team_id, actions_url)
    if setup.problem:
        log.warning("/%s is off: %s", TRIGGER, setup.problem)
        return ""
    secrets.add(setup.token)
    log.info("/%s %s", TRIGGER, "registered" if setup.created else "found, reusing its token")
    return setup.token
