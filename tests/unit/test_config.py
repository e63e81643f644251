from __future__ import annotations

import pytest

from calendar_bot.config import ConfigError, load_settings

SEED_DEFAULTS = {
    "CALDAV_BASE_URL": "https://calendar.mail.ru",
    "TZ": "Europe/Moscow",
    "DB_PATH": "/data/calendar_bot.db",
    "CHECK_INTERVAL": 60,
    "REMINDER_MINUTES": 15,
    "DAILY_DIGEST_HOUR": 9,
}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    for name in (*SEED_DEFAULTS, "DATABASE_URL", "ENCRYPTION_KEY", "LOG_LEVEL", "HTTP_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(str(tmp_path))  # no stray .env


def test_seed_variables_keep_their_defaults() -> None:
    settings = load_settings()
    for name, value in SEED_DEFAULTS.items():
        assert getattr(settings, name) == value
    assert settings.ENCRYPTION_KEY.get_secret_value() == ""  # never a built-in key
    assert settings.database_url == "sqlite+aiosqlite:////data/calendar_bot.db"


def test_database_url_overrides_db_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://bot@db:5432/calendar")
    assert load_settings().database_url == "postgresql+asyncpg://bot@db:5432/calendar"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CHECK_INTERVAL", "soon"),
        ("CHECK_INTERVAL", "0"),
        ("REMINDER_MINUTES", "-5"),
        ("DAILY_DIGEST_HOUR", "25"),
        ("TZ", "Mars/Olympus"),
        ("CALDAV_BASE_URL", "calendar.mail.ru"),
        ("HTTP_PORT", "99999"),
        ("LOG_LEVEL", "LOUD"),
    ],
)
def test_bad_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert message.startswith(f"{name}:")
    assert "\n" not in message


def test_env_file_is_read(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from pathlib import Path

    Path(str(tmp_path), ".env").write_text("REMINDER_MINUTES=30\nTZ=Asia/Yekaterinburg\n")
    settings = load_settings()
    assert settings.REMINDER_MINUTES == 30
    assert settings.TZ == "Asia/Yekaterinburg"


def test_poll_user_deadline_defaults_within_the_cycle_and_refuses_a_longer_one() -> None:
    assert load_settings(CHECK_INTERVAL=60).poll_user_deadline == 30
    assert load_settings(CHECK_INTERVAL=20).poll_user_deadline == 10
    assert load_settings(CHECK_INTERVAL=600).poll_user_deadline == 30
    assert load_settings(CHECK_INTERVAL=60, POLL_USER_DEADLINE=5).poll_user_deadline == 5
    with pytest.raises(ConfigError, match="POLL_USER_DEADLINE"):
        load_settings(CHECK_INTERVAL=60, POLL_USER_DEADLINE=60)


def test_video_link_template_is_off_by_default_and_must_name_the_room() -> None:
    assert load_settings().VIDEO_LINK_TEMPLATE == ""
    settings = load_settings(VIDEO_LINK_TEMPLATE="https://meet.jit.si/{room}")
    assert settings.VIDEO_LINK_TEMPLATE == "https://meet.jit.si/{room}"
    for bad in ("https://meet.jit.si/fixed", "ftp://x/{room}", "{room}"):
        with pytest.raises(ConfigError, match="VIDEO_LINK_TEMPLATE"):
            load_settings(VIDEO_LINK_TEMPLATE=bad)
