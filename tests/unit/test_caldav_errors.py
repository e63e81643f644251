"""caldav/errors.py, the one place a CalDAV status becomes an error: only a 401 is a refused
login, whatever the request; each request's other answers keep the meaning they had."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest

from calendar_bot.caldav import errors
from calendar_bot.caldav.errors import (
    FetchFailed,
    Refused,
    SyncRefused,
    check_home_listing,
    check_listing,
    check_read,
    check_report,
    check_sync,
    check_write,
    object_found,
)
from calendar_bot.ports import AuthFailed, CalendarError, Forbidden, NotFound, WriteConflict

read_event = partial(check_read, ok=200, gone="the event is gone", request="reading the event")
CHECKS: list[tuple[str, Callable[[int], object], int]] = [
    ("report", check_report, 207),
    ("sync", check_sync, 207),
    ("listing", check_listing, 207),
    ("home", check_home_listing, 207),
    ("read", read_event, 200),
    ("write", check_write, 201),
    ("object", object_found, 200),
]


@pytest.mark.parametrize(("name", "check", "ok"), CHECKS)
def test_only_a_401_is_a_refused_login(name: str, check: Callable[[int], object], ok: int) -> None:
    check(ok)
    with pytest.raises(AuthFailed, match="refused the login"):
        check(401)
    for status in (400, 403, 404, 405, 409, 412, 500, 507):
        try:
            check(status)
        except AuthFailed:  # pragma: no cover - the failure this test is about
            pytest.fail(f"{name}: HTTP {status} read as a refused login")
        except (FetchFailed, SyncRefused, CalendarError):
            pass


@pytest.mark.parametrize(
    ("check", "status", "error", "message"),
    [
        (check_report, 404, FetchFailed, "calendar not found (HTTP 404)"),
        (check_report, 403, Refused, "HTTP 403"),
        (check_report, 501, Refused, "HTTP 501"),
        (check_report, 500, FetchFailed, "HTTP 500"),
        (check_sync, 404, FetchFailed, "calendar not found (HTTP 404)"),
        (check_sync, 403, SyncRefused, "sync-collection answered HTTP 403"),
        (check_listing, 404, FetchFailed, "HTTP 404"),
        (check_home_listing, 404, CalendarError, "calendar home listing answered HTTP 404"),
        (read_event, 404, NotFound, "the event is gone"),
        (read_event, 500, CalendarError, "reading the event answered HTTP 500"),
        (check_write, 403, Forbidden, "the server refused the write"),
        (check_write, 409, NotFound, "the calendar or event is gone"),
        (check_write, 412, WriteConflict, "an event with this UID already exists or it changed"),
        (check_write, 500, CalendarError, "the write answered HTTP 500"),
    ],
)
def test_each_request_keeps_its_meaning(
    check: Callable[[int], object], status: int, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as raised:
        check(status)
    assert type(raised.value) is error and str(raised.value) == message


def test_a_sync_refusal_says_whether_the_server_failed() -> None:
    for status, server_error in ((403, False), (412, False), (500, True), (507, True)):
        with pytest.raises(SyncRefused) as raised:
            check_sync(status)
        assert raised.value.server_error is server_error


def test_an_object_gone_since_it_was_listed_is_no_error() -> None:
    assert object_found(200) is True
    assert object_found(404) is False
    with pytest.raises(FetchFailed, match=r"^HTTP 500 for an object$"):
        object_found(500, what=" for an object")
    assert frozenset({400, 403, 405, 415, 501}) == errors.REFUSALS
