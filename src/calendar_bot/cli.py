"""The `calendar-bot` command: run | sandbox | generate-key | migrate | rotate-key | doctor |
probe."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Callable, Sequence

from calendar_bot import eventloop
from calendar_bot.config import ConfigError, Settings, load_settings, require_for_run
from calendar_bot.logging_setup import secrets, setup_logging

EXIT_CONFIG = 2
log = logging.getLogger("calendar_bot")


def _fail_config(message: str) -> int:
    print(f"configuration error: {message}", file=sys.stderr)
    return EXIT_CONFIG


def _settings() -> Settings:
    settings = load_settings()
    setup_logging(settings.LOG_LEVEL, settings.LOG_FORMAT)
    secrets.add(settings.MATTERMOST_BOT_TOKEN.get_secret_value())
    secrets.add(settings.MM_SLASH_COMMAND_TOKEN.get_secret_value())
    secrets.add(settings.ACTIONS_SECRET.get_secret_value())
    for key in settings.ENCRYPTION_KEY.get_secret_value().split(","):
        secrets.add(key.strip())
    return settings


def _vault(settings: Settings):  # type: ignore[no-untyped-def]
    from calendar_bot.vault import InvalidKeyError, Vault, parse_keys

    raw = settings.ENCRYPTION_KEY.get_secret_value()
    if not raw.strip():
        raise ConfigError(
            "ENCRYPTION_KEY: required - generate one with `calendar-bot generate-key`"
        )
    try:
        return Vault(parse_keys(raw))
    except InvalidKeyError as exc:
        raise ConfigError(str(exc)) from None  # the message names ENCRYPTION_KEY


def cmd_generate_key(_: argparse.Namespace) -> int:
    from calendar_bot.vault import Vault

    print(Vault.generate_key())
    return 0


def cmd_migrate(_: argparse.Namespace) -> int:
    from calendar_bot.storage.db import run_migrations

    settings = _settings()
    run_migrations(settings.database_url)
    print("database is up to date")
    return 0


def cmd_rotate_key(_: argparse.Namespace) -> int:
    from calendar_bot.storage.db import create_engine, run_migrations, session_factory
    from calendar_bot.storage.rotation import KEY_MISMATCH, rotate_secrets, some_secret_decrypts

    settings = _settings()
    vault = _vault(settings)
    run_migrations(settings.database_url)

    async def rotate() -> tuple[int, int]:
        engine = create_engine(settings.database_url)
        try:
            sessions = session_factory(engine)
            if not await some_secret_decrypts(sessions, vault):
                # not "every password went bad": marking everybody would disconnect them all
                raise ConfigError(KEY_MISMATCH)
            return await rotate_secrets(sessions, vault)
        finally:
            await engine.dispose()

    rotated, unreadable = asyncio.run(rotate())
    print(f"re-encrypted {rotated} secret(s) with the first key")
    if unreadable:
        print(f"{unreadable} user(s) had a secret no key decrypts: marked 'needs reconnect'")
    return 0


def cmd_doctor(_: argparse.Namespace) -> int:
    from calendar_bot.doctor import run_doctor

    try:
        settings = _settings()
    except ConfigError as exc:
        print(f"FAIL configuration: {exc}")
        return 1
    return asyncio.run(run_doctor(settings))


PROBE_ENV = "CALDAV_PROBE_PASSWORD"


def cmd_probe(args: argparse.Namespace) -> int:
    """The password comes from CALDAV_PROBE_PASSWORD or the terminal, never from argv
    (where other users of the machine and the shell history would see it)."""
    import getpass

    from calendar_bot.caldav.probe import probe

    password = os.environ.get(PROBE_ENV, "")
    if not password:
        if not sys.stdin.isatty():
            print(f"Set {PROBE_ENV} or run from a terminal to type the password.")
            return 2
        password = getpass.getpass(f"Password for {args.login}: ")
    if not password:
        print("No password given.")
        return 2
    report = asyncio.run(probe(args.url, args.login, password))
    print(report.table())
    return 0 if report.ok else 1


def cmd_run(args: argparse.Namespace) -> int:
    settings = _settings()
    if not settings.mattermost_configured:
        print(
            "MATTERMOST_BASE_URL is not set: starting the local sandbox instead "
            "(set MATTERMOST_BASE_URL, MATTERMOST_BOT_TOKEN, MM_ACTIONS_URL and ENCRYPTION_KEY "
            "to connect to your Mattermost)."
        )
        return cmd_sandbox(args)
    require_for_run(settings)
    vault = _vault(settings)
    from calendar_bot.app import run_bot

    return eventloop.run(run_bot(settings, vault))


def cmd_sandbox(args: argparse.Namespace) -> int:
    try:
        from calendar_bot.sandbox import run_sandbox
    except ImportError:
        print(
            "The sandbox is not available in this build. To run the bot, set "
            "MATTERMOST_BASE_URL, MATTERMOST_BOT_TOKEN, MM_ACTIONS_URL and ENCRYPTION_KEY "
            "(see README.md)."
        )
        return 0
    return run_sandbox(
        headless=getattr(args, "headless", False),
        port=getattr(args, "port", 0),
        data_dir=getattr(args, "data_dir", None),
        start_at=getattr(args, "start_at", None),
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="calendar-bot",
        description="A Mattermost bot for your CalDAV calendar (Mail.ru and any CalDAV server).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(
        name: str, help_: str, func: Callable[[argparse.Namespace], int]
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_)
        p.set_defaults(func=func)
        return p

    for name in ("run", "sandbox"):
        p = add(
            name,
            "run the bot (the local sandbox when MATTERMOST_BASE_URL is not set)"
            if name == "run"
            else "run the bot with a local Mattermost emulator, CalDAV server and web chat",
            cmd_run if name == "run" else cmd_sandbox,
        )
        p.add_argument(
            "--headless",
            action="store_true",
            help="sandbox: open no browser; print one JSON line when ready",
        )
        p.add_argument(
            "--port", type=int, default=0, help="sandbox: the web chat's port (default: a free one)"
        )
        p.add_argument(
            "--data-dir",
            default=None,
            help="sandbox: keep data here (default: a temporary directory)",
        )
        p.add_argument(
            "--start-at",
            default=None,
            metavar="HH:MM",
            help="sandbox: start the clock at this time today, Moscow time (default: now)",
        )
    add("generate-key", "print a new encryption key for ENCRYPTION_KEY", cmd_generate_key)
    add("migrate", "apply the database migrations", cmd_migrate)
    add(
        "rotate-key",
        "re-encrypt every stored secret with the first ENCRYPTION_KEY key",
        cmd_rotate_key,
    )
    add(
        "doctor",
        "check configuration, database, Mattermost and CalDAV; exit 1 on any failure",
        cmd_doctor,
    )
    p = add(
        "probe",
        "show what a CalDAV server supports, read-only, for one account (password from "
        f"{PROBE_ENV} or the terminal)",
        cmd_probe,
    )
    p.add_argument("url", help="the server URL (as a user would type it)")
    p.add_argument("login", help="the account's login (e-mail)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        result: int = args.func(args)
        return result
    except ConfigError as exc:
        return _fail_config(str(exc))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
