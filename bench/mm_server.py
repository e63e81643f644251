"""The Mattermost emulator in a process of its own (its CPU is not the bot's), with K users.

    python -m bench.mm_server --users K [--rate-limit]

Prints one JSON line once listening: {"url", "bot_id", "bot_token", "users": [[id, dm], ...]}.
A control server on another port (so it is never rate limited nor counted with the bot's
requests) answers GET /posts: every bot post as [channel_id, create_at (ms), message head].
"""

from __future__ import annotations

import argparse
import asyncio
import json

from aiohttp import web

from mm_sandbox import Emulator, RateLimit


async def serve(users: int, rate_limit: bool) -> None:
    emulator = Emulator(rate_limit=RateLimit() if rate_limit else None, max_recorded=0)
    bot, token = emulator.create_bot("calendar-bot")
    people: list[list[str]] = []
    for i in range(users):
        user = emulator.create_user(f"person{i:05d}", email=f"person{i:05d}@example.test")
        people.append([str(user["id"]), emulator.dm_channel_id(str(bot["id"]), str(user["id"]))])

    async def posts(_request: web.Request) -> web.Response:
        store = emulator.store
        out = [
            [p["channel_id"], p["create_at"], str(p.get("message", ""))[:60]]
            for p in store.posts.values()
            if p["user_id"] == bot["id"] and not p["delete_at"]
        ]
        return web.json_response(out)

    control = web.Application()
    control.router.add_get("/posts", posts)
    runner = web.AppRunner(control, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    control_port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    url = await emulator.start()
    print(
        json.dumps(
            {
                "url": url,
                "control": f"http://127.0.0.1:{control_port}",
                "bot_id": bot["id"],
                "bot_token": token,
                "users": people,
            }
        ),
        flush=True,
    )
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--rate-limit", action="store_true")
    args = parser.parse_args()
    asyncio.run(serve(args.users, args.rate_limit))


if __name__ == "__main__":
    main()
