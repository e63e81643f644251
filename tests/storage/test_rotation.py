"""Key rotation re-encrypts every stored secret with the new first key."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from calendar_bot.services.credentials import decrypt_credentials
from calendar_bot.storage.repositories import transaction
from calendar_bot.storage.rotation import rotate_secrets, some_secret_decrypts
from calendar_bot.vault import Vault
from tests.storage.helpers import NOW, add_user

Factory = async_sessionmaker[AsyncSession]


async def test_after_rotation_the_new_key_alone_decrypts_everything(
    session_factory: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    old_key, new_key, lost_key = (Vault.generate_key() for _ in range(3))
    old = Vault([old_key])
    for i in range(5):
        await add_user(session_factory, old, f"user{i}", password=f"pw!{i}")
    await add_user(session_factory, Vault([lost_key]), "lost", password="pw!lost")
    await add_user(session_factory, Vault([new_key]), "fresh", password="pw!fresh")

    caplog.set_level(logging.DEBUG)
    result = await rotate_secrets(session_factory, Vault([new_key, old_key]), now=NOW)
    assert (result.rotated, result.unreadable) == (5, 1)

    only_new = Vault([new_key])
    async with transaction(session_factory) as store:
        users = {u.mm_user_id: u for u in await store.users.list_all()}
    for i in range(5):
        assert decrypt_credentials(users[f"user{i}"], only_new).password == f"pw!{i}"
        assert not users[f"user{i}"].needs_reconnect
    assert decrypt_credentials(users["fresh"], only_new).password == "pw!fresh"
    assert users["lost"].needs_reconnect
    # "!" is outside the tokens' base64 alphabet: "pw-" once matched a ciphertext in the DEBUG log
    for secret in ("pw!", old_key, new_key, lost_key):
        assert secret not in caplog.text

    # Running it again rewrites nothing.
    assert await rotate_secrets(session_factory, only_new, now=NOW) == (0, 1)


async def test_some_secret_decrypts_tells_a_wrong_key_from_a_few_lost_passwords(
    session_factory: Factory,
) -> None:
    right, wrong, lost = (Vault.generate_key() for _ in range(3))
    assert await some_secret_decrypts(session_factory, Vault([wrong]))  # nobody stored yet
    await add_user(session_factory, Vault([lost]), "lost", password="pw-lost")
    await add_user(session_factory, Vault([right]), "user1", password="pw-1")
    assert await some_secret_decrypts(session_factory, Vault([right]))  # one lost: not a key error
    assert await some_secret_decrypts(session_factory, Vault([wrong, right]))
    assert not await some_secret_decrypts(session_factory, Vault([wrong]))
