"""`calendar-bot sandbox --headless` as a child process, for tests that prove the CLI too."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

CLI = [sys.executable, "-m", "calendar_bot.cli"]
START_DEADLINE = 90.0  # seconds: generous, the machine is shared


@dataclass
class SandboxProcess:
    process: subprocess.Popen[str]
    info: dict[str, Any]
    stderr_path: Path
    preamble: list[str]  # stdout lines before the JSON one

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")


def _lines_until_json(stream: IO[str], deadline: float) -> list[str]:
    """Lines read up to and including the first JSON one (or up to the deadline / EOF)."""
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in stream:
            lines.put(line)
            if line.startswith("{"):
                return
        lines.put("")

    threading.Thread(target=read, daemon=True).start()
    end = time.monotonic() + deadline
    out: list[str] = []
    while True:
        try:
            line = lines.get(timeout=max(0.0, end - time.monotonic()))
        except queue.Empty:
            return out
        if not line:
            return out
        out.append(line)
        if line.startswith("{"):
            return out


def stop(process: subprocess.Popen[str], sig: int = signal.SIGTERM) -> int:
    if process.poll() is None:
        process.send_signal(sig)
    try:
        return process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
        raise AssertionError("the sandbox did not stop within 30 s of the signal") from None


@contextlib.contextmanager
def sandbox_process(
    data_dir: Path, command: str = "sandbox", *extra: str
) -> Iterator[SandboxProcess]:
    """Start the sandbox CLI, wait for its JSON line, stop it with SIGTERM at the end."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MATTERMOST_", "MM_"))}
    env["PYTHONUNBUFFERED"] = "1"
    stderr_path = data_dir.parent / f"{data_dir.name}-stderr.log"
    with stderr_path.open("w") as stderr:
        process = subprocess.Popen(
            [*CLI, command, "--headless", "--data-dir", str(data_dir), *extra],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env=env,
        )
    try:
        assert process.stdout is not None
        lines = _lines_until_json(process.stdout, START_DEADLINE)
        assert lines and lines[-1].startswith("{"), (
            f"no JSON line from the sandbox; stdout {lines}; stderr:\n{stderr_path.read_text()}"
        )
        yield SandboxProcess(process, json.loads(lines[-1]), stderr_path, lines[:-1])
    finally:
        stop(process)
