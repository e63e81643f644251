"""The web chat is an emulator option; the sandbox's control routes are never part of it."""

from __future__ import annotations

import aiohttp

from mm_sandbox import Emulator


async def test_plain_emulator_has_no_page_and_no_sandbox_routes() -> None:
    emulator = Emulator()
    url = await emulator.start()
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{url}/") as page:
                assert page.status == 404
            async with http.post(f"{url}/sandbox/clock", json={"advance_minutes": 5}) as clock:
                assert clock.status == 404
    finally:
        await emulator.stop()


async def test_webchat_option_serves_the_page_but_no_sandbox_routes() -> None:
    emulator = Emulator(webchat=True)
    url = await emulator.start()
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{url}/") as page:
                assert page.status == 200
                assert "/static/app.js" in await page.text()
            for name in ("app.js", "markdown.js", "app.css"):
                async with http.get(f"{url}/static/{name}") as asset:
                    assert asset.status == 200, name
            async with http.get(f"{url}/sandbox/info") as info:
                assert info.status == 404
    finally:
        await emulator.stop()
