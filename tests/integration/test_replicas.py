"""Three replicas, proven: three real `calendar-bot run` processes on one PostgreSQL database
and one Mattermost emulator, behind one load balancer for Mattermost's callbacks, with many
connected users on a real Radicale. One replica is killed with SIGKILL in the middle of each
burst of messages, change notices and reminders, and restarted; at the end every reply,
notice and reminder is counted in the emulator: each exactly once, none missing.

Also shown: a wizard started on one replica goes on after that replica is dead (the state is
in the database) on its one post, the card, edited in place; each button click, dialog
submission and slash command is answered once whichever replica the balancer picks; and no
two replicas poll the same user in one cycle.

Button clicks, dialogs and commands are HTTP requests to one replica; one in flight when its
replica dies fails at the balancer, as it would in production (the person clicks again), so
they are sent between the kills, not during them. The WebSocket posts, the polls and the
reminders are what every replica competes for, and are what the kills land on.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import random
import signal
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import aiohttp
import pytest
from aiohttp import web
from cryptography.fernet import Fernet
from sqlalchemy import select

from calendar_bot.caldav.gateway import CalDAVGateway
from calendar_bot.domain.model import Credentials, UserSettings
from calendar_bot.i18n import t, tn
from calendar_bot.storage.db import create_engine, migrate, session_factory
from calendar_bot.storage.repositories import transaction
from calendar_bot.storage.tables import users as users_table
from calendar_bot.vault import Vault
from mm_sandbox import Emulator
from tests.e2e.harness import Person, eventually, free_port, full_text, vcalendar, vevent
from tests.support.databases import _admin, _new_name, _with_database, postgres_url
from tests.support.servers import CalDAVServer, Proxy

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
BOT = Path(sys.executable).parent / "calendar-bot"
REPLICAS = 3
USERS = 30  # connected at the start
WIZARD = range(0, 8)  # of them, these walk through the create-meeting wizard
SLASH = range(8, 16)  # these also use /calendar help
NEWCOMERS = 3  # not connected: they connect through the dialog
CHECK_INTERVAL = 10  # seconds between two polls of one user
LEASE = 15  # seconds a dead replica's outbox rows wait (DELIVERY_LEASE_SECONDS)
MARKS = 6  # minute marks with reminders due, from the first after the start
LEAD = 10  # minutes: each user's reminder lead time
START_DEADLINE = 60.0  # seconds for a replica to answer /healthz ready (the box is shared)
ANSWER_WITHIN = 30.0  # seconds for an answer while nothing is killed (generous: shared box)


# ---- the parts ----------------------------------------------------------------------------


@dataclass
class Replica:
    slot: int
    port: int
    env: dict[str, str]
    log_path: Path
    process: asyncio.subprocess.Process | None = None
    kills: int = 0

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def start(self, http: aiohttp.ClientSession) -> None:
        with self.log_path.open("ab") as log_file:
            self.process = await asyncio.create_subprocess_exec(
                str(BOT),
                "run",
                cwd=ROOT,
                env=self.env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log_file,
                stderr=log_file,
            )

        async def ready() -> bool:
            assert self.process is not None
            if self.process.returncode is not None:
                raise AssertionError(
                    f"replica {self.slot} exited with {self.process.returncode}: "
                    + self.log_path.read_text(errors="replace")[-2000:]
                )
            with contextlib.suppress(aiohttp.ClientError, OSError):
                async with http.get(f"http://127.0.0.1:{self.port}/healthz") as response:
                    return response.status == 200
            return False

        await eventually(ready, within=START_DEADLINE, what=f"replica {self.slot} to be ready")

    async def kill(self) -> None:
        assert self.process is not None and self.alive
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()
        self.kills += 1

    async def stop(self) -> None:
        if self.process is None or not self.alive:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), 30)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


class Balancer:
    """What sits in front of the replicas in production: Mattermost's callbacks (buttons,
    dialogs, commands) go to one URL and each request to one live replica, in turn."""

    def __init__(self, replicas: list[Replica]) -> None:
        self.replicas = replicas
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.served: Counter[int] = Counter()
        self._turn = itertools.count()
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._http = aiohttp.ClientSession()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._http is not None:
            await self._http.close()

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        assert self._http is not None
        body = await request.read()
        headers = {
            k: v
            for k, v in request.headers.items()
            if k.lower() in ("content-type", "authorization")
        }
        for _ in range(2 * len(self.replicas)):
            replica = self.replicas[next(self._turn) % len(self.replicas)]
            if not replica.alive:
                continue
            try:
                async with self._http.request(
                    request.method,
                    f"http://127.0.0.1:{replica.port}{request.path_qs}",
                    data=body,
                    headers=headers,
                ) as answer:
                    payload = await answer.read()
                    self.served[replica.slot] += 1
                    kind = answer.headers.get("Content-Type", "application/json")
                    return web.Response(
                        status=answer.status, body=payload, headers={"Content-Type": kind}
                    )
            except aiohttp.ClientConnectorError:
                continue  # not listening (yet, or any more): the next one
        return web.Response(status=502, text="no replica")


@pytest.fixture
async def database() -> AsyncIterator[str]:
    """A brand-new PostgreSQL database; the replicas migrate it themselves as they start."""
    url = postgres_url()
    if url is None:
        pytest.skip("CALENDAR_BOT_TEST_POSTGRES_URL is not set: replicas need PostgreSQL")
    name = _new_name("cbt_replicas")
    await _admin(url, f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(url, name)
    finally:
        await _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def recorded_radicale(radicale: CalDAVServer) -> Iterator[tuple[Proxy, list[tuple[float, str]]]]:
    """Radicale behind a proxy that notes (time, "METHOD depth path") of every request."""
    proxy = Proxy(radicale.base_url)
    seen: list[tuple[float, str]] = []

    async def note(request: web.Request) -> web.StreamResponse:
        depth = request.headers.get("Depth", "-")
        seen.append((time.monotonic(), f"{request.method} {depth} {unquote(request.path)}"))
        return await proxy._handle(request)

    proxy.handler = note
    proxy.start()
    try:
        yield proxy, seen
    finally:
        proxy.stop()


# ---- the test --------------------------------------------------------------------------------


def expected_texts() -> dict[str, str]:
    """The marks of each kind of answer (one line each, in English)."""
    return {
        "help": t("en", "help.text").split("\n")[0],
        "title": t("en", "wizard.title.prompt"),
        "date": t("en", "wizard.date.prompt").split("`")[0],
        "time": t("en", "wizard.time.prompt").split("`")[0],
        "duration": t("en", "wizard.duration.prompt").split("`")[0],
        "attendees": t("en", "wizard.attendees.prompt").split("\n")[0].split("`")[0],
        "cancelled": t("en", "wizard.cancelled"),
        "card": t("en", "wizard.step", number=1, total=7).split(" · ")[0],  # any step's header
        "wizard_error": t("en", "wizard.error_line", text="").strip(),
        "greeting": t("en", "greeting.text", app_password_url="").split("\n")[0][:60],
        "error": t("en", "error.generic"),
    }


def count(posts: list[dict[str, Any]], text: str) -> int:
    return sum(1 for post in posts if text in full_text(post))


@pytest.mark.timeout(300)
async def test_three_replicas_answer_notify_and_remind_exactly_once_across_sigkills(
    database: str,
    radicale: CalDAVServer,
    recorded_radicale: tuple[Proxy, list[tuple[float, str]]],
    tmp_path: Path,
) -> None:
    began = time.monotonic()
    rng = random.Random(os.environ.get("REPLICA_TEST_SEED", "20261202"))
    proxy, seen = recorded_radicale
    marks = expected_texts()
    emulator = Emulator()
    await emulator.start()
    http = aiohttp.ClientSession()
    key = Fernet.generate_key().decode()
    vault = Vault.from_setting(key)
    engine = create_engine(database)
    await migrate(engine)
    sessions = session_factory(engine)
    replicas: list[Replica] = []
    balancer = Balancer(replicas)
    people: list[Person] = []
    try:
        bot_user, token = emulator.create_bot("calendar-bot")
        bot_id = str(bot_user["id"])
        await balancer.start()
        # One /calendar for the team, registered once (as an operator does for N replicas),
        # its token given to every replica.
        async with http.post(
            f"{emulator.base_url}/api/v4/commands",
            json={
                "team_id": emulator.team_id,
                "trigger": "calendar",
                "url": f"{balancer.url}/commands",
                "method": "P",
            },
            headers={"Authorization": f"Bearer {token}"},
        ) as response:
            assert response.status == 201, await response.text()
            slash_token = str((await response.json())["token"])

        # ---- people, their calendars, and the connected ones in the database -------------
        first_mark = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
        reminder_marks = [first_mark + timedelta(minutes=k) for k in range(MARKS)]
        logins: dict[str, tuple[Credentials, str]] = {}  # person id -> (on Radicale, calendar)
        gateway = CalDAVGateway(8, 20)
        for n in range(USERS + NEWCOMERS):
            email = f"r{n}-{uuid.uuid4().hex[:6]}@example.test"
            user = emulator.create_user(
                f"r{n}x{uuid.uuid4().hex[:4]}", email=email, locale="en", timezone="UTC"
            )
            password = f"app-{uuid.uuid4().hex[:12]}"
            radicale.add_login(email, password)
            direct = Credentials(base_url=radicale.base_url, username=email, password=password)
            calendar = radicale.make_calendar(direct, name="Work")
            person = Person(http, emulator.base_url, user, emulator.login_token(user["id"]), bot_id)
            await person.open()
            people.append(person)
            logins[person.id] = (direct, calendar)
            if n >= USERS:
                continue
            for k, mark in enumerate(reminder_marks):
                start = mark + timedelta(minutes=LEAD)
                meeting = vevent(
                    f"m{n}-{k}", f"Standup {n}-{k}", start, start + timedelta(minutes=5)
                )
                radicale.put_ics(direct, calendar, vcalendar(meeting), f"standup{k}")
            # Cancelled later. (Not the meeting added later: one added and removed between
            # two polls of a user - their poll's replica died - is rightly never announced.)
            retro = first_mark + timedelta(days=2)
            radicale.put_ics(
                direct,
                calendar,
                vcalendar(vevent(f"r{n}", f"Retro {n}", retro, retro + timedelta(hours=1))),
                "retro",
            )
            # What connecting stores (the poll's first sync is the silent baseline).
            via_proxy = Credentials(base_url=proxy.url, username=email, password=password)
            principal, calendars = await gateway.discover(via_proxy)
            async with transaction(sessions) as store:
                await store.users.upsert(
                    mm_user_id=person.id,
                    email=email,
                    caldav_base_url=proxy.url,
                    caldav_username=email,
                    password_enc=vault.encrypt(password),
                    principal_url=principal,
                    settings=UserSettings(locale="en", timezone="UTC", reminder_leads=(LEAD,)),
                    now=datetime.now(UTC),
                )
                await store.calendars.replace(
                    person.id, [replace(c, ctag="", sync_token="") for c in calendars]
                )
        await gateway.close()
        connected, newcomers = people[:USERS], people[USERS:]
        wizard = [connected[i] for i in WIZARD]
        slash = [connected[i] for i in SLASH]
        sent_help: Counter[str] = Counter()

        base_env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("MATTERMOST_", "MM_", "CALDAV_", "DATABASE_", "DB_"))
        }
        for slot in range(REPLICAS):
            port = free_port()
            env = {
                **base_env,
                "MATTERMOST_BASE_URL": emulator.base_url,
                "MATTERMOST_BOT_TOKEN": token,
                "MM_ACTIONS_URL": balancer.url,
                "MM_SLASH_COMMAND_TOKEN": slash_token,
                "MM_RATE_LIMIT_PER_SEC": "1000",
                "MM_RATE_LIMIT_BURST": "1000",
                "ENCRYPTION_KEY": key,
                "DATABASE_URL": database,
                "HTTP_HOST": "127.0.0.1",
                "HTTP_PORT": str(port),
                "CALDAV_BASE_URL": proxy.url,
                "CALDAV_ALLOWED_HOSTS": "127.0.0.1",  # Radicale and its proxy are local
                "CHECK_INTERVAL": str(CHECK_INTERVAL),
                "DELIVERY_LEASE_SECONDS": str(LEASE),
                "TZ": "UTC",
                "PYTHONUNBUFFERED": "1",
            }
            replicas.append(Replica(slot, port, env, tmp_path / f"replica{slot}.log"))

        # ---- one replica: the baselines, and wizards begun there -------------------------
        await replicas[0].start(http)

        async def baselines_done() -> bool:
            async with transaction(sessions) as store:
                query = select(users_table.c.baseline_done)
                flags = (await store.session.execute(query)).scalars().all()
            return len(flags) == USERS and all(flags)

        await eventually(baselines_done, within=60, what="every user's baseline")
        baselines_at = datetime.now(UTC)
        after_baseline = time.monotonic()
        for person in wizard:
            await person.say("new")
        cards = {
            person.id: await person.next_bot_post(marks["title"], within=ANSWER_WITHIN)
            for person in wizard
        }

        # ---- the other two start; the first dies: its wizards go on elsewhere -----------
        await asyncio.gather(replicas[1].start(http), replicas[2].start(http))
        await replicas[0].kill()
        for n, person in zip(WIZARD, wizard, strict=True):
            await person.say(f"Review {n}")
        date_prompts = [
            await person.shown(marks["date"], within=ANSWER_WITHIN) for person in wizard
        ]
        assert [p["id"] for p in date_prompts] == [cards[p.id]["id"] for p in wizard]
        # Two replicas are up now, and both heard every title: one of them answers (a second
        # answer would be a date the title is not, an error on the card).
        await asyncio.sleep(1.0)  # the other's answer would be in by now
        doubled = {
            n: [full_text(p) for p in posts if marks["card"] in full_text(p)]
            for n, person in zip(WIZARD, wizard, strict=True)
            if count(posts := bot_posts(emulator, person, bot_id), marks["card"]) != 1
            or count(posts, marks["wizard_error"]) != 0
        }
        assert doubled == {}, f"user: wizard cards, with two replicas up: {doubled}"
        await replicas[0].start(http)

        # ---- callbacks through the balancer: buttons, commands, dialogs ------------------
        async def pick_tomorrow(person: Person, prompt: dict[str, Any]) -> None:
            await person.click(prompt, t("en", "wizard.date.tomorrow", date="").split(",")[0])
            await person.shown(marks["time"], within=ANSWER_WITHIN)

        async def slash_help(person: Person) -> None:
            await person.call(
                "POST",
                "/commands/execute",
                {"channel_id": person.channel_id, "command": "/calendar help"},
            )
            sent_help[person.id] += 1
            await person.next_bot_post(marks["help"], within=ANSWER_WITHIN)

        async def connect(person: Person) -> None:
            direct, _ = logins[person.id]
            await person.say("hi")
            greeting = await person.next_bot_post(marks["greeting"], within=ANSWER_WITHIN)
            await person.click(greeting, t("en", "greeting.connect"))
            await person.submit_dialog(
                {
                    "email": direct.username,
                    "password": direct.password,
                    "server": "mailru",
                    "url": "",
                }
            )
            await person.next_bot_post(
                t("en", "connected.title_email", email=direct.username), within=ANSWER_WITHIN
            )

        await asyncio.gather(
            *(pick_tomorrow(p, prompt) for p, prompt in zip(wizard, date_prompts, strict=True)),
            *(slash_help(p) for p in slash),
            *(connect(p) for p in newcomers),
        )

        # ---- three bursts, a replica killed in the middle of each ------------------------
        def change_all(wave: str) -> None:
            for n, person in enumerate(connected):
                direct, calendar = logins[person.id]
                if wave == "new":
                    when = first_mark + timedelta(days=1, hours=n % 8)
                    radicale.put_ics(
                        direct,
                        calendar,
                        vcalendar(
                            vevent(f"p{n}", f"Planning {n}", when, when + timedelta(hours=1))
                        ),
                        "planning",
                    )
                else:
                    radicale.delete(direct, calendar + "retro.ics")

        async def burst(victim: Replica, wizard_text: str) -> None:
            async def say_all() -> None:
                sends = []
                for person in connected:
                    text = wizard_text if person in wizard else "help"
                    if text == "help":
                        sent_help[person.id] += 1
                    sends.append(person.say(text))
                await asyncio.gather(*sends)

            saying = asyncio.create_task(say_all())
            await asyncio.sleep(rng.uniform(0.1, 0.5))
            await victim.kill()
            await saying
            await asyncio.sleep(1.0)
            await victim.start(http)

        await asyncio.to_thread(change_all, "new")
        await burst(replicas[1], "14:30")
        await asyncio.sleep(rng.uniform(2.0, 6.0))  # notices of the new meetings trickle in
        await asyncio.to_thread(change_all, "cancel")
        await burst(replicas[2], "45")
        # The third at a minute mark: everyone's reminder falls due at once.
        mark = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
        await asyncio.sleep((mark - datetime.now(UTC)).total_seconds() + 0.2)
        await burst(replicas[0], "cancel")
        last_counted = mark

        # ---- count ----------------------------------------------------------------------
        counted_marks = [m for m in reminder_marks if baselines_at < m <= last_counted]
        assert counted_marks, "no reminder mark fell inside the test: it proved nothing"

        def reminder_text(n: int, k: int) -> str:
            minutes = tn("en", "plural.in_minutes", LEAD)
            return t("en", "remind.soon", title=f"Standup {n}-{k}", in_minutes=minutes)

        def missing() -> list[str]:
            gaps: list[str] = []
            for n, person in enumerate(connected):
                posts = bot_posts(emulator, person, bot_id)
                wants = {
                    t("en", "notify.new", title=f"Planning {n}"): 1,
                    t("en", "notify.cancelled", title=f"Retro {n}"): 1,
                    marks["help"]: sent_help[person.id],
                }
                for k, m in enumerate(reminder_marks):
                    if m in counted_marks:
                        wants[reminder_text(n, k)] = 1
                if person in wizard:
                    wants[marks["cancelled"]] = 1  # the card, cancelled at the end
                gaps += [f"{n}: {w!r}" for w, c in wants.items() if count(posts, w) < c]
            return gaps

        try:
            await eventually(lambda: not missing(), within=120, what="every answer and notice")
        except AssertionError:
            raise AssertionError(f"lost (user: what is missing): {missing()[:20]}") from None
        await asyncio.sleep(3.0)  # time for a late duplicate to show
        for replica in replicas:
            await replica.stop()

        duplicates: list[str] = []
        unkeyed: list[int] = []
        for n, person in enumerate(connected):
            posts = bot_posts(emulator, person, bot_id)
            once = [
                t("en", "notify.new", title=f"Planning {n}"),
                t("en", "notify.cancelled", title=f"Retro {n}"),
                *(reminder_text(n, k) for k in range(MARKS)),
            ]
            if person in wizard:
                # One post for the whole wizard: its card, no second card, no step twice.
                once.append(marks["cancelled"])
                if count(posts, marks["card"]) or count(posts, marks["wizard_error"]):
                    duplicates.append(f"{n}: a second wizard card, or an answer taken twice")
            duplicates += [f"{n}: {w!r}" for w in once if count(posts, w) > 1]
            if count(posts, marks["help"]) != sent_help[person.id]:
                duplicates.append(
                    f"{n}: {count(posts, marks['help'])} help answers to {sent_help[person.id]}"
                )
            assert count(posts, marks["error"]) == 0, f"an error was shown to user {n}"
            if n not in WIZARD and n not in SLASH:
                # Answers to posts carry a key made from the post id: a replica answering a
                # post anew after another died mid-way repeats the key, not the message.
                unkeyed += [
                    n
                    for p in posts
                    if marks["help"] in full_text(p)
                    and not str((p.get("props") or {}).get("calendar_bot_key", "")).startswith(
                        "reply:"
                    )
                ]
        for person in newcomers:
            posts = bot_posts(emulator, person, bot_id)
            direct, _ = logins[person.id]
            assert count(posts, marks["greeting"]) == 1
            assert count(posts, t("en", "connected.title_email", email=direct.username)) == 1

        # No two replicas polled one user in one cycle: every poll lists the calendar home
        # once (a PROPFIND of depth 1; depth 0 is a replica finding the home the first time),
        # and after the baselines one user's listings are a poll interval apart, never two
        # within half of one.
        homes = {f"PROPFIND 1 /{logins[p.id][0].username}/" for p in connected}
        checks: dict[str, list[float]] = defaultdict(list)
        for moment, request in seen:
            if moment > after_baseline and request in homes:
                checks[request].append(moment)
        double_polls = [
            f"{path} {b - a:.2f}s apart"
            for path, times in checks.items()
            for a, b in itertools.pairwise(sorted(times))
            if b - a < CHECK_INTERVAL / 2
        ]
        cycles = sum(len(v) for v in checks.values())
        elapsed = time.monotonic() - began
        log.warning(
            "%d replicas, %d SIGKILLs in %.0fs: %d users, %d reminder marks counted, %d polls "
            "of a calendar home after the baselines, callbacks per replica %s",
            REPLICAS,
            sum(r.kills for r in replicas),
            elapsed,
            USERS + NEWCOMERS,
            len(counted_marks),
            cycles,
            dict(balancer.served),
        )
        assert duplicates == [], duplicates
        assert unkeyed == [], f"answers to posts without a reply key, for users {unkeyed}"
        assert double_polls == [], double_polls
        assert cycles >= USERS, "the polls were not seen: the poll check proved nothing"
        assert sum(r.kills for r in replicas) >= 4
        assert len(balancer.served) == REPLICAS, "the callbacks did not reach every replica"
    finally:
        for replica in replicas:
            await replica.stop()
        for person in people:
            await person.close()
        await balancer.stop()
        await http.close()
        await engine.dispose()
        await emulator.stop()


def bot_posts(emulator: Emulator, person: Person, bot_id: str) -> list[dict[str, Any]]:
    return [p for p in emulator.posts_in_channel(person.channel_id) if p["user_id"] == bot_id]
