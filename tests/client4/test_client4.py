"""The official JavaScript client, @mattermost/client (Client4 and WebSocketClient), against the
emulator with the real bot and a real Radicale behind it: if the emulator answered anything
Client4 cannot use, these steps fail. Node comes from the machine; the package from the npm
registry through `npm ci` and the lock file beside this test (`.ci/install-node.sh` installs
node and npm from Debian in CI)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from calendar_bot.domain.model import Credentials
from calendar_bot.i18n import t
from tests.e2e.harness import World, start_world, stop_world
from tests.support.servers import CalDAVServer

HERE = Path(__file__).parent
STEPS = [
    "login",
    "getMe",
    "error types",
    "websocket hello",
    "createDirectChannel",
    "createPost and posted",
    "getPosts",
    "doPostAction and open_dialog",
    "submitInteractiveDialog wrong password",
    "submitInteractiveDialog right password",
    "executeCommand",
    "post_edited",
    "patchMe and user_updated",
    "custom status and status",
    "reconnect with resume",
]


@pytest.fixture(scope="session")
def node() -> str:
    """node, with the suite's packages installed by `npm ci` (again only if the lock changed)."""
    node_bin, npm_bin = shutil.which("node"), shutil.which("npm")
    if node_bin is None or npm_bin is None:
        pytest.skip("node and npm are needed (.ci/install-node.sh installs them)")
    lock = (HERE / "package-lock.json").read_bytes()
    stamp = HERE / "node_modules" / ".calendar-bot-lock-sha256"
    digest = hashlib.sha256(lock).hexdigest()
    if not stamp.exists() or stamp.read_text() != digest:
        done = subprocess.run(
            [npm_bin, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=HERE,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            pytest.skip(f"npm ci failed: {done.stderr.strip()[-500:]}")
        stamp.write_text(digest)
    return node_bin


@pytest.fixture
async def world(radicale: CalDAVServer, tmp_path: Path) -> AsyncIterator[World]:
    w = await start_world(radicale, tmp_path, slash=True)
    yield w
    await stop_world(w)


async def run_suite(node: str, config: dict[str, Any], tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "client4.json"
    path.write_text(json.dumps(config))
    process = await asyncio.create_subprocess_exec(
        node,
        str(HERE / "suite.js"),
        cwd=HERE,
        env={**os.environ, "CLIENT4_CONFIG": str(path)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), timeout=180)
    text = out.decode(errors="replace")
    lines = [line for line in text.splitlines() if line.startswith("RESULTS ")]
    assert lines, f"the suite printed no results:\n{text[-3000:]}"
    results: list[dict[str, Any]] = json.loads(lines[-1][len("RESULTS ") :])
    failed = [r for r in results if not r["ok"]]
    assert not failed, "Client4 steps failed:\n" + "\n".join(
        f"{r['name']}: {r['detail']}" for r in failed
    )
    assert process.returncode == 0, text[-3000:]
    return results


async def test_the_official_client_drives_the_emulator_and_the_bot(
    node: str, world: World, tmp_path: Path
) -> None:
    password = f"pw-{uuid.uuid4().hex[:8]}"
    username = f"client4{uuid.uuid4().hex[:6]}"
    email = f"{username}@example.test"
    world.emulator.create_user(username, email=email, password=password, locale="en")
    caldav_password = f"app-{uuid.uuid4().hex[:12]}"
    world.radicale.add_login(email, caldav_password)
    world.radicale.make_calendar(
        Credentials(base_url=world.radicale.base_url, username=email, password=caldav_password),
        name="Work",
    )
    results = await run_suite(
        node,
        {
            "base_url": world.emulator.base_url,
            "username": username,
            "password": password,
            "bot_id": world.bot_user["id"],
            "team_id": world.emulator.team_id,
            "caldav_email": email,
            "caldav_password": caldav_password,
            "wrong_password": "not-the-password",
            "settings_label": t("en", "menu.settings"),
        },
        tmp_path,
    )
    assert [r["name"] for r in results] == STEPS
