"""Several bot replicas polling one PostgreSQL database (issue 19, item 2).

The orchestrator (`replicas_case`, called by `python -m bench`) creates a database of its own
on the PostgreSQL server of `CALENDAR_BOT_TEST_POSTGRES_URL`, seeds N users there as
bench/poll.py does, and for 1, 2 and 4 replicas starts that many processes of
    python -m bench.replicas worker --db URL --url REPLAY --key KEY --start-at EPOCH
which poll one cycle together (SyncService.poll_due until nobody is due: the claim with SKIP
LOCKED splits the users between them) against the same replay server at the same latency.
Each worker reports its users, CPU and wall time and the statements it sent (counted on its
engine); the orchestrator adds what the database did in that cycle: transactions and rows
from pg_stat_database (this database only), WAL bytes (the whole server: an upper bound
when other work runs), and the CPU time of the server processes serving this database.
The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import niquests
import psutil
from sqlalchemy import event, update

from bench.poll import BENCH_NOW, PREVIOUS_POLL, NoChat, TimedSync, cycle, seed
from calendar_bot.caldav import CalDAVGateway
from calendar_bot.clock import ManualClock
from calendar_bot.config import Settings
from calendar_bot.services.context import Context
from calendar_bot.storage.db import create_engine, session_factory
from calendar_bot.storage.repositories import unit_of_work
from calendar_bot.storage.tables import users
from calendar_bot.vault import Vault

ROOT = Path(__file__).resolve().parents[1]
COUNTS = (1, 2, 4)
STAT_KEYS = ("xact_commit", "tup_returned", "tup_fetched", "tup_inserted", "tup_updated")


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


# ---- a worker: one replica, one cycle ---------------------------------------------------------


async def work(args: argparse.Namespace) -> dict[str, Any]:
    settings = Settings()
    engine = create_engine(args.db)
    statements = {"n": 0}

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _count(*_: Any) -> None:
        statements["n"] += 1

    clock = ManualClock(BENCH_NOW - timedelta(seconds=60))
    gateway = CalDAVGateway(settings.CALDAV_WORKERS, settings.CALDAV_TIMEOUT, now=clock.now)
    ctx = Context(
        clock=clock,
        vault=Vault.from_setting(args.key),
        transaction=unit_of_work(session_factory(engine)),
        calendars=gateway,
        chat=NoChat(),  # type: ignore[arg-type]
        caldav_base_url=args.url,
        default_tz="Europe/Moscow",
        check_interval=timedelta(seconds=settings.CHECK_INTERVAL),
        poll_concurrency=settings.POLL_CONCURRENCY,
    )
    sync = TimedSync(ctx)
    async with engine.connect():  # the pool's first connection, before the clock starts
        pass
    statements["n"] = 0
    await asyncio.sleep(max(0.0, args.start_at - time.time()))
    result = await cycle(sync, clock, None)
    result["statements"] = statements["n"]
    await gateway.close()
    await engine.dispose()
    return result


# ---- the orchestrator -------------------------------------------------------------------------


async def _stats(dsn: str, name: str) -> dict[str, int]:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SELECT pg_stat_clear_snapshot()")
        row = await conn.fetchrow(
            f"SELECT {', '.join(STAT_KEYS)}, tup_deleted FROM pg_stat_database WHERE datname = $1",
            name,
        )
        wal = await conn.fetchval("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")
        out = {k: int(row[k]) for k in (*STAT_KEYS, "tup_deleted")}
        out["wal_bytes"] = int(wal)
        return out
    finally:
        await conn.close()


def _backend_cpu(name: str, seen: dict[int, float]) -> None:
    """Record the CPU time of every server process serving database `name` (its title
    names the database); a process that ends keeps its last reading."""
    for proc in psutil.process_iter(["cmdline"]):
        try:
            title = " ".join(proc.info["cmdline"] or ())
            if title.startswith("postgres:") and f" {name} " in title:
                times = proc.cpu_times()
                seen[proc.pid] = times.user + times.system
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue


async def _reset_schedule(url: str) -> None:
    """Every user due at the cycle's moment again, last polled a minute before it."""
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(update(users).values(next_poll_at=BENCH_NOW, last_poll_at=PREVIOUS_POLL))
    await engine.dispose()


def _run_cycle(url: str, replay: str, key: str, k: int, name: str, admin: str) -> dict[str, Any]:
    asyncio.run(_reset_schedule(url))
    time.sleep(1.5)  # the reset's statistics flushed before the first reading
    before = asyncio.run(_stats(admin, name))
    served = sum(niquests.get(replay + "/_bench/stats", timeout=30).json().values())
    start_at = time.time() + 6
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.replicas",
                "worker",
                "--db",
                url,
                "--url",
                replay,
                f"--key={key}",
                "--start-at",
                str(start_at),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(k)
    ]
    cpu: dict[int, float] = {}
    base: dict[int, float] = {}
    _backend_cpu(name, base)
    while any(p.poll() is None for p in procs):
        _backend_cpu(name, cpu)
        time.sleep(0.2)
    results = []
    for p in procs:
        out, err = p.communicate()
        if p.returncode != 0 or not out.strip():
            raise RuntimeError(f"replica failed ({p.returncode}): {err[-2000:]}")
        results.append(json.loads(out.strip().splitlines()[-1]))
    time.sleep(1.5)  # ended backends have flushed their statistics
    after = asyncio.run(_stats(admin, name))
    served = sum(niquests.get(replay + "/_bench/stats", timeout=30).json().values()) - served
    polled = sum(r["users"] for r in results)
    wall = max(r["wall_s"] for r in results)
    db = {key: after[key] - before[key] for key in after}
    statements = sum(r["statements"] for r in results)
    db_cpu = sum(cpu.values()) - sum(base.get(pid, 0.0) for pid in cpu)
    per_user = max(polled, 1)
    return {
        "replicas": k,
        "users": polled,
        "cycle_wall_s": round(wall, 2),
        "users_per_60s_cycle": round(polled * 60 / wall) if wall else None,
        "cpu_s_per_replica": [r["cpu_s"] for r in results],
        "users_per_replica": [r["users"] for r in results],
        "failed": sum(r["failed"] for r in results),
        "requests_per_user": round(served / per_user, 3),
        "db_statements_per_user": round(statements / per_user, 4),
        "db_transactions_per_user": round(db["xact_commit"] / per_user, 4),
        "db_rows_read_per_user": round(db["tup_fetched"] / per_user, 3),
        "db_rows_written_per_user": round(
            (db["tup_inserted"] + db["tup_updated"] + db["tup_deleted"]) / per_user, 3
        ),
        "db_wal_bytes_per_user": round(db["wal_bytes"] / per_user, 1),
        "db_server_cpu_s": round(db_cpu, 3),
    }


def replicas_case(
    recording: Path, admin_url: str, n: int, latency_ms: int, counts: tuple[int, ...] = COUNTS
) -> dict[str, Any]:
    from cryptography.fernet import Fernet

    from bench.__main__ import Replay, log

    name = f"cbt_bench_{uuid.uuid4().hex[:10]}"
    admin = _dsn(admin_url)
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"

    async def create() -> None:
        conn = await asyncpg.connect(admin)
        await conn.execute(f'CREATE DATABASE "{name}"')
        await conn.close()

    async def drop() -> None:
        conn = await asyncpg.connect(admin)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()

    replay = Replay(recording, n)
    asyncio.run(create())
    try:
        key = Fernet.generate_key().decode()
        seconds = asyncio.run(seed(url, replay.url, n, Vault.from_setting(key), 3))
        log(f"replicas: seeded {n} users on PostgreSQL in {seconds:.0f} s")
        niquests.post(f"{replay.url}/_bench/config?latency={latency_ms / 1000}", timeout=30)
        runs = {}
        for k in counts:
            log(f"replicas: {k} on PostgreSQL, N={n}, {latency_ms} ms")
            runs[str(k)] = _run_cycle(url, replay.url, key, k, name, admin)
        return {"n": n, "latency_ms": latency_ms, "seed_s": round(seconds, 1), "runs": runs}
    finally:
        replay.stop()
        asyncio.run(drop())


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    worker = sub.add_parser("worker")
    worker.add_argument("--db", required=True)
    worker.add_argument("--url", required=True)
    worker.add_argument("--key", required=True)
    worker.add_argument("--start-at", type=float, required=True)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(work(args))), flush=True)


if __name__ == "__main__":
    main()
