"""Running the bot's coroutines: on uvloop, except on Windows (not built there).

The bot's steady work is network I/O for thousands of users a minute (a CalDAV request
each, the database, Mattermost); uvloop's event loop and transports are written in C, so
that loop costs less CPU than the standard library's. On Windows, for development, the
standard loop runs the same code.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    if sys.platform == "win32":
        return asyncio.run(main)
    import uvloop

    return uvloop.run(main)
