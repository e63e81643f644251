"""The CalDAV adapter's errors, and the one place an HTTP status becomes one of them.

Only a 401 means the login is wrong (`AuthFailed`: the user is asked to reconnect): a 403
is a place or a request this login may not use (DAViCal's root during discovery, a
read-only calendar, a server that does not do sync-collection), never a reason to drop a
working account. Every check below starts from that rule; what the other answers mean
depends on the request, and each check names its request.

The fetch errors (`FetchFailed` and its kinds, `SyncRefused`) stay inside the adapter: the
gateway turns them into an incomplete `CalendarFetch`; the port's errors (ports.py) are
what reaches the services.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Mapping

from calendar_bot.ports import AuthFailed, CalendarError, Forbidden, NotFound, WriteConflict

LOGIN_REFUSED = "the server refused the login"


class FetchFailed(Exception):
    """This calendar could not be read completely; the message is short and secret-free.

    A 404 is one of these too: whether the calendar is really gone is decided by the home
    listing, not by one failed request.
    """


class MalformedAnswer(FetchFailed):
    """A 207 answer that is not a well-formed multistatus (truncated, or one bad object)."""


class Refused(FetchFailed):
    """The server does not do this kind of request (400, 403, 405, 415, 501): another way
    may work where this one never will."""


class MultigetRefused(FetchFailed):
    """calendar-multiget was refused or answered incompletely: read with calendar-data."""


class EtagListingUnusable(FetchFailed):
    """The etag-only listing was refused or carried no etags."""


class SyncRefused(Exception):
    """The server will not sync from our token (expired, invalid, unsupported), or cannot
    answer a sync-collection at all (`server_error`: 5xx, 507)."""

    def __init__(self, message: str = "", *, server_error: bool = False, status: int = 0) -> None:
        super().__init__(message)
        self.server_error = server_error
        self.status = status


REFUSALS = frozenset({400, 403, 405, 415, 501})

_Error = Callable[[int], Exception]


def _check(
    status: int, ok: Container[int], otherwise: _Error, meaning: Mapping[int, _Error] | None = None
) -> None:
    """Nothing for an `ok` status; else raise: AuthFailed for a 401, what `meaning` says for
    the statuses it names, `otherwise` for the rest."""
    if status in ok:
        return
    raise_if_login_refused(status)
    raise (meaning or {}).get(status, otherwise)(status)


def raise_if_login_refused(status: int) -> None:
    """AuthFailed for a 401, the one answer that says the login is wrong; nothing else."""
    if status == 401:
        raise AuthFailed(LOGIN_REFUSED)


def _calendar_missing(_status: int) -> Exception:
    return FetchFailed("calendar not found (HTTP 404)")


def _http(status: int) -> Exception:
    return FetchFailed(f"HTTP {status}")


def _refused(status: int) -> Exception:
    return Refused(f"HTTP {status}")


_REPORT_ERRORS: Mapping[int, _Error] = {
    **{code: _refused for code in REFUSALS},
    404: _calendar_missing,
}


def check_report(status: int) -> None:
    """A REPORT over a calendar (a time-range listing, a multiget): 207, or FetchFailed, a
    `Refused` one where the server does not do this kind of request."""
    _check(status, (207,), _http, _REPORT_ERRORS)


def check_sync(status: int) -> None:
    """A sync-collection REPORT: 207, else FetchFailed for a 404, SyncRefused for the rest:
    403 (Radicale) / 412 (Xandikos): a bad or expired token; 501: no support; 5xx, 507
    (Yandex on a large calendar): the server cannot answer this way. Each means: read the
    calendar in full this poll."""

    def refused(s: int) -> Exception:
        return SyncRefused(f"sync-collection answered HTTP {s}", server_error=s >= 500, status=s)

    _check(status, (207,), refused, {404: _calendar_missing})


def check_listing(status: int) -> None:
    """A Depth-1 PROPFIND of a calendar's members: 207, or FetchFailed."""
    _check(status, (207,), _http)


def object_found(status: int, *, what: str = "") -> bool:
    """A GET of one calendar object: True for 200, False for 404 (deleted since it was
    listed), FetchFailed for the rest (`what` ends its message)."""
    if status == 404:
        return False
    _check(status, (200,), lambda s: FetchFailed(f"HTTP {s}{what}"))
    return True


def check_home_listing(status: int) -> None:
    """The calendar home's Depth-1 PROPFIND: 207, or CalendarError."""
    _check(status, (207,), lambda s: CalendarError(f"calendar home listing answered HTTP {s}"))


def check_read(status: int, *, ok: int, gone: str, request: str) -> None:
    """A read outside a poll (an event before changing it, a raw REPORT): `ok`, else
    NotFound(`gone`) for a 404 and CalendarError naming the `request` for the rest."""
    _check(
        status,
        (ok,),
        lambda s: CalendarError(f"{request} answered HTTP {s}"),
        {404: lambda _s: NotFound(gone)},
    )


_WRITE_ERRORS: Mapping[int, _Error] = {
    403: lambda _s: Forbidden("the server refused the write"),
    404: lambda _s: NotFound("the calendar or event is gone"),
    409: lambda _s: NotFound("the calendar or event is gone"),
    412: lambda _s: WriteConflict("an event with this UID already exists or it changed"),
}


def check_write(status: int) -> None:
    """A PUT: any 2xx, else Forbidden (403), NotFound (404, 409), WriteConflict (412) or
    CalendarError."""
    _check(
        status,
        range(200, 300),
        lambda s: CalendarError(f"the write answered HTTP {s}"),
        _WRITE_ERRORS,
    )
