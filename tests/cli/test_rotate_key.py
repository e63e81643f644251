"""`calendar-bot rotate-key`: after it, the new key alone decrypts every stored password."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from cryptography.fernet import Fernet

from calendar_bot.storage.db import create_engine, run_migrations, session_factory
from calendar_bot.storage.repositories import transaction
from calendar_bot.vault import UndecryptableSecret, Vault
from tests.cli.test_cli import _cli

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


async def _store(url: str, vault: Vault, passwords: dict[str, str]) -> None:
    engine = create_engine(url)
    async with transaction(session_factory(engine)) as store:
        for user_id, password in passwords.items():
            await store.users.upsert(
                mm_user_id=user_id,
                email=f"{user_id}@example.test",
                caldav_base_url="https://calendar.example.test",
                caldav_username=f"{user_id}@example.test",
                password_enc=vault.encrypt(password),
                now=NOW,
            )
    await engine.dispose()


async def _secrets(url: str) -> dict[str, str]:
    engine = create_engine(url)
    async with transaction(session_factory(engine)) as store:
        rows = dict(await store.users.all_with_secrets())
    await engine.dispose()
    return rows


def test_rotate_key_leaves_every_password_readable_with_the_new_key(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    url = f"sqlite+aiosqlite:///{db}"
    run_migrations(url)
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    passwords = {"u1": "first-app-password", "u2": "второй-пароль"}
    asyncio.run(_store(url, Vault([old]), passwords))

    result = _cli(
        "rotate-key", env={"DB_PATH": str(db), "ENCRYPTION_KEY": f"{new},{old}"}, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "re-encrypted 2" in result.stdout

    stored = asyncio.run(_secrets(url))
    only_new, only_old = Vault([new]), Vault([old])
    for user_id, password in passwords.items():
        assert only_new.decrypt(stored[user_id]) == password
        try:
            only_old.decrypt(stored[user_id])
        except UndecryptableSecret:
            pass
        else:
            raise AssertionError("the old key still decrypts a rotated secret")
    for value in (old, new, *passwords.values()):
        assert value not in result.stdout + result.stderr


def test_run_with_a_key_that_decrypts_nobody_exits_2_and_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    url = f"sqlite+aiosqlite:///{db}"
    run_migrations(url)
    right, wrong = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    asyncio.run(_store(url, Vault([right]), {"u1": "first-app-password", "u2": "second"}))
    before = asyncio.run(_secrets(url))

    env = {
        "DB_PATH": str(db),
        "ENCRYPTION_KEY": wrong,
        "MATTERMOST_BASE_URL": "http://127.0.0.1:9",  # never reached: the check comes first
        "MATTERMOST_BOT_TOKEN": "t" * 26,
        "MM_ACTIONS_URL": "http://127.0.0.1:8080",
    }
    result = _cli("run", env=env, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "ENCRYPTION_KEY" in result.stderr and "Traceback" not in result.stderr
    assert wrong not in result.stderr + result.stdout
    assert asyncio.run(_secrets(url)) == before


def test_rotate_key_with_a_key_that_decrypts_nobody_exits_2_and_changes_nothing(
    tmp_path: Path,
) -> None:
    db = tmp_path / "bot.db"
    url = f"sqlite+aiosqlite:///{db}"
    run_migrations(url)
    right, wrong = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    asyncio.run(_store(url, Vault([right]), {"u1": "first-app-password", "u2": "second"}))
    before = asyncio.run(_secrets(url))

    result = _cli("rotate-key", env={"DB_PATH": str(db), "ENCRYPTION_KEY": wrong}, cwd=tmp_path)

    assert result.returncode == 2, result.stdout + result.stderr
    assert "ENCRYPTION_KEY" in result.stderr and "Traceback" not in result.stderr
    assert asyncio.run(_secrets(url)) == before
    assert not asyncio.run(_needs_reconnect(url))


async def _needs_reconnect(url: str) -> list[str]:
    engine = create_engine(url)
    async with transaction(session_factory(engine)) as store:
        marked = [u.mm_user_id for u in await store.users.list_all() if u.needs_reconnect]
    await engine.dispose()
    return marked
