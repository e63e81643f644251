"""Key rotation: re-encrypt every stored secret with the first ENCRYPTION_KEY key."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from calendar_bot.storage.repositories import transaction
from calendar_bot.vault import UndecryptableSecret, Vault

log = logging.getLogger(__name__)

_BATCH = 200  # users per transaction: short write locks on SQLite


class RotationResult(NamedTuple):
    rotated: int  # secrets re-encrypted with the first key (already current: not counted)
    unreadable: int  # users whose secret no key decrypts: marked needs_reconnect


async def rotate_secrets(
    session_factory: async_sessionmaker[AsyncSession],
    vault: Vault,
    *,
    now: datetime | None = None,
) -> RotationResult:
    """Re-encrypt every stored password with the vault's first key.

    A secret no key decrypts does not stop the run: its user is marked needs_reconnect
    (and counted in `unreadable`). A user who reconnects during the run keeps the new
    secret (the swap is conditional on the old token).
    """
    moment = now or datetime.now(UTC)
    async with transaction(session_factory) as store:
        secrets = await store.users.all_with_secrets()
    rotated = unreadable = 0
    for start in range(0, len(secrets), _BATCH):
        async with transaction(session_factory) as store:
            for mm_user_id, token in secrets[start : start + _BATCH]:
                if vault.is_current(token):
                    continue
                try:
                    fresh = vault.rotate(token)
                except UndecryptableSecret:
                    unreadable += 1
                    await store.users.mark_needs_reconnect(mm_user_id, now=moment)
                    log.warning(
                        "a stored secret is undecryptable with every key: user %s", mm_user_id
                    )
                    continue
                if await store.users.replace_secret(mm_user_id, old=token, new=fresh, now=moment):
                    rotated += 1
    log.info("key rotation: %d re-encrypted, %d unreadable", rotated, unreadable)
    return RotationResult(rotated, unreadable)


KEY_MISMATCH = (
    "ENCRYPTION_KEY: no configured key decrypts any stored password - it is not the key this "
    "database was written with. Nothing was changed; start again with the right key (a new "
    "key goes first: NEW,OLD)."
)


async def some_secret_decrypts(
    session_factory: async_sessionmaker[AsyncSession], vault: Vault
) -> bool:
    """True when there is no stored secret or at least one decrypts with the vault's keys.

    False means no key decrypts any stored secret: not every user's password went bad at
    once, the configured key is not the one this database was written with (a configuration
    error, which must stop the start rather than disconnect everybody). Stops at the first
    secret that decrypts, so a healthy start costs one decryption.
    """
    async with transaction(session_factory) as store:
        secrets = await store.users.all_with_secrets()
    for _mm_user_id, token in secrets:
        try:
            vault.decrypt(token)
        except UndecryptableSecret:
            continue
        return True
    return not secrets
