"""Requests and CPU per poll of the CalDAV gateway against a real Radicale it starts itself.

    .venv/bin/python bench/caldav_poll.py [--users 5] [--events 20] [--rounds 20]

Each user has 2 calendars with ~N events (a quarter of them recurring). Prints, per poll
kind, the median requests and the median process CPU time (the gateway's work plus the
client side of HTTP; Radicale runs in another process and is not counted).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.servers import CalDAVServer, run_radicale

from calendar_bot.caldav import CalDAVGateway
from calendar_bot.domain.model import CalendarRef, Credentials, ExpansionScope, TimeWindow

WINDOW = TimeWindow(datetime(2026, 11, 29, tzinfo=UTC), datetime(2026, 12, 27, tzinfo=UTC))


def event(uid: str, n: int, recurring: bool) -> str:
    start = datetime(2026, 11, 30, 8, tzinfo=UTC) + timedelta(days=n % 25, hours=n % 9)
    rule = "RRULE:FREQ=WEEKLY;COUNT=10\r\n" if recurring else ""
    stamp = start.strftime("%Y%m%dT%H%M%SZ")
    end = (start + timedelta(minutes=45)).strftime("%Y%m%dT%H%M%SZ")
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:{stamp}\r\nDTEND:{end}\r\n"
        f"SUMMARY:Meeting {n}\r\n{rule}"
        "ORGANIZER;CN=Boss:mailto:boss@example.test\r\n"
        "ATTENDEE;CN=Me;PARTSTAT=NEEDS-ACTION:mailto:me@example.test\r\n"
        "DESCRIPTION:Join https://telemost.yandex.ru/j/123\r\n"
        "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:x\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


async def poll(
    gw: CalDAVGateway, creds: Credentials, cals: list[CalendarRef]
) -> tuple[int, float, list[CalendarRef]]:
    cpu = time.process_time()
    result = await gw.sync(creds, cals, ExpansionScope(WINDOW, "me@example.test", "Europe/Moscow"))
    spent = time.process_time() - cpu
    assert result.complete, [f.error for f in result.calendars]
    return result.requests, spent, [f.calendar for f in result.calendars]


async def run(server: CalDAVServer, users: int, events: int, rounds: int) -> None:
    gw = CalDAVGateway(max_connections=8, timeout=10)
    accounts: list[tuple[Credentials, list[str], list[CalendarRef]]] = []
    for _ in range(users):
        creds = server.new_user()
        cal_urls = [server.make_calendar(creds, name) for name in ("Work", "Home")]
        for c, url in enumerate(cal_urls):
            for n in range(events):
                server.put_ics(creds, url, event(f"e{c}-{n}", n, n % 4 == 0), f"e{c}-{n}")
        _, cals = await gw.discover(creds)
        accounts.append((creds, cal_urls, cals))

    first: list[tuple[int, float]] = []
    unchanged: list[tuple[int, float]] = []
    changed: list[tuple[int, float]] = []
    for i, (creds, urls, cals) in enumerate(accounts):
        req, cpu, cals = await poll(gw, creds, cals)
        first.append((req, cpu))
        accounts[i] = (creds, urls, cals)
    for r in range(rounds):
        for i, (creds, urls, cals) in enumerate(accounts):
            req, cpu, cals = await poll(gw, creds, cals)
            unchanged.append((req, cpu))
            # one event edited in one calendar: the next poll is a "changed" one
            server.put_ics(
                creds, urls[0], event(f"e0-{r % events}", r + 100, False), f"e0-{r % events}"
            )
            req, cpu, cals = await poll(gw, creds, cals)
            changed.append((req, cpu))
            accounts[i] = (creds, urls, cals)
    await gw.close()

    def show(label: str, samples: list[tuple[int, float]]) -> None:
        reqs = statistics.median(s[0] for s in samples)
        cpu = statistics.median(s[1] for s in samples) * 1000
        print(f"{label:<28} requests {reqs:>4.0f}   CPU {cpu:7.2f} ms   (n={len(samples)})")

    print(f"Radicale, {users} users x 2 calendars x {events} events (1/4 weekly recurring)")
    show("first poll (cold cache)", first)
    show("unchanged poll", unchanged)
    show("changed poll (1 event)", changed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=5)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    with run_radicale() as server:
        asyncio.run(run(server, args.users, args.events, args.rounds))


if __name__ == "__main__":
    main()
