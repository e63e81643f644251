"""`python -m mm_sandbox`: run the emulator on 127.0.0.1 and print its URL (and tokens)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from .limits import RateLimit
from .server import Emulator


async def _serve(args: argparse.Namespace) -> None:
    emulator = Emulator(rate_limit=RateLimit() if args.rate_limit else None, max_recorded=1000)
    url = await emulator.start(args.host, args.port)
    print(f"Mattermost emulator: {url}", flush=True)
    for name in args.bot:
        bot, token = emulator.create_bot(name, name)
        print(f"bot {name}: id={bot['id']} token={token}", flush=True)
    for name in args.user:
        user = emulator.create_user(name)
        print(f"user {name}: id={user['id']} token={emulator.login_token(user['id'])}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await emulator.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m mm_sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8065)
    parser.add_argument("--bot", action="append", default=[], help="create a bot, print its token")
    parser.add_argument("--user", action="append", default=[], help="create a user, print a token")
    parser.add_argument("--rate-limit", action="store_true", help="turn the server's limiter on")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
