"""eventloop.run: the bot's coroutines on uvloop, with the collector tuned for a server."""

from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import Iterator

import pytest

from calendar_bot import eventloop


@pytest.fixture
def restored_collector() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_run_freezes_the_startup_heap_and_collects_the_young_less_often(
    restored_collector: None,
) -> None:
    gc.unfreeze()

    async def main() -> tuple[int, tuple[int, int, int], str]:
        loop = type(asyncio.get_running_loop()).__module__
        return gc.get_freeze_count(), gc.get_threshold(), loop

    frozen, threshold, loop = eventloop.run(main())
    assert frozen > 1000  # the modules' objects, not just a few
    assert threshold[0] == eventloop.YOUNG_THRESHOLD
    assert loop.startswith("uvloop") or sys.platform == "win32"
