"""The poll case alone, on a database seeded once: for comparing code, run after run.

    python -m bench.seeded --dir /tmp/seeded --n 10000 --runs 3
    python -m bench.seeded --dir /tmp/seeded --n 10000 --runs 3 --tree /tmp/perf-before

The first call records Radicale's answers and seeds N users (about two minutes at 10,000)
into --dir; later calls reuse both. Each run copies the seeded database, starts the replay
server (always on the same port: the seeded calendars' URLs hold it) and runs `bench.poll`
at 30 ms (the first cycle, one unchanged and one 5 %-changed cycle) with the code of
--tree (a worktree with its own .venv, e.g. the code before a change), then prints its
JSON line. Nothing of `make bench`'s other parts runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from cryptography.fernet import Fernet
from tests.support.servers import run_radicale

from bench.__main__ import ROOT, TEMPLATES, run_json
from bench.poll import seed
from bench.record import record
from bench.replay import to_json
from calendar_bot.vault import Vault

PORT = 18765


def _replay(python: Path, tree: Path, recording: Path, n: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [str(python), "-m", "bench.replay", str(recording), "--users", str(n), "--port", str(PORT)],
        cwd=tree,
        stdout=subprocess.PIPE,
    )
    assert process.stdout is not None
    if not process.stdout.readline().startswith(b"PORT "):
        process.kill()
        raise RuntimeError("the replay server did not start")
    return process


def prepare(folder: Path, n: int) -> tuple[Path, Path, str]:
    """(recording, seeded database, Fernet key), made once per folder and N."""
    folder.mkdir(parents=True, exist_ok=True)
    recording = folder / "recording.json"
    if not recording.exists():
        with run_radicale() as radicale:
            recording.write_text(json.dumps(to_json(record(radicale, TEMPLATES))))
    database, key_file = folder / f"seed-{n}.db", folder / f"key-{n}"
    if not database.exists():
        key = Fernet.generate_key().decode()
        replay = _replay(Path(sys.executable), ROOT, recording, n)
        try:
            url = f"http://127.0.0.1:{PORT}"
            asyncio.run(seed(f"sqlite+aiosqlite:///{database}", url, n, Vault.from_setting(key), 3))
        finally:
            replay.terminate()
            replay.wait()
        key_file.write_text(key)
    return recording, database, key_file.read_text()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.seeded", description=__doc__)
    parser.add_argument("--dir", type=Path, required=True, help="where the seed is kept")
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--latency", type=float, default=0.03, help="seconds per request")
    parser.add_argument("--tree", type=Path, default=ROOT, help="the code to measure")
    args = parser.parse_args()
    recording, database, key = prepare(args.dir, args.n)
    python = args.tree / ".venv" / "bin" / "python"
    for _ in range(args.runs):
        copy = args.dir / "run.db"
        for leftover in args.dir.glob("run.db*"):
            leftover.unlink()
        shutil.copyfile(database, copy)
        replay = _replay(python, args.tree, recording, args.n)
        try:
            load = Path("/proc/loadavg").read_text().split()[:3]
            started = time.strftime("%H:%M:%S")
            result = run_json(
                [
                    "-m",
                    "bench.poll",
                    "--db",
                    f"sqlite+aiosqlite:///{copy}",
                    "--url",
                    f"http://127.0.0.1:{PORT}",
                    f"--key={key}",
                    "--n",
                    str(args.n),
                    "--latencies",
                    str(args.latency),
                    "--cycles",
                    "1",
                ],
                timeout=1800,
                python=python,
                cwd=args.tree,
            )
        finally:
            replay.terminate()
            replay.wait()
        result["started"], result["load_before"] = started, load
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
