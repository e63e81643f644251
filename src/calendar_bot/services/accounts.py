"""Connect, reconnect, settings and log out."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from calendar_bot.domain.model import CalendarRef, Credentials, UserSettings
from calendar_bot.domain.parsing import is_valid_email
from calendar_bot.ports import AuthFailed, CalendarError, NotCalDAV, ServerUnreachable
from calendar_bot.records import StoredUser
from calendar_bot.services.context import Context

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ConnectResult:
    ok: bool
    error: str = ""  # a views.onboarding error code: auth, unreachable, not_caldav, email, url...
    calendars: tuple[CalendarRef, ...] = ()
    user: StoredUser | None = None


def error_code(exc: CalendarError) -> str:
    if isinstance(exc, AuthFailed):
        return "auth"
    if isinstance(exc, ServerUnreachable):
        return "unreachable"
    if isinstance(exc, NotCalDAV):
        return "not_caldav"
    return "unreachable"


class AccountService:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    async def connect(
        self,
        user_id: str,
        *,
        email: str,
        password: str,
        server_url: str,
        settings: UserSettings,
        typed_url: bool = False,
    ) -> ConnectResult:
        """Verify the login against CalDAV (discovering calendars) before storing anything.

        With `typed_url` (the user's "Other server") every failure gets the same answer, so
        the form cannot tell an open port from a closed one or a refused address."""
        email = email.strip().lower()
        if not is_valid_email(email):
            return ConnectResult(False, "email")
        if not password.strip():
            return ConnectResult(False, "password_required")
        if typed_url and "@" in urlsplit(server_url).netloc:
            return ConnectResult(False, "url_credentials")  # never stored, never sent
        credentials = Credentials(base_url=server_url, username=email, password=password.strip())
        try:
            principal, calendars = await self._ctx.calendars.discover(credentials)
        except CalendarError as exc:
            log.info("connect of %s failed: %s", user_id, type(exc).__name__)
            return ConnectResult(False, "other_server" if typed_url else error_code(exc))
        now = self._ctx.clock.now()
        async with self._ctx.transaction() as store:
            existing = await store.users.get(user_id)
            keep = existing.settings if existing is not None else settings
            user = await store.users.upsert(
                mm_user_id=user_id,
                email=email,
                caldav_base_url=server_url,
                caldav_username=email,
                password_enc=self._ctx.vault.encrypt(credentials.password),
                principal_url=principal,
                settings=replace(keep, locale=settings.locale, timezone=settings.timezone),
                now=now,
            )
            if existing is not None:  # the time zone may be another: reminders set anew
                await store.snapshot.recheck_reminders(user_id, now)
            # Stored without tags: tags in the store vouch for the stored snapshot (the poll
            # skips a calendar still at them), and there is no snapshot of these yet.
            await store.calendars.replace(
                user_id, [replace(c, ctag="", sync_token="") for c in calendars]
            )
            await store.conversation.clear(user_id)
        if existing is not None:
            _forget(self._ctx, existing)  # a reconnect starts with a fresh client
        return ConnectResult(True, calendars=tuple(calendars), user=user)

    async def logout(self, user_id: str) -> None:
        """Delete every trace: credentials, calendars, snapshot, outbox, state, logs."""
        async with self._ctx.transaction() as store:
            user = await store.users.get(user_id)
            await store.users.delete_everything(user_id)
            await store.conversation.clear(user_id)
        if user is not None:
            _forget(self._ctx, user)

    async def update_settings(self, user_id: str, settings: UserSettings) -> None:
        async with self._ctx.transaction() as store:
            now = self._ctx.clock.now()
            await store.users.update_settings(user_id, settings, now=now)
            # leads, time zone or all-day reminders may have changed: the reminder index of
            # every future meeting of theirs is set anew by the next tick
            await store.snapshot.recheck_reminders(user_id, now)


def _forget(ctx: Context, user: StoredUser) -> None:
    """Drop the adapter's client and cache for this login. The adapter keys them by server
    and user name, so the password is not needed, and not decrypted."""
    login = Credentials(base_url=user.caldav_base_url, username=user.caldav_username, password="")
    ctx.calendars.forget(login)
