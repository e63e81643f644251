"""The CalDAV login of a stored user: decrypted here, when a service talks to the server.

The stored record holds only the Fernet token; the key lives in the Vault the app gives the
services, so neither the store nor its records can read a password.
"""

from __future__ import annotations

from calendar_bot.domain.model import Credentials
from calendar_bot.records import StoredUser
from calendar_bot.vault import Vault


def decrypt_credentials(user: StoredUser, vault: Vault) -> Credentials:
    """Decrypt the login. Raises vault.UndecryptableSecret when no key fits."""
    return Credentials(
        base_url=user.caldav_base_url,
        username=user.caldav_username,
        password=vault.decrypt(user.password_enc),
        principal_url=user.principal_url,
        home_url=user.home_url,
    )
