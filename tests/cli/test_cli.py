from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from calendar_bot.cli import build_parser

SUBCOMMANDS = ("run", "sandbox", "generate-key", "migrate", "rotate-key", "doctor")


def _cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MATTERMOST_", "MM_", "ENCRYPTION_KEY"))
    }
    return subprocess.run(
        [sys.executable, "-m", "calendar_bot.cli", *args],
        capture_output=True,
        text=True,
        env={**base, **(env or {})},
        cwd=cwd,
        timeout=60,
        check=False,
    )


def test_help_lists_the_six_subcommands() -> None:
    text = build_parser().format_help()
    for name in SUBCOMMANDS:
        assert name in text
    for name in SUBCOMMANDS:
        with pytest.raises(SystemExit) as info:
            build_parser().parse_args([name, "--help"])
        assert info.value.code == 0


def test_generate_key_prints_a_valid_fernet_key() -> None:
    result = _cli("generate-key")
    assert result.returncode == 0
    key = result.stdout.strip()
    Fernet(key.encode())  # raises if malformed
    assert Fernet(key.encode()).decrypt(Fernet(key.encode()).encrypt(b"x")) == b"x"


def test_bad_key_exits_2_with_one_line(tmp_path: Path) -> None:
    env = {
        "MATTERMOST_BASE_URL": "http://127.0.0.1:9",
        "MATTERMOST_BOT_TOKEN": "t" * 26,
        "MM_ACTIONS_URL": "http://127.0.0.1:8080",
        "ENCRYPTION_KEY": "not-a-key",
        "DB_PATH": str(tmp_path / "bot.db"),
    }
    result = _cli("run", env=env, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "ENCRYPTION_KEY" in lines[0]
    assert "not-a-key" not in result.stderr


def test_missing_key_exits_2(tmp_path: Path) -> None:
    env = {
        "MATTERMOST_BASE_URL": "http://127.0.0.1:9",
        "MATTERMOST_BOT_TOKEN": "t" * 26,
        "MM_ACTIONS_URL": "http://127.0.0.1:8080",
        "DB_PATH": str(tmp_path / "bot.db"),
    }
    result = _cli("run", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("configuration error: ENCRYPTION_KEY")


def test_bad_variable_exits_2_naming_it(tmp_path: Path) -> None:
    result = _cli("migrate", env={"CHECK_INTERVAL": "often"}, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("configuration error: CHECK_INTERVAL")


def test_migrate_creates_the_database(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    result = _cli("migrate", env={"DB_PATH": str(db)}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert db.exists()
