"""`calendar-bot probe URL LOGIN` against real servers: read-only, the password never on
the command line or in the output, a table of what the server supports."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.caldav.samples import single
from tests.caldav.test_server_failures import overridden_series
from tests.support.quirks import Quirks, QuirkServer, quirk_server
from tests.support.servers import CalDAVServer


def run_probe(url: str, login: str, password: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CALDAV_PROBE_PASSWORD"}
    if password is not None:
        env["CALDAV_PROBE_PASSWORD"] = password
    return subprocess.run(
        [sys.executable, "-m", "calendar_bot.cli", "probe", url, login],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )


def rows(output: str) -> dict[str, str]:
    """step -> result, from the printed table."""
    out: dict[str, str] = {}
    for line in output.splitlines():
        parts = line.split(None, 1)
        if len(parts) == 2 and "  " in line:
            name, rest = line[: line.index("  ")].strip(), line[line.index("  ") :].strip()
            count, _, result = rest.partition("  ")
            if count.strip().isdigit():
                out[name] = result.strip()
    return out


@pytest.fixture
def mailru(radicale: CalDAVServer) -> Iterator[QuirkServer]:
    with quirk_server(radicale, Quirks(mailru=True), "mailru") as server:
        yield server


def test_probe_on_mailru_shows_the_fallbacks_and_changes_nothing(mailru: QuirkServer) -> None:
    creds = mailru.new_user()
    cal = mailru.make_calendar(creds, "Work")
    mailru.put_ics(creds, cal, single("p1", "Probe me", "20261203T100000Z"))
    seen = len(mailru.quirks.hits)

    done = run_probe(mailru.base_url, creds.username, creds.password)

    assert done.returncode == 0, done.stdout + done.stderr
    table = rows(done.stdout)
    assert table["calendar-home-set"].startswith("no")
    assert table["sync-token"] == "0 of 1 calendar(s)"
    assert table["sync-collection"] == "no"
    assert table["calendar-multiget"] != "yes"
    assert "objects: calendar-query carrying calendar-data (the fallback)" in done.stdout
    assert "home: the principal's Depth-1 children" in done.stdout
    assert table["authentication"] == "Basic"
    assert creds.password not in done.stdout + done.stderr
    methods = {m for m, _, _ in mailru.quirks.hits[seen:]}
    assert methods <= {"PROPFIND", "REPORT", "GET"}  # read-only


def test_probe_on_davical_finds_both_shortcuts(davical: CalDAVServer) -> None:
    creds = davical.new_user()
    cal = davical.make_calendar(creds, "Work")
    davical.put_ics(creds, cal, single("p1", "Probe me", "20261203T100000Z"))
    davical.put_ics(creds, cal, overridden_series())

    done = run_probe(davical.base_url, creds.username, creds.password)

    assert done.returncode == 0, done.stdout + done.stderr
    table = rows(done.stdout)
    assert table["calendar-home-set"] == "yes"
    assert table["unknown sync token"].startswith("HTTP 207")
    assert table["calendar-multiget"] == "yes"
    assert "objects: etag listing, then calendar-multiget of what changed" in done.stdout


def test_probe_without_a_password_source_refuses(radicale: CalDAVServer) -> None:
    creds = radicale.new_user()

    done = run_probe(radicale.base_url, creds.username, None)

    assert done.returncode == 2
    assert "CALDAV_PROBE_PASSWORD" in done.stdout


def test_probe_with_a_wrong_password_says_so(radicale: CalDAVServer) -> None:
    creds = radicale.new_user()

    done = run_probe(radicale.base_url, creds.username, creds.password + "x")

    assert done.returncode == 1
    assert "AuthFailed" in done.stdout
    assert "Traceback" not in done.stderr
