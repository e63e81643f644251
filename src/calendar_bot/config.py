"""Settings from the environment (and `.env`). The seed's variable names keep their meaning."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ConfigError(Exception):
    """One clear, secret-free line naming the variable that is wrong."""


def _http_url(value: str, name: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{name} must be an http(s) URL, e.g. https://host")
    return value.rstrip("/")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=True
    )

    MATTERMOST_BASE_URL: str = ""
    MATTERMOST_BOT_TOKEN: SecretStr = SecretStr("")
    MM_ACTIONS_URL: str = ""
    CALDAV_BASE_URL: str = "https://calendar.mail.ru"
    ENCRYPTION_KEY: SecretStr = SecretStr("")
    TZ: str = "Europe/Moscow"
    DB_PATH: str = "/data/calendar_bot.db"
    CHECK_INTERVAL: int = Field(60, ge=10, le=3600)
    REMINDER_MINUTES: int = Field(15, ge=0, le=1440)
    DAILY_DIGEST_HOUR: int = Field(9, ge=0, le=23)

    DATABASE_URL: str = ""
    HTTP_HOST: str = "0.0.0.0"  # noqa: S104 - the bot serves Mattermost's callbacks
    HTTP_PORT: int = Field(8080, ge=1, le=65535)
    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    LOG_FORMAT: Literal["text", "json"] = "text"

    ACTIONS_SECRET: SecretStr = SecretStr("")
    MM_RATE_LIMIT_PER_SEC: float = Field(10.0, gt=0, le=10000)
    # Mattermost's own RateLimitSettings default is PerSec 10, MaxBurst 100: a burst of 100
    # lets 500 reminders due in the same minute go out within that minute (~40 s).
    MM_RATE_LIMIT_BURST: int = Field(100, ge=1, le=10000)
    MM_SLASH_COMMAND_TEAM_ID: str = ""
    MM_SLASH_COMMAND_TOKEN: SecretStr = SecretStr("")
    CALDAV_WORKERS: int = Field(16, ge=1, le=512)
    CALDAV_TIMEOUT: float = Field(20.0, gt=0, le=300)
    POLL_CONCURRENCY: int = Field(64, ge=1, le=10000)
    # How long a claimed outbox row is a replica's alone: when that replica dies, another
    # posts the row once the lease ends (the post's key keeps it from appearing twice).
    DELIVERY_LEASE_SECONDS: int = Field(120, ge=10, le=3600)

    @field_validator("TZ")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}, e.g. Europe/Moscow") from exc
        return value

    @field_validator("CALDAV_BASE_URL")
    @classmethod
    def _caldav_url(cls, value: str) -> str:
        return _http_url(value, "CALDAV_BASE_URL")

    @field_validator("MATTERMOST_BASE_URL", "MM_ACTIONS_URL")
    @classmethod
    def _optional_url(cls, value: str) -> str:
        return _http_url(value, "the URL") if value else value

    @field_validator("LOG_LEVEL", "LOG_FORMAT", mode="before")
    @classmethod
    def _case_insensitive(cls, value: object) -> object:
        return (
            value.upper()
            if isinstance(value, str) and value.lower() not in ("text", "json")
            else value
        )

    @property
    def mattermost_configured(self) -> bool:
        return bool(self.MATTERMOST_BASE_URL)

    @property
    def database_url(self) -> str:
        from calendar_bot.storage.db import database_url_from

        return database_url_from(self.DB_PATH, self.DATABASE_URL or None)

    def actions_secret(self) -> bytes:
        """The HMAC key material for signed button contexts."""
        explicit = self.ACTIONS_SECRET.get_secret_value()
        if explicit:
            return explicit.encode()
        return self.ENCRYPTION_KEY.get_secret_value().split(",")[0].strip().encode()


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, or ConfigError with one line naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(part) for part in first["loc"]) or "configuration"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{name}: {message}") from None


def require_for_run(settings: Settings) -> None:
    """What `run` needs beyond defaults (Mattermost configured); raises ConfigError."""
    if not settings.MATTERMOST_BOT_TOKEN.get_secret_value():
        raise ConfigError("MATTERMOST_BOT_TOKEN: required when MATTERMOST_BASE_URL is set")
    if not settings.MM_ACTIONS_URL:
        raise ConfigError(
            "MM_ACTIONS_URL: required - the URL at which Mattermost reaches this bot, "
            "e.g. http://calendar-bot:8080"
        )
