"""Running the bot's coroutines: on uvloop, except on Windows (not built there), with the
cyclic garbage collector tuned for a long-running server.

The bot's steady work is network I/O for thousands of users a minute (a CalDAV request
each, the database, Mattermost); uvloop's event loop and transports are written in C, so
that loop costs less CPU than the standard library's. On Windows, for development, the
standard loop runs the same code.

The collector: a poll cycle allocates millions of short-lived objects (tasks, answers,
rows), and with Python's default thresholds that set off hundreds of collections a minute,
a few of them full ones that walk every object of the process: the modules, the caches,
each user's client (measured at 10,000 users: ~0.65 s of CPU a cycle, ~0.45 s of it in
three full collections). What exists once the bot has started lives as long as the
process, so it is frozen out of the collector's walks (`gc.freeze`), and the youngest
generation is collected every 10,000 allocations instead of 700, so fewer short-lived
objects survive into the older ones (measured: ~0.07 s a cycle). Garbage without cycles
is freed at once by reference counting either way.
"""

from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

YOUNG_THRESHOLD = 10_000  # allocations between collections of the youngest generation


def run(main: Coroutine[Any, Any, T]) -> T:
    tune_collector()
    if sys.platform == "win32":
        return asyncio.run(main)
    import uvloop

    return uvloop.run(main)


def tune_collector() -> None:
    """Freeze what exists now (the process's startup: modules, settings) out of the cyclic
    collector's walks and collect the youngest generation less often."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
