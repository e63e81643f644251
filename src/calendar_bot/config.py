"""Settings from the environment (and `.env`). The seed's variable names keep their meaning."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from calendar_bot.caldav.addresses import parse_allowed_hosts
from calendar_bot.domain.reminders import MAX_LEAD_MINUTES
from calendar_bot.domain.zones import known_zone


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
    REMINDER_MINUTES: int = Field(15, ge=0, le=MAX_LEAD_MINUTES)
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
    # Host names, IP addresses or networks (CIDR) of CalDAV servers that are not public:
    # every other server must have public addresses only (the "Other server" URL is typed
    # by users, and the bot sends their password there).
    CALDAV_ALLOWED_HOSTS: str = ""
    CALDAV_WORKERS: int = Field(16, ge=1, le=512)
    CALDAV_TIMEOUT: float = Field(20.0, gt=0, le=300)
    # One user's whole poll, every request to the last byte; unset: half of CHECK_INTERVAL,
    # at most 30 s. Shorter than CHECK_INTERVAL, so a cycle never waits a cycle on one user.
    POLL_USER_DEADLINE: float | None = Field(None, gt=0, le=3600)
    POLL_CONCURRENCY: int = Field(64, ge=1, le=10000)
    # How long a claimed outbox row is a replica's alone: when that replica dies, another
    # posts the row once the lease ends (the post's key keeps it from appearing twice).
    DELIVERY_LEASE_SECONDS: int = Field(120, ge=10, le=3600)
    # A video link for new meetings ("Add video link" in the wizard), e.g.
    # https://meet.jit.si/{room}: `{room}` becomes a random, unguessable room name. "": off.
    VIDEO_LINK_TEMPLATE: str = ""

    @field_validator("TZ")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if known_zone(value) is None:
            raise ValueError(f"unknown time zone {value!r}, e.g. Europe/Moscow")
        return value

    @field_validator("CALDAV_BASE_URL")
    @classmethod
    def _caldav_url(cls, value: str) -> str:
        return _http_url(value, "CALDAV_BASE_URL")

    @field_validator("VIDEO_LINK_TEMPLATE")
    @classmethod
    def _video_template(cls, value: str) -> str:
        value = value.strip()
        if not value:
            return value
        if "{room}" not in value:
            raise ValueError(
                "VIDEO_LINK_TEMPLATE must contain {room}, e.g. https://meet.jit.si/{room}"
            )
        _http_url(value.replace("{room}", "room"), "VIDEO_LINK_TEMPLATE")
        return value

    @field_validator("CALDAV_ALLOWED_HOSTS")
    @classmethod
    def _allowed_hosts(cls, value: str) -> str:
        parse_allowed_hosts(value)
        return value

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

    @model_validator(mode="after")
    def _deadline_within_cycle(self) -> Settings:
        if self.POLL_USER_DEADLINE is not None and self.POLL_USER_DEADLINE >= self.CHECK_INTERVAL:
            raise ValueError(
                "POLL_USER_DEADLINE must be shorter than CHECK_INTERVAL "
                f"({self.CHECK_INTERVAL} s): one slow server must not hold up a whole cycle"
            )
        return self

    @property
    def poll_user_deadline(self) -> float:
        """Seconds one user's poll may take, all requests together (see POLL_USER_DEADLINE)."""
        if self.POLL_USER_DEADLINE is not None:
            return self.POLL_USER_DEADLINE
        return min(30.0, self.CHECK_INTERVAL / 2)

    @property
    def mattermost_configured(self) -> bool:
        return bool(self.MATTERMOST_BASE_URL)

    @property
    def database_url(self) -> str:
        from calendar_bot.storage.db import database_url_from

        return database_url_from(self.DB_PATH, self.DATABASE_URL or None)

    @property
    def caldav_allowed_hosts(self) -> tuple[str, ...]:
        return parse_allowed_hosts(self.CALDAV_ALLOWED_HOSTS)

    def actions_secret(self) -> bytes:
        """The HMAC key material for signed button contexts."""
        return self.actions_secrets()[0]

    def actions_secrets(self) -> list[bytes]:
        """The key material that signs button contexts (the first) and that still verifies
        them: every ENCRYPTION_KEY key, so the buttons posted before a key rotation keep
        working while the old key is listed. ACTIONS_SECRET, when set, is the only one."""
        explicit = self.ACTIONS_SECRET.get_secret_value()
        if explicit:
            return [explicit.encode()]
        keys = [k.strip() for k in self.ENCRYPTION_KEY.get_secret_value().split(",")]
        return [k.encode() for k in keys if k] or [b""]


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
