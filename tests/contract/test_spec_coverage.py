"""The emulator serves only operations the official spec has, and the allow-list is honest."""

from __future__ import annotations

import re
from typing import Any

import aiohttp

from mm_sandbox import Emulator, RateLimit
from tests.contract.harness import Client
from tests.support.emulator import EmulatorFactory
from tests.support.openapi import SPEC_PATCHES, STATUS_DEVIATIONS, contract, raw_spec


def test_every_emulator_route_is_a_spec_operation() -> None:
    emulator = Emulator()
    served = set()
    for route in emulator.app.router.routes():
        if route.method == "HEAD":
            continue
        info = route.resource.canonical if route.resource is not None else ""
        served.add((route.method, info))
        template = re.sub(r"\{(\w+):[^}]+\}", r"{\1}", info).rstrip("/")
        op = contract().find(route.method, template.replace("{", "x").replace("}", "x"))
        assert op.template == template, (route.method, info)
    assert ("GET", "/api/v4/websocket") in served
    assert len(served) >= 20


def test_every_spec_patch_changes_something() -> None:
    """A patch the spec no longer needs is removed, so the allow-list stays a true record."""
    spec = raw_spec()
    for patch in SPEC_PATCHES:
        node: Any = spec
        for token in patch.pointer.strip("/").split("/"):
            token = token.replace("~1", "/").replace("~0", "~")
            node = node.get(token) if isinstance(node, dict) else None
            if node is None:
                break
        assert node != patch.value, f"spec already says {patch.pointer}: drop the patch"
    for (method, template), mapping in STATUS_DEVIATIONS.items():
        op = contract().find(method, template)
        for actual, documented in mapping.items():
            assert str(actual) not in op.spec["responses"], (method, template, actual)
            assert str(documented) in op.spec["responses"], (method, template, documented)


async def test_vary_by_user_limits_each_token_apart(
    make_emulator: EmulatorFactory, http: aiohttp.ClientSession
) -> None:
    emulator = await make_emulator(
        rate_limit=RateLimit(per_sec=1, max_burst=1, vary_by_user=True),
        now=lambda: 1_800_000_000.0,
    )
    a = Client(http, emulator.base_url, emulator.login_token(emulator.create_user("aa1")["id"]))
    b = Client(http, emulator.base_url, emulator.login_token(emulator.create_user("bb1")["id"]))
    assert [(await a.get("/users/me")).status for _ in range(3)] == [200, 200, 429]
    assert (await b.get("/users/me")).status == 200


async def test_max_recorded_keeps_the_latest(
    make_emulator: EmulatorFactory, http: aiohttp.ClientSession
) -> None:
    emulator = await make_emulator(max_recorded=3)
    client = Client(
        http, emulator.base_url, emulator.login_token(emulator.create_user("cc1")["id"])
    )
    for _ in range(5):
        await client.get("/users/me")
    await client.get("/system/ping")
    assert len(emulator.requests) == 3
    assert emulator.requests[-1].path == "/api/v4/system/ping"
