"""A CalDAV replay server: real Radicale answers, recorded once, served for any number of users.

No single local CalDAV server carries 10,000 accounts quickly, so the bench records what a real
Radicale answers for a few template accounts (the principal PROPFIND, the Depth-1 home
listing, the etag listing, the multiget of every object, and a second version of one object per
calendar) and this server replays them for users `u00000`, `u00001`, ... (user i is served the
answers of template i % T, with the user path rewritten), after an added latency.

A "change" bumps a calendar's generation: its ctag and sync-token get a generation suffix and its
first object (the "victim") alternates between the two recorded versions, with a per-generation
etag and summary, so a changed calendar costs the client exactly what a real change costs:
a sync-collection REPORT answering the one changed href, then a multiget of it.

Run as a process of its own, so its CPU and memory are not counted as the bot's:
    python -m bench.replay RECORDING.json --users N [--latency 0.03]
It prints `PORT <n>` once listening. Control (no auth, for the bench only):
    POST /_bench/config?latency=0.03     POST /_bench/change?fraction=0.05&seed=1
    GET  /_bench/stats                   (requests served, by kind)
    POST /_bench/reset                   (every calendar back to its recorded version)
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import random
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from lxml import etree  # type: ignore[import-untyped]

DAV = "DAV:"
HEAD = b'<?xml version="1.0" encoding="utf-8"?>\n<multistatus xmlns="DAV:">'
TAIL = b"</multistatus>"
USER = b"@@USER@@"
CTAG = b"@@CTAG@@"
TOKEN = b"@@TOKEN@@"
CALENDARS = ("work", "home")
_TOKEN_IN_BODY = re.compile(rb"<(?:\w+:)?sync-token>([^<]*)</(?:\w+:)?sync-token>")
_HREF_IN_BODY = re.compile(rb"<(?:\w+:)?href>([^<]*)</(?:\w+:)?href>")
_GEN = re.compile(r"-g(\d+)$")


# ---- recording ------------------------------------------------------------------------------


def split_responses(body: bytes) -> list[tuple[str, bytes]]:
    """(href, serialized <response> element) of each response in a multistatus."""
    root = etree.fromstring(body)
    out: list[tuple[str, bytes]] = []
    for resp in root.findall(f"{{{DAV}}}response"):
        href = (resp.findtext(f"{{{DAV}}}href") or "").strip()
        out.append((href, etree.tostring(resp)))
    return out


def sync_token_of(body: bytes) -> str:
    root = etree.fromstring(body)
    return (root.findtext(f"{{{DAV}}}sync-token") or "").strip()


@dataclass
class TemplateCalendar:
    slug: str
    ctag: str
    token: str
    home_fragment: bytes  # this calendar's <response> in the home listing, with placeholders
    etag_fragments: dict[str, bytes]  # object name -> <response> of the etag listing
    data_fragments: dict[str, bytes]  # object name -> <response> of the multiget
    victim: str  # the object name that changes
    victim_etags: tuple[str, str]  # the two recorded versions' etags
    victim_etag_fragments: tuple[bytes, bytes]
    victim_data_fragments: tuple[bytes, bytes]


@dataclass
class Template:
    principal: bytes  # the whole Depth-0 principal answer, with the user placeholder
    home_self: bytes  # the home's own <response> in the Depth-1 listing
    calendars: dict[str, TemplateCalendar]


def _placeholder(fragment: bytes, user: str, cal: TemplateCalendar | None = None) -> bytes:
    out = fragment.replace(f"/{user}/".encode(), b"/" + USER + b"/")
    if cal is not None:
        out = out.replace(cal.ctag.encode(), CTAG).replace(cal.token.encode(), TOKEN)
    return out


def to_json(templates: list[Template]) -> dict[str, Any]:
    def b(x: bytes) -> str:
        return base64.b64encode(x).decode()

    return {
        "templates": [
            {
                "principal": b(t.principal),
                "home_self": b(t.home_self),
                "calendars": {
                    slug: {
                        "slug": c.slug,
                        "ctag": c.ctag,
                        "token": c.token,
                        "home_fragment": b(c.home_fragment),
                        "etag_fragments": {k: b(v) for k, v in c.etag_fragments.items()},
                        "data_fragments": {k: b(v) for k, v in c.data_fragments.items()},
                        "victim": c.victim,
                        "victim_etags": list(c.victim_etags),
                        "victim_etag_fragments": [b(x) for x in c.victim_etag_fragments],
                        "victim_data_fragments": [b(x) for x in c.victim_data_fragments],
                    }
                    for slug, c in t.calendars.items()
                },
            }
            for t in templates
        ]
    }


def from_json(data: dict[str, Any]) -> list[Template]:
    def u(x: str) -> bytes:
        return base64.b64decode(x)

    out: list[Template] = []
    for t in data["templates"]:
        cals = {}
        for slug, c in t["calendars"].items():
            cals[slug] = TemplateCalendar(
                slug=c["slug"],
                ctag=c["ctag"],
                token=c["token"],
                home_fragment=u(c["home_fragment"]),
                etag_fragments={k: u(v) for k, v in c["etag_fragments"].items()},
                data_fragments={k: u(v) for k, v in c["data_fragments"].items()},
                victim=c["victim"],
                victim_etags=(c["victim_etags"][0], c["victim_etags"][1]),
                victim_etag_fragments=(
                    u(c["victim_etag_fragments"][0]),
                    u(c["victim_etag_fragments"][1]),
                ),
                victim_data_fragments=(
                    u(c["victim_data_fragments"][0]),
                    u(c["victim_data_fragments"][1]),
                ),
            )
        out.append(Template(u(t["principal"]), u(t["home_self"]), cals))
    return out


# ---- serving --------------------------------------------------------------------------------


@dataclass
class ReplayState:
    templates: list[Template]
    users: int
    latency: float = 0.0
    generations: dict[tuple[str, str], int] = field(default_factory=dict)
    stats: Counter[str] = field(default_factory=Counter)

    def template(self, user: str) -> Template | None:
        if not (user.startswith("u") and user[1:].isdigit()):
            return None
        index = int(user[1:])
        if index >= self.users:
            return None
        return self.templates[index % len(self.templates)]


def _tags(cal: TemplateCalendar, gen: int) -> tuple[bytes, bytes]:
    if gen == 0:
        return cal.ctag.encode(), cal.token.encode()
    ctag = cal.ctag[:-1] + f'-g{gen}"' if cal.ctag.endswith('"') else f"{cal.ctag}-g{gen}"
    return ctag.encode(), f"{cal.token}-g{gen}".encode()


def _victim(cal: TemplateCalendar, gen: int, data: bool) -> bytes:
    """The changed object at `gen`: version gen % 2, with a per-generation etag and summary
    (so every generation is a real change the client has to fetch and parse)."""
    fragment = (cal.victim_data_fragments if data else cal.victim_etag_fragments)[gen % 2]
    if gen >= 2:
        etag = cal.victim_etags[gen % 2]
        fragment = fragment.replace(etag.encode(), (etag[:-1] + f'-g{gen}"').encode())
        if data:
            fragment = re.sub(
                rb"SUMMARY:([^\r\n&]*)", rb"SUMMARY:\1 r" + str(gen).encode(), fragment
            )
    return fragment


def _multistatus(parts: list[bytes], user: str, token: bytes | None = None) -> bytes:
    body = HEAD + b"".join(parts)
    if token is not None:
        body += b"<sync-token>" + token + b"</sync-token>"
    return (body + TAIL).replace(USER, user.encode())


async def handle(request: web.Request) -> web.StreamResponse:
    state: ReplayState = request.app["state"]
    if request.path.startswith("/_bench/"):
        return await control(request, state)
    parts = [p for p in request.path.split("/") if p]
    user = parts[0] if parts else ""
    template = state.template(user)
    auth = request.headers.get("Authorization", "")
    try:
        login = base64.b64decode(auth[6:]).decode().partition(":")[0] if auth else ""
    except ValueError:
        login = ""
    if template is None or login != user:
        return web.Response(status=401, headers={"WWW-Authenticate": 'Basic realm="replay"'})
    body = await request.read()
    if state.latency:
        await asyncio.sleep(state.latency)
    depth = request.headers.get("Depth", "0")
    xml = {"Content-Type": "text/xml; charset=utf-8"}
    if request.method == "PROPFIND" and len(parts) == 1:
        if depth == "0":
            state.stats["propfind-principal"] += 1
            return web.Response(
                status=207, body=template.principal.replace(USER, user.encode()), headers=xml
            )
        state.stats["propfind-home"] += 1
        fragments = [template.home_self]
        for slug, cal in template.calendars.items():
            ctag, token = _tags(cal, state.generations.get((user, slug), 0))
            fragments.append(cal.home_fragment.replace(CTAG, ctag).replace(TOKEN, token))
        return web.Response(status=207, body=_multistatus(fragments, user), headers=xml)
    if request.method == "REPORT" and len(parts) == 2 and parts[1] in template.calendars:
        cal = template.calendars[parts[1]]
        gen = state.generations.get((user, parts[1]), 0)
        _ctag, token = _tags(cal, gen)
        if b"sync-collection" in body:
            state.stats["report-sync"] += 1
            found = _TOKEN_IN_BODY.search(body)
            theirs = found.group(1).decode() if found else ""
            base, _, _ = theirs.rpartition("-g") if _GEN.search(theirs) else (theirs, "", "")
            if base != cal.token:
                return web.Response(status=403, text="invalid sync token")
            match = _GEN.search(theirs)
            their_gen = int(match.group(1)) if match else 0
            # with the object's data when asked for it (as Radicale answers)
            data = b"calendar-data" in body
            changed = [_victim(cal, gen, data=data)] if their_gen < gen else []
            return web.Response(status=207, body=_multistatus(changed, user, token), headers=xml)
        if b"calendar-multiget" in body:
            state.stats["report-multiget"] += 1
            fragments = []
            for raw in _HREF_IN_BODY.findall(body):
                name = raw.decode().rstrip("/").rsplit("/", 1)[-1]
                if name == cal.victim:
                    fragments.append(_victim(cal, gen, data=True))
                elif name in cal.data_fragments:
                    fragments.append(cal.data_fragments[name])
                else:
                    fragments.append(
                        b"<response><href>" + raw + b"</href>"
                        b"<status>HTTP/1.1 404 Not Found</status></response>"
                    )
            return web.Response(status=207, body=_multistatus(fragments, user), headers=xml)
        if b"calendar-query" in body:
            state.stats["report-query"] += 1
            fragments = [
                _victim(cal, gen, data=False) if name == cal.victim else fragment
                for name, fragment in cal.etag_fragments.items()
            ]
            return web.Response(status=207, body=_multistatus(fragments, user), headers=xml)
    state.stats["other"] += 1
    return web.Response(status=405, text="not recorded")


async def control(request: web.Request, state: ReplayState) -> web.StreamResponse:
    if request.path == "/_bench/config":
        state.latency = float(request.query.get("latency", state.latency))
        return web.json_response({"latency": state.latency})
    if request.path == "/_bench/change":
        fraction = float(request.query.get("fraction", "0.05"))
        rng = random.Random(int(request.query.get("seed", "0")))
        pairs = [(f"u{i:05d}", slug) for i in range(state.users) for slug in CALENDARS]
        chosen = rng.sample(pairs, round(len(pairs) * fraction))
        for pair in chosen:
            state.generations[pair] = state.generations.get(pair, 0) + 1
        return web.json_response({"changed": len(chosen)})
    if request.path == "/_bench/stats":
        return web.json_response(dict(state.stats))
    if request.path == "/_bench/reset":
        # every calendar back to its recorded generation: the seeded snapshot again
        state.generations.clear()
        return web.json_response({"reset": True})
    return web.Response(status=404)


async def serve(templates: list[Template], users: int, latency: float, port: int) -> None:
    state = ReplayState(templates, users, latency)
    app = web.Application(client_max_size=16 * 1024 * 1024)
    app["state"] = state
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app, access_log=None, keepalive_timeout=300)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port, backlog=4096)
    await site.start()
    bound = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(f"PORT {bound}", flush=True)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("recording", type=Path)
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    try:
        import uvloop  # type: ignore[import-not-found]

        uvloop.install()
    except ImportError:
        pass
    try:
        templates = from_json(json.loads(args.recording.read_text()))
        asyncio.run(serve(templates, args.users, args.latency, args.port))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
