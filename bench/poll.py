"""Poll throughput of the real pipeline: SyncService + CalDAVGateway + SQLite storage.

Seeding (`seed`) runs in the orchestrator; the measured bot runs as its own process:
    python -m bench.poll --db PATH --url REPLAY_URL --key FERNET_KEY --n N --latencies 0,0.03
and prints one JSON object (its last line): per latency, the steady-state and the 5 %-changed
cycles. Process CPU and peak RSS are this process's only (the replay server is another one).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import resource
import statistics
import time
from datetime import timedelta
from typing import Any

import niquests
import psutil
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.record import BENCH_NOW
from bench.replay import CALENDARS
from calendar_bot import eventloop
from calendar_bot.caldav import CalDAVGateway
from calendar_bot.clock import ManualClock
from calendar_bot.config import Settings
from calendar_bot.domain.model import (
    CalendarRef,
    Credentials,
    ExpansionScope,
    Occurrence,
    TimeWindow,
    UserSettings,
)
from calendar_bot.domain.reminders import due_reminders
from calendar_bot.services import sync as sync_module
from calendar_bot.services.context import Context, sync_window, window_phase
from calendar_bot.services.reminders import MAX_LEAD, ReminderService
from calendar_bot.services.sync import SyncOutcome, SyncService
from calendar_bot.storage.db import create_engine, migrate, session_factory
from calendar_bot.storage.repositories import transaction, unit_of_work
from calendar_bot.vault import Vault

SEED_BATCH = 500
PASSWORD = "replayed-app-password"  # every bench user's, served on 127.0.0.1 only
PREVIOUS_POLL = BENCH_NOW - timedelta(seconds=60)
LEADS = (60, 0)  # minutes before the start; 0 is the start notice


def user_name(i: int) -> str:
    return f"u{i:05d}"


def _moved(o: Occurrence, old: str, new: str) -> Occurrence:
    return dataclasses.replace(
        o,
        calendar_href=o.calendar_href.replace(old, new, 1),
        event_href=o.event_href.replace(old, new, 1),
    )


async def seed(db_url: str, base_url: str, n: int, vault: Vault, templates: int) -> float:
    """N connected users through the repositories, as a long-running bot would have them:
    encrypted passwords, both calendars with their tokens, the snapshot of their
    occurrences, baseline done, last polled a minute ago. Returns seconds taken.

    The snapshot of each template account is what the real gateway fetches for it from the
    replay server, so the first poll of the bench sees exactly what it would have stored."""
    started = time.monotonic()
    engine = create_engine(db_url)
    await migrate(engine)
    sessions = session_factory(engine)
    gateway = CalDAVGateway(max_connections=4, timeout=30)
    # Each user's horizon starts at a minute of the day of its own (window_phase): the
    # templates are expanded once over all of them, and each user keeps what overlaps its own.
    earliest = sync_window(PREVIOUS_POLL, timedelta(days=1) - timedelta(minutes=1))
    latest = sync_window(PREVIOUS_POLL, timedelta(0))
    window = TimeWindow(min(earliest.start, latest.start), max(earliest.end, latest.end))
    reference: list[tuple[str, list[tuple[CalendarRef, tuple[Occurrence, ...]]]]] = []
    homes: list[str] = []
    for k in range(min(templates, n)):
        name = user_name(k)
        creds = Credentials(base_url, name, PASSWORD, principal_url=f"{base_url}/{name}/")
        known = [CalendarRef(href=f"{base_url}/{name}/{s}/", name=s) for s in CALENDARS]
        result = await gateway.sync(
            creds, known, ExpansionScope(window, f"{name}@example.test", "Europe/Moscow")
        )
        assert result.complete, [f.error for f in result.calendars]
        reference.append((name, [(f.calendar, f.occurrences) for f in result.calendars]))
        homes.append(result.found_home)
    await gateway.close()
    password_enc = vault.encrypt(PASSWORD)
    # two lead times each (an hour and the start), what the settings card offers today
    settings = UserSettings(locale="en", timezone="Europe/Moscow", reminder_leads=(LEADS[0], 0))
    for first in range(0, n, SEED_BATCH):
        async with transaction(sessions) as store:
            for i in range(first, min(first + SEED_BATCH, n)):
                name = user_name(i)
                template, cals = reference[i % len(reference)]
                mm_id = f"mm{name}"
                await store.users.upsert(
                    mm_user_id=mm_id,
                    email=f"{name}@example.test",
                    caldav_base_url=base_url,
                    caldav_username=name,
                    password_enc=password_enc,
                    now=PREVIOUS_POLL,
                    principal_url=f"{base_url}/{name}/",
                    settings=settings,
                )
                old, new = f"/{template}/", f"/{name}/"
                refs = [
                    dataclasses.replace(ref, href=ref.href.replace(old, new, 1)) for ref, _ in cals
                ]
                await store.calendars.replace(mm_id, refs)
                own = sync_window(PREVIOUS_POLL, window_phase(mm_id))
                for ref, (_, occurrences) in zip(refs, cals, strict=True):
                    await store.snapshot.replace_calendar(
                        mm_id,
                        ref.href,
                        [_moved(o, old, new) for o in occurrences if own.overlaps(o.start, o.end)],
                        now=PREVIOUS_POLL,
                    )
                await store.users.mark_baseline_done(mm_id, now=PREVIOUS_POLL)
                await store.users.mark_polled(
                    mm_id, polled_at=PREVIOUS_POLL, next_poll_at=BENCH_NOW, window_start=own.start
                )
                # as a bot that has polled them before keeps it (the first poll after a
                # restart then costs one request)
                await store.users.set_home_urls({mm_id: homes[i % len(homes)].replace(old, new, 1)})
    await engine.dispose()
    return time.monotonic() - started


# ---- the measured process -------------------------------------------------------------------


class NoChat:
    """Polling never talks to Mattermost (the outbox does, later): any call is a bench bug."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the poll touched the chat ({name})")


class TimedSync(SyncService):
    """The real SyncService; each user's check (SyncService._sync: CalDAV, then the store)
    is timed from outside. Queueing for poll_due's concurrency gate is not included."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.times: list[float] = []
        self.outcomes: list[SyncOutcome] = []
        self.errors = 0  # checks that raised (poll_due logs them; the user waits a lease)

    async def _sync(self, *args: Any, **kwargs: Any) -> SyncOutcome:
        started = time.perf_counter()
        try:
            outcome = await super()._sync(*args, **kwargs)  # type: ignore[misc]
        except Exception:
            self.errors += 1
            raise
        self.times.append(time.perf_counter() - started)
        self.outcomes.append(outcome)
        return outcome


def _rss_mb() -> float:
    return float(psutil.Process().memory_info().rss) / 2**20


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _server_requests(url: str | None) -> int:
    if url is None:
        return 0
    return sum(niquests.get(url + "/_bench/stats", timeout=30).json().values())


async def cycle(sync: TimedSync, clock: ManualClock, url: str | None) -> dict[str, Any]:
    """One full poll cycle: every user due once; poll_due is called until none is left (the
    way the poll loop drains a cycle; see docs/performance.md on its pause between batches).
    `url`: the replay server, whose own count of requests is reported beside the bot's."""
    clock.advance(timedelta(seconds=60))
    sync.times.clear()
    sync.outcomes.clear()
    sync.errors = 0
    before = _server_requests(url)
    cpu = time.process_time()
    wall = time.perf_counter()
    polled = 0
    while True:
        got = await sync.poll_due()
        polled += got
        if not got:
            break
    wall = time.perf_counter() - wall
    cpu = time.process_time() - cpu
    served = _server_requests(url) - before
    requests = sum(o.requests for o in sync.outcomes)
    return {
        "users": polled,
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "requests_per_user": round(requests / max(polled, 1), 3),
        "server_requests_per_user": round(served / max(polled, 1), 3) if url else None,
        "p50_ms": round(_pct(sync.times, 0.5) * 1000, 1),
        "p99_ms": round(_pct(sync.times, 0.99) * 1000, 1),
        "failed": sync.errors + sum(1 for o in sync.outcomes if not (o.ok and o.complete)),
        "changes": sum(o.changes for o in sync.outcomes),
        "rss_mb": round(_rss_mb(), 1),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    settings = Settings()
    engine = create_engine(args.db)
    sessions = session_factory(engine)
    clock = ManualClock(BENCH_NOW - timedelta(seconds=60))
    workers = args.workers or settings.CALDAV_WORKERS
    concurrency = args.concurrency or settings.POLL_CONCURRENCY
    deadline = settings.poll_user_deadline if args.deadline is None else args.deadline
    gateway = CalDAVGateway(
        workers, settings.CALDAV_TIMEOUT, now=clock.now, poll_deadline=deadline or None
    )
    ctx = Context(
        clock=clock,
        vault=Vault.from_setting(args.key),
        transaction=unit_of_work(sessions),
        calendars=gateway,
        chat=NoChat(),  # type: ignore[arg-type]
        caldav_base_url=args.url,
        default_tz="Europe/Moscow",
        check_interval=timedelta(seconds=settings.CHECK_INTERVAL),
        poll_concurrency=concurrency,
    )
    sync = TimedSync(ctx)
    out: dict[str, Any] = {
        "n": args.n,
        "caldav_workers": workers,
        "poll_concurrency": concurrency,
        "rss_before_mb": round(_rss_mb(), 1),
    }
    replay = None if args.direct else args.url
    if args.skip_cycles and replay:
        niquests.post(f"{replay}/_bench/config?latency={args.latencies[-1]}", timeout=30)
    for index, latency in enumerate([] if args.skip_cycles else args.latencies):
        if replay:
            niquests.post(f"{replay}/_bench/config?latency={latency}", timeout=30)
        runs: dict[str, Any] = {}
        # The first cycle of this process: the gateway knows nothing yet (a restart).
        if "first" not in out:
            out["first"] = await cycle(sync, clock, replay)
            out["first"]["latency_ms"] = latency * 1000
        steady = [await cycle(sync, clock, replay) for _ in range(args.cycles)]
        runs["steady"] = _median_run(steady)
        if replay:
            changed = []
            for c in range(args.cycles):
                # a new sample of calendars each time: the gateway's cache holds the most
                # recently fetched ones, and changing those again would flatter the figure
                sample = index * 1000 + c + 1
                niquests.post(f"{replay}/_bench/change?fraction=0.05&seed={sample}", timeout=30)
                changed.append(await cycle(sync, clock, replay))
            runs["changed5"] = _median_run(changed)
        out[f"latency_{round(latency * 1000)}ms"] = runs
    if args.midnight:
        out["midnight"] = await midnight(sync, clock, sessions, replay, args.midnight)
        out["midnight"]["phase_zero"] = args.phase_zero
    out["peak_rss_mb"] = round(_peak_rss_mb(), 1)  # the poll cycles' (the tick is apart)
    if args.tick:
        out["reminder_tick"] = await reminder_tick(ctx, args.tick)
        out["reminder_tick"]["peak_rss_mb"] = round(_peak_rss_mb(), 1)
    await gateway.close()
    await engine.dispose()
    return out


async def midnight(
    sync: TimedSync,
    clock: ManualClock,
    sessions: async_sessionmaker[AsyncSession],
    url: str | None,
    users: int,
) -> dict[str, Any]:
    """A cycle across midnight UTC: every user (up to `users` of them) last polled 30 s before
    the next midnight, each with the horizon it had then, and polled 30 s after it. With the
    horizons spread over the day (window_phase) only the users whose minute it is move theirs;
    with --phase-zero (the horizon of every user aligned to midnight UTC, as before) all do."""
    now = clock.now()
    mark = now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    before = mark - timedelta(seconds=30)
    clock.set(before)
    async with transaction(sessions) as store:
        rows = await store.users.list_all()
        chosen = {u.mm_user_id for u in rows[:users]}
        phase = sync_module.window_phase
        for u in rows:
            due = before if u.mm_user_id in chosen else before + timedelta(days=1)
            await store.users.mark_polled(
                u.mm_user_id,
                polled_at=before,
                next_poll_at=due,
                window_start=sync_window(before, phase(u.mm_user_id)).start,
            )
    result = await cycle(sync, clock, url)
    after = clock.now()
    moved = sum(
        1
        for u in rows
        if u.mm_user_id in chosen
        and sync_window(before, phase(u.mm_user_id)) != sync_window(after, phase(u.mm_user_id))
    )
    result["horizons_moved"] = moved
    return result


async def reminder_tick(ctx: Context, ticks: int) -> dict[str, Any]:
    """The minute tick (ReminderService.tick: the reminder index, then the outbox) at `ticks`
    consecutive minute marks, beside the day-ahead read it replaced (the candidates of the
    next 24 hours and the domain's choice among them, without enqueueing) at the same marks.
    The first indexed tick also reads every row whose earliest possible reminder has come
    (what was written before): it is shown apart."""
    service = ReminderService(ctx)
    start = ctx.clock.now().replace(second=0, microsecond=0) + timedelta(minutes=1)
    indexed: list[float] = []
    dayahead: list[float] = []
    enqueued = 0
    for k in range(ticks + 1):
        now = start + timedelta(minutes=k)
        since = now - timedelta(minutes=1)
        began = time.perf_counter()
        async with ctx.transaction() as store:
            candidates = await store.snapshot.due_reminder_candidates(
                since, now + MAX_LEAD, fire_by=now
            )
        by_user: dict[str, list[Occurrence]] = {}
        leads: dict[str, UserSettings] = {}
        for c in candidates:
            by_user.setdefault(c.mm_user_id, []).append(c.occurrence)
            leads[c.mm_user_id] = c.settings
        for user, occurrences in by_user.items():
            due_reminders(occurrences, leads[user], last_tick=since, now=now, user_id=user)
        dayahead.append(time.perf_counter() - began)
        began = time.perf_counter()
        enqueued += await service.tick(now)
        indexed.append(time.perf_counter() - began)
    return {
        "ticks": ticks,
        "indexed_first_ms": round(indexed[0] * 1000, 1),
        "indexed_p50_ms": round(statistics.median(indexed[1:]) * 1000, 1),
        "indexed_max_ms": round(max(indexed[1:]) * 1000, 1),
        "dayahead_p50_ms": round(statistics.median(dayahead[1:]) * 1000, 1),
        "dayahead_max_ms": round(max(dayahead[1:]) * 1000, 1),
        "reminders_enqueued": enqueued,
    }


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median wall time (its figures belong together)."""
    ordered = sorted(runs, key=lambda r: r["wall_s"])
    chosen = dict(ordered[len(ordered) // 2])
    chosen["wall_s_all"] = [r["wall_s"] for r in runs]
    chosen["cpu_s_median"] = round(statistics.median(r["cpu_s"] for r in runs), 3)
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--latencies", default="0,0.03")
    parser.add_argument("--cycles", type=int, default=2)
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--concurrency", type=int, default=0)
    parser.add_argument(
        "--deadline", type=float, default=None, help="per-user poll deadline, s (0: none)"
    )
    parser.add_argument("--direct", action="store_true", help="a real CalDAV server: steady only")
    parser.add_argument(
        "--midnight", type=int, default=0, help="then a cycle across midnight UTC of this many"
    )
    parser.add_argument(
        "--phase-zero",
        action="store_true",
        help="every user's horizon aligned to midnight UTC (the behaviour before issue 19)",
    )
    parser.add_argument("--tick", type=int, default=0, help="then this many reminder ticks")
    parser.add_argument(
        "--skip-cycles", action="store_true", help="no poll cycles (with --midnight/--tick)"
    )
    args = parser.parse_args()
    if args.phase_zero:
        sync_module.window_phase = lambda _user: timedelta(0)
    args.latencies = [float(x) for x in args.latencies.split(",")]
    # on the bot's own event loop (`calendar-bot run` takes it from eventloop.run too)
    print(json.dumps(eventloop.run(run(args))), flush=True)


if __name__ == "__main__":
    main()
