"""What the hourly reconciliation costs, per calendar and per poll cycle, against a real
Radicale it starts itself.

    .venv/bin/python -m bench.reconcile [--users 20] [--events 20] [--history 40]

Each user has one calendar with `events` events in the polled window (a quarter weekly
recurring) and `history` events a year earlier (outside every listing's time range, as old
meetings are). Prints, per kind of poll, the median requests and process CPU:
- the unchanged poll the bot does every minute (the caller holds the snapshot);
- a changed poll without reconciliation;
- the same with its reconciliation due (a Depth-1 PROPFIND of every member's etag; the
  first one also reads the `history` objects once, to see they have nothing in range);
- the next one (history known by etag: only the PROPFIND).
Then the cost per cycle of 10,000 users polled once a minute when each calendar is
reconciled at most hourly and only when it changed since its last reconciliation.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.servers import CalDAVServer, run_radicale

from bench.caldav_poll import WINDOW, event
from calendar_bot.caldav import CalDAVGateway
from calendar_bot.caldav.polling import RECONCILE_EVERY
from calendar_bot.domain.model import CalendarRef, Credentials, ExpansionScope

EMAIL = "me@example.test"
TZ = "Europe/Moscow"


def old_event(uid: str, n: int) -> str:
    """An event a year before the window."""
    text = event(uid, n, False)
    return text.replace("DTSTART:2026", "DTSTART:2025").replace("DTEND:2026", "DTEND:2025")


async def run(server: CalDAVServer, users: int, events: int, history: int, cached: bool) -> None:
    clock = [datetime(2026, 11, 30, 9, tzinfo=UTC)]
    gw = CalDAVGateway(
        max_connections=8, timeout=10, now=lambda: clock[0], cached_calendars=1000 if cached else 1
    )
    accounts: list[tuple[Credentials, str, list[CalendarRef]]] = []
    for _ in range(users):
        creds = server.new_user()
        url = server.make_calendar(creds, "Work")
        for n in range(events):
            server.put_ics(creds, url, event(f"e{n}", n, n % 4 == 0), f"e{n}")
        for n in range(history):
            server.put_ics(creds, url, old_event(f"h{n}", n), f"h{n}")
        _, cals = await gw.discover(creds)
        accounts.append((creds, url, cals))

    async def poll(
        creds: Credentials, cals: list[CalendarRef], held: bool
    ) -> tuple[int, float, list[CalendarRef]]:
        cpu = time.process_time()
        result = await gw.sync(
            creds, cals, ExpansionScope(WINDOW, EMAIL, TZ), snapshot_window=WINDOW if held else None
        )
        spent = time.process_time() - cpu
        assert result.complete, [f.error for f in result.calendars]
        return result.requests, spent, [f.calendar for f in result.calendars]

    samples: dict[str, list[tuple[int, float]]] = {
        k: [] for k in ("unchanged", "changed", "changed+reconcile (first)", "changed+reconcile")
    }
    for i, (creds, url, cals) in enumerate(accounts):
        _, _, cals = await poll(creds, cals, held=False)  # baseline
        req, cpu, cals = await poll(creds, cals, held=True)
        samples["unchanged"].append((req, cpu))
        server.put_ics(creds, url, event("e0", 100, False), "e0")
        req, cpu, cals = await poll(creds, cals, held=True)
        samples["changed"].append((req, cpu))
        accounts[i] = (creds, url, cals)
    for label in ("changed+reconcile (first)", "changed+reconcile"):
        clock[0] += RECONCILE_EVERY * 2  # every calendar due
        for i, (creds, url, cals) in enumerate(accounts):
            server.put_ics(creds, url, event("e1", 101 + len(label), False), "e1")
            req, cpu, cals = await poll(creds, cals, held=True)
            samples[label].append((req, cpu))
            accounts[i] = (creds, url, cals)
    await gw.close()

    print(
        f"Radicale, {users} users x 1 calendar: {events} events in the window,"
        f" {history} a year earlier; calendars "
        + ("kept in the gateway's cache" if cached else "not cached (as with 10,000 users)")
    )
    med: dict[str, tuple[float, float]] = {}
    for label, values in samples.items():
        reqs = statistics.median(v[0] for v in values)
        cpu = statistics.median(v[1] for v in values) * 1000
        med[label] = (reqs, cpu)
        print(f"{label:<28} requests {reqs:>4.0f}   CPU {cpu:7.2f} ms   (n={len(values)})")
    extra_req = med["changed+reconcile"][0] - med["changed"][0]
    extra_cpu = med["changed+reconcile"][1] - med["changed"][1]
    first_req = med["changed+reconcile (first)"][0] - med["changed"][0]
    first_cpu = med["changed+reconcile (first)"][1] - med["changed"][1]
    print(f"reconciliation per calendar: +{extra_req:.0f} request(s), +{extra_cpu:.2f} ms CPU;")
    print(f"  the first in a process: +{first_req:.0f} request(s), +{first_cpu:.2f} ms CPU")
    for changed_share in (0.0, 0.05):
        # a calendar is reconciled at most hourly, and only when it changed since its last
        # one: per 1-minute cycle, the calendars that changed within the hour, over 60
        hourly = 1 - (1 - changed_share) ** 60
        per_cycle = 10_000 * 2 * hourly / 60
        print(
            f"10,000 users x 2 calendars, {changed_share:.0%} changing per minute:"
            f" ~{per_cycle:.0f} reconciliations per cycle,"
            f" +{per_cycle * extra_req:.0f} requests, +{per_cycle * extra_cpu / 1000:.2f} s CPU"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--history", type=int, default=40)
    args = parser.parse_args()
    with run_radicale() as server:
        for cached in (True, False):
            asyncio.run(run(server, args.users, args.events, args.history, cached))


if __name__ == "__main__":
    main()
