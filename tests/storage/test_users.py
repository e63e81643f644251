"""The users repository on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from calendar_bot.domain.model import UserSettings
from calendar_bot.services.credentials import decrypt_credentials
from calendar_bot.storage.repositories import transaction
from calendar_bot.storage.tables import AUTH_ACTIVE, AUTH_NEEDS_RECONNECT
from calendar_bot.vault import Vault
from tests.storage.helpers import NOW, add_user

Factory = async_sessionmaker[AsyncSession]


async def test_upsert_creates_a_user_due_now(session_factory: Factory, vault: Vault) -> None:
    created = await add_user(session_factory, vault, password="s3cret")
    async with transaction(session_factory) as store:
        user = await store.users.get("alice")
        assert await store.users.get("nobody") is None
    assert user == created
    assert user is not None
    assert decrypt_credentials(user, vault).password == "s3cret"
    assert decrypt_credentials(user, vault).principal_url == "/principals/alice/"
    assert "s3cret" not in user.password_enc and user.password_enc not in repr(user)
    assert user.settings == UserSettings()
    assert (user.auth_state, user.baseline_done, user.reconnect_notified) == (
        AUTH_ACTIVE,
        False,
        False,
    )
    assert user.next_poll_at == NOW and user.created_at == NOW and user.last_poll_at is None


async def test_reconnect_updates_credentials_in_place(
    session_factory: Factory, vault: Vault
) -> None:
    settings = UserSettings(locale="en", timezone="Asia/Tokyo", reminder_leads=(5,))
    await add_user(session_factory, vault, settings=settings)
    later = NOW + timedelta(days=1)
    async with transaction(session_factory) as store:
        await store.users.mark_baseline_done("alice", now=NOW)
        assert await store.users.mark_needs_reconnect("alice", now=NOW)
        assert await store.users.mark_reconnect_notified("alice")
        await store.users.mark_polled("alice", polled_at=NOW, next_poll_at=later)
    # Same account again: baseline and settings kept, login active again, polled now.
    again = await add_user(session_factory, vault, password="new-pw", now=later)
    assert decrypt_credentials(again, vault).password == "new-pw"
    assert again.settings == settings
    assert again.baseline_done is True
    assert again.auth_state == AUTH_ACTIVE and again.reconnect_notified is False
    assert again.next_poll_at == later and again.created_at == NOW and again.updated_at == later
    # A different account: the first sync must be a silent baseline again.
    async with transaction(session_factory) as store:
        other = await store.users.upsert(
            mm_user_id="alice",
            email="alice@example.com",
            caldav_base_url="https://other.example.com",
            caldav_username="alice",
            password_enc=vault.encrypt("x"),
            now=later,
        )
        assert other.baseline_done is False
        assert other.settings == settings
        assert await store.users.count() == 1


async def test_settings_update(session_factory: Factory, vault: Vault) -> None:
    await add_user(session_factory, vault)
    wanted = UserSettings(
        locale="en",
        timezone="Europe/Berlin",
        reminder_leads=(30, 0),
        digest_enabled=False,
        digest_hour=7,
        digest_when_empty=True,
        remind_all_day=True,
    )
    async with transaction(session_factory) as store:
        assert await store.users.update_settings("alice", wanted, now=NOW)
        assert not await store.users.update_settings("ghost", wanted, now=NOW)
        assert await store.users.update_profile("alice", now=NOW, email="a2@example.com")
    async with transaction(session_factory) as store:
        user = await store.users.get("alice")
    assert user is not None
    assert user.settings == wanted and user.email == "a2@example.com"


async def test_auth_state_transitions_notify_once(session_factory: Factory, vault: Vault) -> None:
    await add_user(session_factory, vault)
    async with transaction(session_factory) as store:
        assert await store.users.mark_needs_reconnect("alice", now=NOW) is True
        assert await store.users.mark_needs_reconnect("alice", now=NOW) is False
        assert await store.users.mark_reconnect_notified("alice") is True
        assert await store.users.mark_reconnect_notified("alice") is False
        user = await store.users.get("alice")
        assert user is not None and user.needs_reconnect
        assert [
            u.mm_user_id for u in await store.users.list_all(auth_state=AUTH_NEEDS_RECONNECT)
        ] == ["alice"]
        assert await store.users.mark_active("alice", now=NOW)
        user = await store.users.get("alice")
        assert user is not None
        assert not user.needs_reconnect and not user.reconnect_notified


async def test_due_for_poll_claims(session_factory: Factory, vault: Vault) -> None:
    for i, name in enumerate(["u1", "u2", "u3", "u4"]):
        await add_user(session_factory, vault, name, now=NOW + timedelta(minutes=i))
    now = NOW + timedelta(minutes=2)
    async with transaction(session_factory) as store:
        await store.users.mark_needs_reconnect("u2", now=now)  # not polled while broken
    lease = now + timedelta(minutes=5)
    async with transaction(session_factory) as store:
        claimed = await store.users.claim_due_for_poll(now, until=lease, limit=1)
        assert [u.mm_user_id for u in claimed] == ["u1"]
        assert claimed[0].next_poll_at == lease
    async with transaction(session_factory) as store:
        claimed = await store.users.claim_due_for_poll(now, until=lease, limit=10)
        assert [u.mm_user_id for u in claimed] == ["u3"]
        assert await store.users.claim_due_for_poll(now, until=lease, limit=10) == []
        # The lease runs out: a replica that died mid-poll leaves the user due again.
        again = await store.users.claim_due_for_poll(
            lease, until=lease + timedelta(minutes=1), limit=10
        )
        assert [u.mm_user_id for u in again] == ["u1", "u3", "u4"]
        assert await store.users.schedule_poll("u1", NOW)
        rescheduled = await store.users.claim_due_for_poll(now, until=lease, limit=10)
        assert [u.mm_user_id for u in rescheduled] == ["u1"]


async def test_all_with_secrets_and_conditional_replace(
    session_factory: Factory, vault: Vault
) -> None:
    await add_user(session_factory, vault, "a")
    await add_user(session_factory, vault, "b")
    async with transaction(session_factory) as store:
        secrets = await store.users.all_with_secrets()
        assert [s[0] for s in secrets] == ["a", "b"]
        token_a = secrets[0][1]
        assert await store.users.replace_secret("a", old=token_a, new="T2", now=NOW)
        assert not await store.users.replace_secret("a", old=token_a, new="T3", now=NOW)
        assert dict(await store.users.all_with_secrets())["a"] == "T2"
