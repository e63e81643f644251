"""`calendar-bot doctor`: one line per check, OK, WARN or FAIL with a hint; exit 1 if any
fails (a WARN is something optional that will not work, such as presence during meetings)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp

from calendar_bot.config import Settings


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    warn: bool = False  # ok, but an optional feature will not work: the detail says why


TIMEOUT = aiohttp.ClientTimeout(total=10)


async def check_encryption_key(settings: Settings) -> CheckResult:
    from calendar_bot.vault import InvalidKeyError, parse_keys

    raw = settings.ENCRYPTION_KEY.get_secret_value()
    if not raw.strip():
        return CheckResult(
            "encryption key", False, "ENCRYPTION_KEY is empty: run `calendar-bot generate-key`"
        )
    try:
        keys = parse_keys(raw)
    except InvalidKeyError as exc:
        return CheckResult("encryption key", False, str(exc))
    return CheckResult("encryption key", True, f"{len(keys)} key(s)")


async def check_database(settings: Settings) -> CheckResult:
    from calendar_bot.storage.db import check, create_engine

    url = settings.database_url
    engine = create_engine(url)
    try:
        await check(engine)
    except Exception as exc:  # any failure is reported as a FAIL line
        return CheckResult(
            "database", False, f"{type(exc).__name__}: cannot reach {_safe_url(url)}"
        )
    finally:
        await engine.dispose()
    return CheckResult("database", True, _safe_url(url))


async def check_mattermost(settings: Settings) -> CheckResult:
    if not settings.MATTERMOST_BASE_URL:
        return CheckResult("mattermost", False, "MATTERMOST_BASE_URL is not set")
    token = settings.MATTERMOST_BOT_TOKEN.get_secret_value()
    if not token:
        return CheckResult("mattermost", False, "MATTERMOST_BOT_TOKEN is not set")
    url = f"{settings.MATTERMOST_BASE_URL}/api/v4/users/me"
    try:
        async with (
            aiohttp.ClientSession(timeout=TIMEOUT) as http,
            http.get(url, headers={"Authorization": f"Bearer {token}"}) as response,
        ):
            if response.status == 401:
                return CheckResult(
                    "mattermost", False, "the bot token was refused (401): create a new one"
                )
            if response.status != 200:
                return CheckResult(
                    "mattermost", False, f"/users/me answered HTTP {response.status}"
                )
            me = await response.json()
    except (aiohttp.ClientError, TimeoutError) as exc:
        return CheckResult(
            "mattermost",
            False,
            f"cannot reach {settings.MATTERMOST_BASE_URL}: {type(exc).__name__}",
        )
    if not me.get("is_bot"):
        return CheckResult(
            "mattermost", False, f"@{me.get('username')} is not a bot account: use a bot's token"
        )
    return CheckResult("mattermost", True, f"bot @{me.get('username')}")


async def check_actions_url(settings: Settings) -> CheckResult:
    value = settings.MM_ACTIONS_URL
    parts = urlsplit(value)
    if not value or parts.scheme not in ("http", "https") or not parts.netloc:
        return CheckResult(
            "actions url",
            False,
            "MM_ACTIONS_URL must be the bot's URL as Mattermost sees it, e.g. http://calendar-bot:8080",
        )
    if parts.query or parts.fragment:
        return CheckResult("actions url", False, "MM_ACTIONS_URL must have no query or fragment")
    return CheckResult("actions url", True, value)


async def check_slash_command(settings: Settings) -> CheckResult:
    """Whether `/calendar` will work: configured by hand, found, creatable, or what to do."""
    from calendar_bot.mattermost.errors import MattermostError, MattermostForbidden
    from calendar_bot.mattermost.rest import MattermostClient
    from calendar_bot.mattermost.slash_command import admin_instruction, find_slash_command

    name = "slash command"
    if settings.MM_SLASH_COMMAND_TOKEN.get_secret_value():
        return CheckResult(name, True, "/calendar token set (MM_SLASH_COMMAND_TOKEN)")
    team_id = settings.MM_SLASH_COMMAND_TEAM_ID
    if not team_id:
        return CheckResult(name, True, "/calendar is off (MM_SLASH_COMMAND_TEAM_ID is not set)")
    token = settings.MATTERMOST_BOT_TOKEN.get_secret_value()
    if not settings.MATTERMOST_BASE_URL.startswith(("http://", "https://")) or not token:
        return CheckResult(name, False, "needs MATTERMOST_BASE_URL and MATTERMOST_BOT_TOKEN")
    client = MattermostClient(settings.MATTERMOST_BASE_URL, token, timeout=10, max_attempts=1)
    try:
        found = await find_slash_command(client, team_id)
    except MattermostForbidden:
        return CheckResult(
            name,
            False,
            "the bot may not create slash commands: "
            + admin_instruction(settings.MM_ACTIONS_URL, team_id),
        )
    except MattermostError as exc:
        return CheckResult(name, False, f"cannot list the team's commands: {exc}")
    finally:
        await client.close()
    if found is None:
        return CheckResult(name, True, "/calendar will be created at start")
    return CheckResult(name, True, "/calendar exists; the bot reuses its token")


PRESENCE_HINT = (
    "the bot lacks edit_other_users, so it cannot set people's status during meetings"
    " (api4/status.go checks SessionHasPermissionToUser): in System Console > Integrations >"
    " Bot Accounts, Manage Roles of the bot > System Admin (or `mmctl roles system_admin"
    " <bot>`), or give it a system role with write access to User Management > Users;"
    " the bot notices within 15 minutes"
)


async def check_presence(settings: Settings) -> CheckResult:
    """Whether the bot may set people's custom status and DND during meetings (optional)."""
    from calendar_bot.mattermost.presence import MattermostPresence
    from calendar_bot.mattermost.rest import MattermostClient

    name = "presence"
    token = settings.MATTERMOST_BOT_TOKEN.get_secret_value()
    if not settings.MATTERMOST_BASE_URL.startswith(("http://", "https://")) or not token:
        return CheckResult(name, False, "needs MATTERMOST_BASE_URL and MATTERMOST_BOT_TOKEN")
    client = MattermostClient(settings.MATTERMOST_BASE_URL, token, timeout=10, max_attempts=1)
    try:
        allowed = await MattermostPresence(client).may_set_presence()
    except Exception as exc:  # reported, like every check
        return CheckResult(name, True, f"cannot read the bot's roles: {exc}", warn=True)
    finally:
        await client.close()
    if not allowed:
        return CheckResult(name, True, PRESENCE_HINT, warn=True)
    return CheckResult(name, True, "the bot may set people's status during meetings")


async def check_caldav(settings: Settings) -> CheckResult:
    url = f"{settings.CALDAV_BASE_URL}/.well-known/caldav"
    try:
        async with (
            aiohttp.ClientSession(timeout=TIMEOUT) as http,
            http.request(
                "PROPFIND", url, headers={"Depth": "0"}, allow_redirects=False
            ) as response,
        ):
            status = response.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        return CheckResult(
            "caldav", False, f"cannot reach {settings.CALDAV_BASE_URL}: {type(exc).__name__}"
        )
    if status >= 500:
        return CheckResult("caldav", False, f"{settings.CALDAV_BASE_URL} answered HTTP {status}")
    return CheckResult("caldav", True, f"{settings.CALDAV_BASE_URL} answers (HTTP {status})")


def _safe_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return url


CHECKS: list[Callable[[Settings], Awaitable[CheckResult]]] = [
    check_encryption_key,
    check_database,
    check_mattermost,
    check_actions_url,
    check_slash_command,
    check_presence,
    check_caldav,
]


async def run_doctor(settings: Settings, out: Callable[[str], None] = print) -> int:
    out("OK   configuration")
    results = await asyncio.gather(*(check(settings) for check in CHECKS))
    for result in results:
        mark = "FAIL" if not result.ok else "WARN" if result.warn else "OK  "
        out(f"{mark} {result.name}: {result.detail}")
    return 0 if all(r.ok for r in results) else 1
