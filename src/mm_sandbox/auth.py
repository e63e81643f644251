"""Finding the session token the way the server does (`ParseAuthTokenFromRequest`)."""

from __future__ import annotations

from aiohttp import web

from .errors import session_expired
from .store import Store


def token_from_request(request: web.Request) -> str | None:
    """Header first (`Bearer` or `Token`), then the MMAUTHTOKEN cookie, then `?access_token=`."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() in ("bearer", "token") and value.strip():
        return value.strip()
    cookie = request.cookies.get("MMAUTHTOKEN")
    if cookie:
        return cookie
    query = request.query.get("access_token")
    return query or None


def session_user(store: Store, request: web.Request) -> str | None:
    token = token_from_request(request)
    return store.user_for_token(token) if token else None


def require_user(store: Store, request: web.Request) -> str:
    """The caller's user ID, or the server's 401 for a missing, unknown or revoked token."""
    user_id = session_user(store, request)
    if user_id is None:
        raise session_expired()
    return user_id
