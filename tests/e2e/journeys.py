"""Shared pieces of the conversation journeys: a world on a fixed (running) clock, iCalendar
builders, reading the bot's database, menus in posts, and the slash command."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from calendar_bot.clock import Clock, ManualClock
from calendar_bot.domain.model import Credentials
from calendar_bot.i18n import t
from calendar_bot.storage.tables import metadata
from calendar_bot.views.onboarding import APP_PASSWORD_URL
from tests.e2e.harness import (
    Person,
    Post,
    World,
    buttons,
    eventually,
    start_world,
    stop_world,
)
from tests.support.servers import CalDAVServer

# Monday 30 November 2026, 12:00 in Moscow: far from midnight, so "today" and "tomorrow"
# never flip during a test, and a morning time today is already in the past.
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
MSK = ZoneInfo("Europe/Moscow")
TODAY = date(2026, 11, 30)
TOMORROW = TODAY + timedelta(days=1)
LOCALES = ("ru", "en")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A Moscow wall time as an aware datetime."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=MSK)


@pytest.fixture
async def fixed_world(radicale: CalDAVServer, tmp_path: Path) -> AsyncIterator[World]:
    """The bot on a clock that starts at NOW and keeps running (so polling still works)."""
    w = await start_fixed_world(radicale, tmp_path)
    yield w
    await stop_world(w)


async def start_fixed_world(
    radicale: CalDAVServer, tmp: Path, *, slash: bool = False, clock: Clock | None = None
) -> World:
    """Like harness.start_world, on the fixed clock; `slash` also registers /calendar."""
    return await start_world(radicale, tmp, clock or ManualClock(NOW, running=True), slash=slash)


# ---- iCalendar ------------------------------------------------------------------------------


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def event_ics(
    summary: str,
    start: datetime | date,
    end: datetime | date,
    *,
    uid: str = "",
    organizer: str = "",
    attendees: tuple[tuple[str, str], ...] = (),  # (email, PARTSTAT)
    description: str = "",
    location: str = "",
    status: str = "",
    rrule: str = "",
) -> str:
    """One VEVENT. `description` and `location` go in as given (already iCalendar-escaped)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//calendar-bot tests//EN",
        "BEGIN:VEVENT",
        f"UID:{uid or uuid.uuid4().hex}",
        "DTSTAMP:20261101T000000Z",
        f"SUMMARY:{summary}",
    ]
    if isinstance(start, datetime):
        assert isinstance(end, datetime)
        lines += [f"DTSTART:{_stamp(start)}", f"DTEND:{_stamp(end)}"]
    else:
        lines += [
            f"DTSTART;VALUE=DATE:{start.strftime('%Y%m%d')}",
            f"DTEND;VALUE=DATE:{end.strftime('%Y%m%d')}",
        ]
    if organizer:
        lines.append(f"ORGANIZER;CN=Boss:mailto:{organizer}")
    for email, partstat in attendees:
        lines.append(f"ATTENDEE;PARTSTAT={partstat};RSVP=TRUE:mailto:{email}")
    if description:
        lines.append(f"DESCRIPTION:{description}")
    if location:
        lines.append(f"LOCATION:{location}")
    if status:
        lines.append(f"STATUS:{status}")
    if rrule:
        lines.append(f"RRULE:{rrule}")
    lines += ["END:VEVENT", "END:VCALENDAR", ""]
    return "\r\n".join(lines)


def calendar_text(world: World, credentials: Credentials, calendar_url: str) -> str:
    """Everything in a Radicale calendar, as one iCalendar text (Radicale answers a GET on
    the collection with all of its events), unfolded."""
    with world.radicale.session(credentials) as s:
        response = s.get(calendar_url)
    assert response.status_code == 200, response.status_code
    text = response.text or ""
    return text.replace("\r\n ", "").replace("\n ", "")


# ---- the bot's database ----------------------------------------------------------------------


async def rows_mentioning(world: World, needle: str) -> list[tuple[str, dict[str, Any]]]:
    """Every row of every table of the bot's database that contains `needle` anywhere."""
    found: list[tuple[str, dict[str, Any]]] = []
    async with world.bot.sessions() as session:
        for table in metadata.sorted_tables:
            for row in (await session.execute(select(table))).mappings():
                if needle in repr(dict(row)):
                    found.append((table.name, dict(row)))
    return found


async def user_row(world: World, user_id: str) -> dict[str, Any] | None:
    users = metadata.tables["users"]
    async with world.bot.sessions() as session:
        row = (
            (await session.execute(select(users).where(users.c.mm_user_id == user_id)))
            .mappings()
            .first()
        )
    return dict(row) if row is not None else None


# ---- posts -----------------------------------------------------------------------------------


def labels(post: Post) -> list[str]:
    return [str(a.get("name") or "") for a in buttons(post)]


def menu_options(post: Post) -> list[dict[str, str]]:
    """The options of the post's select menus (text, value)."""
    options: list[dict[str, str]] = []
    for action in buttons(post):
        if action.get("type") == "select":
            options.extend(action.get("options") or [])
    return options


async def refetch(person: Person, post: Post) -> Post:
    fresh: Post = await person.call("GET", f"/posts/{post['id']}")
    return fresh


async def open_option(person: Person, post: Post, text_part: str) -> None:
    """Pick the menu option whose text contains `text_part`."""
    for action in buttons(post):
        if action.get("type") != "select":
            continue
        for option in action.get("options") or []:
            if text_part in option["text"]:
                await person.click(post, str(action["name"]), option=option["value"])
                return
    raise AssertionError(f"no option with {text_part!r} in {menu_options(post)}")


async def slash(person: Person, text: str, channel_id: str = "") -> dict[str, Any]:
    """Run a slash command as the client does (POST /commands/execute): in the DM with the
    bot, or in `channel_id`."""
    answer: dict[str, Any] = await person.call(
        "POST",
        "/commands/execute",
        {"channel_id": channel_id or person.channel_id, "command": text},
    )
    return answer


async def ephemeral(person: Person, contains: str, *, within: float = 10.0) -> dict[str, Any]:
    found: dict[str, Any] = await eventually(
        lambda: next((e for e in person.ephemerals if contains in e.get("message", "")), None),
        within=within,
        what=f"an ephemeral message with {contains!r}",
    )
    return found


def change_radicale_password(world: World, login: str, password: str) -> None:
    """Rotate a login's password on the running Radicale (its htpasswd file is re-read)."""
    users = world.radicale.data_dir / "users"
    lines = users.read_text().splitlines()
    kept = [line for line in lines if not line.startswith(f"{login}:")]
    users.write_text("".join(f"{line}\n" for line in [*kept, f"{login}:{password}"]))


async def typed_connect_prompt(world: World, person: Person, locale: str) -> Post:
    """The typed-password fallback as a person meets it: the form cannot open (an expired
    trigger id makes Mattermost refuse it), the bot offers sending the password as a message,
    the person takes that. Returns the password prompt."""
    await person.say("hi")
    greeting = await person.next_bot_post(APP_PASSWORD_URL)
    triggers = world.emulator.context.triggers
    lifetime, triggers.lifetime = triggers.lifetime, -1.0
    try:
        await person.click(greeting, t(locale, "greeting.connect"))
        offer = await person.next_bot_post(t(locale, "connect.no_dialog"))
    finally:
        triggers.lifetime = lifetime
    await person.click(offer, t(locale, "greeting.by_message"))
    return await person.next_bot_post(person.user["email"])
