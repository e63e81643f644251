"""`calendar-bot doctor` against the Mattermost emulator and a real Radicale."""

from __future__ import annotations

from pathlib import Path

from cryptography.fernet import Fernet

from calendar_bot.config import load_settings
from calendar_bot.doctor import run_doctor
from mm_sandbox import Emulator
from tests.support.emulator import EmulatorFactory
from tests.support.servers import CalDAVServer


async def _doctor(**env: object) -> tuple[int, list[str]]:
    lines: list[str] = []
    code = await run_doctor(load_settings(**env), out=lines.append)
    return code, lines


async def test_all_ok(emulator: Emulator, radicale: CalDAVServer, tmp_path: Path) -> None:
    bot, token = emulator.create_bot("calbot")
    emulator.set_user(bot["id"], roles="system_user system_admin")
    code, lines = await _doctor(
        MATTERMOST_BASE_URL=emulator.base_url,
        MATTERMOST_BOT_TOKEN=token,
        MM_ACTIONS_URL="http://127.0.0.1:8080",
        ENCRYPTION_KEY=Fernet.generate_key().decode(),
        DB_PATH=str(tmp_path / "bot.db"),
        CALDAV_BASE_URL=radicale.base_url,
    )
    assert code == 0, lines
    assert len(lines) == 8
    assert all(line.startswith("OK") for line in lines)
    assert any("bot @calbot" in line for line in lines)
    assert any(line.startswith("OK   presence") for line in lines)


async def test_presence_without_the_permission_is_a_warning_with_what_to_do(
    emulator: Emulator, radicale: CalDAVServer, tmp_path: Path
) -> None:
    """A bot's default roles (system_user) lack edit_other_users: the doctor says so and
    what an admin does, and still passes (presence is optional)."""
    _, token = emulator.create_bot("calbot")
    code, lines = await _doctor(
        MATTERMOST_BASE_URL=emulator.base_url,
        MATTERMOST_BOT_TOKEN=token,
        MM_ACTIONS_URL="http://127.0.0.1:8080",
        ENCRYPTION_KEY=Fernet.generate_key().decode(),
        DB_PATH=str(tmp_path / "bot.db"),
        CALDAV_BASE_URL=radicale.base_url,
    )
    assert code == 0, lines
    (warning,) = [line for line in lines if line.startswith("WARN")]
    assert warning.startswith("WARN presence:")
    assert "edit_other_users" in warning and "System Admin" in warning
    # edit_other_users alone (an admin's grant to a role) is enough.
    emulator.store.role_permissions["system_user_manager"].add("edit_other_users")
    bot = emulator.store.user_by_username("calbot")
    assert bot is not None
    emulator.set_user(bot["id"], roles="system_user system_user_manager")
    code, lines = await _doctor(
        MATTERMOST_BASE_URL=emulator.base_url,
        MATTERMOST_BOT_TOKEN=token,
        MM_ACTIONS_URL="http://127.0.0.1:8080",
        ENCRYPTION_KEY=Fernet.generate_key().decode(),
        DB_PATH=str(tmp_path / "bot2.db"),
        CALDAV_BASE_URL=radicale.base_url,
    )
    assert code == 0 and any(line.startswith("OK   presence") for line in lines), lines


async def test_each_failure_is_one_line_with_a_hint(
    emulator: Emulator, unreachable_url: str, tmp_path: Path
) -> None:
    user = emulator.create_user("notabot")
    code, lines = await _doctor(
        MATTERMOST_BASE_URL=emulator.base_url,
        MATTERMOST_BOT_TOKEN=emulator.login_token(user["id"]),
        MM_ACTIONS_URL="",
        ENCRYPTION_KEY="not-a-key",
        DB_PATH=str(tmp_path / "bot.db"),
        CALDAV_BASE_URL=unreachable_url,
    )
    assert code == 1
    failed = {line.split(":")[0] for line in lines if line.startswith("FAIL")}
    assert failed == {"FAIL encryption key", "FAIL mattermost", "FAIL actions url", "FAIL caldav"}
    text = "\n".join(lines)
    assert "not a bot account" in text
    assert "not-a-key" not in text


async def test_refused_token(emulator: Emulator, unreachable_url: str, tmp_path: Path) -> None:
    code, lines = await _doctor(
        MATTERMOST_BASE_URL=emulator.base_url,
        MATTERMOST_BOT_TOKEN="x" * 26,
        MM_ACTIONS_URL="http://127.0.0.1:8080",
        ENCRYPTION_KEY=Fernet.generate_key().decode(),
        DB_PATH=str(tmp_path / "bot.db"),
        CALDAV_BASE_URL=unreachable_url,
    )
    assert code == 1
    assert any(line.startswith("FAIL mattermost") and "401" in line for line in lines)


async def test_slash_command_refused_prints_the_admin_instruction(
    make_emulator: EmulatorFactory, radicale: CalDAVServer, tmp_path: Path
) -> None:
    """A real server's default permissions: the bot may not create /calendar; doctor says
    exactly what the admin must do."""
    emulator = await make_emulator(members_manage_commands=False)
    _, token = emulator.create_bot("calbot")
    env: dict[str, object] = {
        "MATTERMOST_BASE_URL": emulator.base_url,
        "MATTERMOST_BOT_TOKEN": token,
        "MM_ACTIONS_URL": "http://calendar-bot:8080",
        "ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "DB_PATH": str(tmp_path / "bot.db"),
        "CALDAV_BASE_URL": radicale.base_url,
        "MM_SLASH_COMMAND_TEAM_ID": emulator.team_id,
    }
    code, lines = await _doctor(**env)
    assert code == 1
    [line] = [line for line in lines if line.startswith("FAIL")]
    assert line.startswith("FAIL slash command: the bot may not create slash commands")
    assert "http://calendar-bot:8080/commands" in line
    assert "MM_SLASH_COMMAND_TOKEN" in line

    code, lines = await _doctor(**env, MM_SLASH_COMMAND_TOKEN="t" * 26)
    assert code == 0, lines
