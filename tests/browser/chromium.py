"""What the browser tests share: the Debian Chromium, its flags, the artifacts directory."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CALENDAR_BOT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
REPO = Path(__file__).resolve().parents[2]
WAIT_MS = 45_000  # generous: the machine is shared


def require_chromium() -> None:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip(f"Chromium not found at {CHROMIUM} (Debian: apt-get install chromium)")


def artifacts(name: str) -> Path:
    """`$CALENDAR_BOT_ARTIFACTS/<name>` (or test-artifacts/<name>), emptied: this run's only."""
    path = Path(os.environ.get("CALENDAR_BOT_ARTIFACTS") or REPO / "test-artifacts") / name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True, exist_ok=True)
    return path
