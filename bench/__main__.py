"""The performance bench: `make bench` (= `.venv/bin/python -m bench`).

Not part of the tests' pass/fail. Prints a table of figures beside their targets, then one
JSON object as its last line. Every part drives the bot's real code paths:

1. Poll throughput (bench/poll.py): SyncService + CalDAVGateway + SQLite, N users with two
   calendars of 20 events each, served by the replay server (bench/replay.py: real Radicale
   answers recorded in this run, replayed per user after an added latency), in a process of
   its own; then N=200 against a real Radicale directly.
2. Reminder punctuality (bench/reminders.py): K reminders due at one minute mark through
   BotApp -> emulator (in another process), rate limit off and on.
3. Interactive latency (bench/click.py): button click -> reply, Radicale behind.

Options: --quick (small and fast), --n 1000,10000, --latency 0,30 (ms), --k 1000,
--out FILE (the JSON also to a file), --chart FILE (cycle time against N, PNG).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.servers import run_radicale  # noqa: E402

from bench.poll import PASSWORD, seed  # noqa: E402
from bench.record import record  # noqa: E402
from bench.replay import to_json  # noqa: E402
from bench.replicas import replicas_case  # noqa: E402
from calendar_bot.vault import Vault  # noqa: E402

TEMPLATES = 3
MIDNIGHT_BEFORE_USERS = 1000  # all of them re-read at midnight: a sample, scaled in the table
POSTGRES_ENV = "CALENDAR_BOT_TEST_POSTGRES_URL"
TARGETS = {
    "poll_10k_wall_s": ("<", 30.0),
    "poll_10k_cpu_s": ("<", 15.0),
    "poll_10k_requests_per_user": ("=", 1.0),
    "poll_10k_rss_mb": ("<", 300.0),
    "poll_10k_changed5_cpu_s": ("<", 10.0),
    "poll_10k_first_requests_per_user": ("<", 1.01),
    "reminders_1k_p99_s": ("<", 2.0),
    "click_p95_beyond_caldav_ms": ("<", 300.0),
}


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run_json(
    args: list[str], timeout: float, *, python: Path | None = None, cwd: Path = ROOT
) -> dict[str, Any]:
    """Run a bench part in a process of its own; its last stdout line is its JSON."""
    done = subprocess.run(
        [str(python or sys.executable), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(f"{args[:2]} failed ({done.returncode}): {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


class Replay:
    """The replay server as a process of its own."""

    def __init__(self, recording: Path, users: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.replay", str(recording), "--users", str(users)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().decode()
        if not line.startswith("PORT "):
            self.process.kill()
            raise RuntimeError("the replay server did not start")
        self.url = f"http://127.0.0.1:{int(line.split()[1])}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def poll_case(
    recording: Path, tmp: Path, n: int, latencies_ms: list[int], cycles: int
) -> dict[str, Any]:
    replay = Replay(recording, n)
    try:
        key = Fernet.generate_key().decode()
        db = f"sqlite+aiosqlite:///{tmp / f'poll-{n}.db'}"
        seconds = asyncio.run(seed(db, replay.url, n, Vault.from_setting(key), TEMPLATES))
        log(f"seeded {n} users in {seconds:.0f} s; polling")
        result = run_json(
            [
                "-m",
                "bench.poll",
                "--db",
                db,
                "--url",
                replay.url,
                f"--key={key}",  # a Fernet key may start with "-"
                "--n",
                str(n),
                "--latencies",
                ",".join(str(ms / 1000) for ms in latencies_ms),
                "--cycles",
                str(cycles),
                "--tick",
                "10",
            ],
            timeout=1800,
        )
        result["seed_s"] = round(seconds, 1)
        # A cycle across midnight UTC, each in a process of its own (a fresh gateway, so
        # nothing of the cycles above is in its cache): horizons spread over the day (now),
        # and all aligned to midnight (before issue 19), the latter on at most 1,000 users.
        latency = str(max(latencies_ms) / 1000)
        for label, users, extra in (
            ("midnight", n, []),
            ("midnight_before", min(n, MIDNIGHT_BEFORE_USERS), ["--phase-zero"]),
        ):
            log(f"poll: N={n}, a cycle across midnight UTC ({label}, {users} users due)")
            part = [
                "-m",
                "bench.poll",
                "--db",
                db,
                "--url",
                replay.url,
                f"--key={key}",
                "--n",
                str(n),
                "--latencies",
                latency,
                "--skip-cycles",
                "--midnight",
                str(users),
                *extra,
            ]
            result[label] = run_json(part, timeout=1800)["midnight"]
        return result
    finally:
        replay.stop()


def radicale_case(server_dir: Path, base_url: str, add_login: Any, tmp: Path, n: int) -> Any:
    """N users on the real Radicale (copies of the template accounts' collections)."""
    root = server_dir / "collections" / "collection-root"
    for i in range(n):
        name = f"u{i:05d}"
        target = root / name
        if not target.exists():
            shutil.copytree(root / f"tpl{i % TEMPLATES}", target)
        add_login(name, PASSWORD)
    key = Fernet.generate_key().decode()
    db = f"sqlite+aiosqlite:///{tmp / f'radicale-{n}.db'}"
    asyncio.run(seed(db, base_url, n, Vault.from_setting(key), TEMPLATES))
    return run_json(
        [
            "-m",
            "bench.poll",
            "--db",
            db,
            "--url",
            base_url,
            f"--key={key}",  # a Fernet key may start with "-"
            "--n",
            str(n),
            "--latencies",
            "0",
            "--cycles",
            "2",
            "--direct",
        ],
        timeout=900,
    )


def _check(value: Any, rule: tuple[str, float]) -> str:
    if value is None:
        return "-"
    op, target = rule
    ok = value < target if op == "<" else abs(value - target) < 1e-9
    return "ok" if ok else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="N=200, K=200: a minute or two")
    parser.add_argument("--n", default="1000,10000", help="users per poll case")
    parser.add_argument("--latency", default="0,30", help="added CalDAV latency, ms")
    parser.add_argument("--k", type=int, default=1000, help="reminders due at one mark")
    parser.add_argument("--radicale-n", type=int, default=200)
    parser.add_argument("--cycles", type=int, default=1, help="cycles per measured kind")
    parser.add_argument("--rounds", type=int, default=20, help="click rounds")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    parser.add_argument(
        "--postgres",
        default="",
        help=f"replicas on this PostgreSQL (default: ${POSTGRES_ENV}; none: not run)",
    )
    parser.add_argument("--chart", type=Path, help="write a PNG of cycle time against N")
    args = parser.parse_args()
    ns = [int(x) for x in args.n.split(",") if x]
    latencies = [int(x) for x in args.latency.split(",") if x]
    k, radicale_n, rounds = args.k, args.radicale_n, args.rounds
    if args.quick:
        ns, k, radicale_n, rounds = [200], 200, 50, 5
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="calendar-bot-bench-"))
    out: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "caldav_server": "replayed real Radicale answers (recorded in this run), per user",
        "poll": {},
    }
    try:
        with run_radicale() as radicale:
            log(f"recording Radicale answers for {TEMPLATES} template accounts")
            recording = tmp / "recording.json"
            recording.write_text(json.dumps(to_json(record(radicale, TEMPLATES))))
            for n in ns:
                log(f"poll: N={n}, latency {latencies} ms")
                out["poll"][str(n)] = poll_case(recording, tmp, n, latencies, args.cycles)
            postgres = args.postgres or os.environ.get(POSTGRES_ENV, "")
            if postgres:
                n = max(ns)
                out["replicas"] = replicas_case(recording, postgres, n, max(latencies))
            log(f"poll: N={radicale_n} against the real Radicale")
            out["poll_radicale"] = radicale_case(
                radicale.data_dir, radicale.base_url, radicale.add_login, tmp, radicale_n
            )
        log(f"reminders: K={k}, rate limit off")
        out["reminders"] = run_json(["-m", "bench.reminders", "--k", str(k)], timeout=600)
        log(f"reminders: K={k}, rate limit on (10/s, burst 100)")
        out["reminders_limited"] = run_json(
            ["-m", "bench.reminders", "--k", str(k), "--rate-limit"], timeout=900
        )
        log(f"clicks: {rounds} rounds")
        out["click"] = run_json(["-m", "bench.click", "--rounds", str(rounds)], timeout=600)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    out["bench_seconds"] = round(time.monotonic() - started, 1)
    summary = summarize(out, ns, latencies, k)
    out.update(summary)
    print_table(out, ns, latencies)
    if args.chart:
        from bench.chart import draw

        draw(out, args.chart)
    line = json.dumps(out, separators=(",", ":"))
    if args.out:
        args.out.write_text(json.dumps(out, indent=1) + "\n")
    print(line, flush=True)


def summarize(out: dict[str, Any], ns: list[int], latencies: list[int], k: int) -> dict[str, Any]:
    """The headline keys; poll_10k_* come from the largest N at the largest latency."""
    big = str(max(ns))
    lat = f"latency_{max(latencies)}ms"
    case = out["poll"][big]
    steady, changed = case[lat]["steady"], case[lat]["changed5"]
    limited = out["reminders_limited"]
    click = out["click"]
    tag = "10k" if big == "10000" else big
    replicas = out.get("replicas", {}).get("runs", {})
    return {
        "replicas_users_per_cycle": {k: r["users_per_60s_cycle"] for k, r in replicas.items()},
        "replicas_db_statements_per_user": {
            k: r["db_statements_per_user"] for k, r in replicas.items()
        },
        f"poll_{tag}_wall_s": steady["wall_s"],
        f"poll_{tag}_cpu_s": steady["cpu_s"],
        f"poll_{tag}_requests_per_user": steady["requests_per_user"],
        f"poll_{tag}_rss_mb": case["peak_rss_mb"],
        f"poll_{tag}_changed5_wall_s": changed["wall_s"],
        f"poll_{tag}_changed5_cpu_s": changed["cpu_s"],
        f"poll_{tag}_first_requests_per_user": case["first"]["requests_per_user"],
        f"poll_{tag}_midnight_cpu_s": case["midnight"]["cpu_s"],
        f"poll_{tag}_midnight_requests_per_user": case["midnight"]["requests_per_user"],
        f"poll_{tag}_midnight_before_cpu_s_per_user": round(
            case["midnight_before"]["cpu_s"] / max(case["midnight_before"]["users"], 1), 5
        ),
        f"reminder_tick_{tag}_ms": case["reminder_tick"]["indexed_p50_ms"],
        f"reminder_tick_{tag}_dayahead_ms": case["reminder_tick"]["dayahead_p50_ms"],
        f"reminders_{k}_p99_s" if k != 1000 else "reminders_1k_p99_s": out["reminders"]["p99_s"],
        "reminders_1k_limited_all_delivered": limited["all_delivered"],
        "reminders_1k_limited_duplicates": limited["duplicates"],
        "reminders_1k_limited_last_s": limited["max_s"],
        "click_p95_ms": click["rsvp_p95_ms"],
        "click_p95_caldav_ms": click["rsvp_caldav_p95_ms"],
        "click_p95_beyond_caldav_ms": click["rsvp_beyond_caldav_p95_ms"],
        "click_open_p95_ms": click["open_p95_ms"],
    }


def print_table(out: dict[str, Any], ns: list[int], latencies: list[int]) -> None:
    print()
    print("CalDAV: " + out["caldav_server"] + "; the bot and the server in separate processes")
    head = f"{'poll cycle':<34}{'wall s':>8}{'CPU s':>8}{'req/user':>9}{'p50 ms':>9}"
    print(head + f"{'p99 ms':>9}{'RSS MB':>8}{'failed':>7}")
    for n in ns:
        case = out["poll"][str(n)]
        rows = [("first after start", case["first"])]
        for ms in latencies:
            runs = case[f"latency_{ms}ms"]
            rows += [
                (f"{ms} ms, unchanged", runs["steady"]),
                (f"{ms} ms, 5% changed", runs["changed5"]),
            ]
        for label, r in rows:
            print(
                f"N={n:<6} {label:<25}{r['wall_s']:>8.1f}{r['cpu_s']:>8.1f}"
                f"{r['requests_per_user']:>9.2f}{r['p50_ms']:>9.1f}{r['p99_ms']:>9.1f}"
                f"{r['rss_mb']:>8.0f}{r['failed']:>7}"
            )
        for label in ("midnight", "midnight_before"):
            r = case[label]
            title = "across midnight" if label == "midnight" else "midnight, all aligned"
            print(
                f"N={n:<6} {title:<25}{r['wall_s']:>8.1f}{r['cpu_s']:>8.1f}"
                f"{r['requests_per_user']:>9.2f}{r['p50_ms']:>9.1f}{r['p99_ms']:>9.1f}"
                f"{r['rss_mb']:>8.0f}{r['failed']:>7}   ({r['users']} due, "
                f"{r['horizons_moved']} horizons moved)"
            )
        t = case["reminder_tick"]
        print(
            f"N={n:<6} reminder tick: indexed p50 {t['indexed_p50_ms']} ms "
            f"(max {t['indexed_max_ms']}, first {t['indexed_first_ms']}); "
            f"day-ahead read p50 {t['dayahead_p50_ms']} ms (max {t['dayahead_max_ms']})"
        )
    direct = out["poll_radicale"]
    r = direct["latency_0ms"]["steady"]
    print(
        f"N={direct['n']:<6} {'real Radicale, unchanged':<25}{r['wall_s']:>8.1f}{r['cpu_s']:>8.1f}"
        f"{r['requests_per_user']:>9.2f}{r['p50_ms']:>9.1f}{r['p99_ms']:>9.1f}"
        f"{r['rss_mb']:>8.0f}{r['failed']:>7}"
    )
    print()
    for key, label in (("reminders", "rate limit off"), ("reminders_limited", "10/s, burst 100")):
        rem = out[key]
        print(
            f"reminders K={rem['k']} ({label}): p50 {rem['p50_s']} s, p99 {rem['p99_s']} s, "
            f"max {rem['max_s']} s; delivered {rem['delivered']}/{rem['k']}, "
            f"duplicates {rem['duplicates']}"
        )
    c = out["click"]
    print(
        f"click -> reply: open a meeting p50 {c['open_p50_ms']} / p95 {c['open_p95_ms']} ms; "
        f"RSVP p50 {c['rsvp_p50_ms']} / p95 {c['rsvp_p95_ms']} ms, "
        f"of which CalDAV p95 {c['rsvp_caldav_p95_ms']} ms ({c['rsvp_caldav_share']:.0%})"
    )
    if "replicas" in out:
        rep = out["replicas"]
        print()
        print(f"replicas on PostgreSQL, N={rep['n']}, {rep['latency_ms']} ms:")
        print(
            f"{'replicas':>9}{'wall s':>8}{'users/60s':>11}{'CPU s each':>22}"
            f"{'stmts/user':>11}{'rows w/user':>12}{'WAL B/user':>11}{'PG CPU s':>9}"
        )
        for k, r in rep["runs"].items():
            each = "/".join(f"{c:.1f}" for c in r["cpu_s_per_replica"])
            print(
                f"{k:>9}{r['cycle_wall_s']:>8.1f}{r['users_per_60s_cycle']:>11}{each:>22}"
                f"{r['db_statements_per_user']:>11.4f}{r['db_rows_written_per_user']:>12.2f}"
                f"{r['db_wal_bytes_per_user']:>11.0f}{r['db_server_cpu_s']:>9.2f}"
            )
    print()
    print(f"{'figure':<36}{'value':>10}   target")
    for key, rule in TARGETS.items():
        value = out.get(key)
        shown = f"{value:.2f}" if isinstance(value, float) else str(value)
        print(f"{key:<36}{shown:>10}   {rule[0]} {rule[1]:g}   {_check(value, rule)}")
    print(f"(bench took {out['bench_seconds']} s)")


if __name__ == "__main__":
    main()
