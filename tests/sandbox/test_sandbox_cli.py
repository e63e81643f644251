"""`calendar-bot sandbox --headless`: the JSON line, the sandbox routes, and a clean stop."""

from __future__ import annotations

import signal
import socket
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import niquests
import psutil

from calendar_bot.sandbox.demo import DEMO_USERS
from tests.sandbox.process import sandbox_process, stop


def _port_open(url: str) -> bool:
    parts = urlsplit(url)
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((parts.hostname or "", parts.port or 0)) == 0


def _login(mm_url: str, username: str, password: str) -> str:
    answer = niquests.post(
        f"{mm_url}/api/v4/users/login",
        json={"login_id": username, "password": password},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return str(answer.headers["Token"])


def test_headless_json_clock_and_sigterm(tmp_path: Path) -> None:
    data_dir = tmp_path / "sandbox"
    with sandbox_process(data_dir) as sandbox:
        info = sandbox.info
        assert set(info) == {
            "mattermost_url",
            "caldav_url",
            "bot_http_url",
            "bot_username",
            "users",
        }
        for key in ("mattermost_url", "caldav_url", "bot_http_url"):
            assert info[key].startswith("http://127.0.0.1:"), info[key]
        assert info["bot_username"] == "calendar-bot"
        assert [(u["username"], u["locale"]) for u in info["users"]] == [
            ("alice", "ru"),
            ("bob", "en"),
        ]
        assert set(info["users"][0]) == {
            "username",
            "password",
            "locale",
            "caldav_username",
            "caldav_password",
        }
        mm = info["mattermost_url"]

        # The bot is up and the web chat page is served.
        assert niquests.get(f"{info['bot_http_url']}/healthz", timeout=10).status_code == 200
        page = niquests.get(f"{mm}/", timeout=10)
        assert page.status_code == 200 and "app.js" in (page.text or "")
        assert niquests.get(f"{mm}/static/markdown.js", timeout=10).status_code == 200

        # The demo logins work on both sides: Mattermost and CalDAV.
        for user in info["users"]:
            _login(mm, user["username"], user["password"])
            home = f"{info['caldav_url']}/{user['caldav_username']}/work/"
            listing = niquests.request(
                "PROPFIND",
                home,
                headers={"Depth": "1"},
                auth=(user["caldav_username"], user["caldav_password"]),
                timeout=10,
            )
            assert listing.status_code == 207
            assert "standup.ics" in (listing.text or "")

        # The clock: a script fast-forwards it like the panel does.
        before = niquests.get(f"{mm}/sandbox/clock", timeout=10).json()
        moved = niquests.post(f"{mm}/sandbox/clock", json={"advance_minutes": 90}, timeout=10)
        assert moved.status_code == 200
        jump = datetime.fromisoformat(moved.json()["now"]) - datetime.fromisoformat(before["now"])
        assert timedelta(minutes=90) <= jump < timedelta(minutes=95)
        for bad in ({"advance_minutes": 0}, {"advance_minutes": "5"}, {}):
            refused = niquests.post(f"{mm}/sandbox/clock", json=bad, timeout=10)
            assert refused.status_code == 400, bad

        # The panel's calendar routes need a signed-in demo user and act on their calendar.
        assert niquests.get(f"{mm}/sandbox/events", timeout=10).status_code == 401
        token = _login(mm, "bob", DEMO_USERS[1].password)
        auth = {"Authorization": f"Bearer {token}"}
        added = niquests.post(
            f"{mm}/sandbox/events",
            json={"summary": "Panel test", "start": "2030-01-10T10:00", "minutes": 45},
            headers=auth,
            timeout=10,
        )
        assert added.status_code == 200, added.text
        events = niquests.get(f"{mm}/sandbox/events", headers=auth, timeout=10).json()["events"]
        mine = [e for e in events if e["summary"] == "Panel test"]
        assert [(e["start"], e["end"]) for e in mine] == [
            ("2030-01-10T10:00+03:00", "2030-01-10T10:45+03:00")
        ]
        niquests.post(
            f"{mm}/sandbox/events/move",
            json={"href": mine[0]["href"], "minutes": 60},
            headers=auth,
            timeout=10,
        ).raise_for_status()
        events = niquests.get(f"{mm}/sandbox/events", headers=auth, timeout=10).json()["events"]
        assert [e["start"] for e in events if e["summary"] == "Panel test"] == [
            "2030-01-10T11:00+03:00"
        ]
        niquests.post(
            f"{mm}/sandbox/events/cancel", json={"href": mine[0]["href"]}, headers=auth, timeout=10
        ).raise_for_status()
        events = niquests.get(f"{mm}/sandbox/events", headers=auth, timeout=10).json()["events"]
        assert not [e for e in events if e["summary"] == "Panel test"]
        summaries = {e["summary"] for e in events}
        assert {"Daily stand-up", "Quarter planning day", "Design review", "Dentist"} <= summaries

        # SIGTERM stops everything it started: no child process, no listening port.
        process = psutil.Process(sandbox.process.pid)
        children = process.children(recursive=True)
        assert stop(sandbox.process, signal.SIGTERM) == 0, sandbox.stderr()
        assert not [c for c in children if c.is_running() and c.status() != "zombie"]
        for key in ("mattermost_url", "caldav_url", "bot_http_url"):
            assert not _port_open(info[key]), key
    # The key stays with the data, so a second run can read what the first stored.
    assert (data_dir / "encryption.key").read_text().strip()
    assert (data_dir / "calendar_bot.db").exists()


def test_run_without_mattermost_starts_the_sandbox(tmp_path: Path) -> None:
    with sandbox_process(tmp_path / "data", "run") as sandbox:
        assert len(sandbox.preamble) == 1
        assert sandbox.preamble[0].startswith("MATTERMOST_BASE_URL is not set")
        assert sandbox.info["bot_username"] == "calendar-bot"
        health = niquests.get(f"{sandbox.info['bot_http_url']}/healthz", timeout=10)
        assert health.status_code == 200
        # Ctrl+C is a clean stop too.
        assert stop(sandbox.process, signal.SIGINT) == 0, sandbox.stderr()
        assert not _port_open(sandbox.info["mattermost_url"])
