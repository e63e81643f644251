"""`GET /system/ping`: what health checks and `doctor` commands call first."""

from __future__ import annotations

from aiohttp import web

from .context import json_response


async def ping(request: web.Request) -> web.Response:
    body = {
        "ActiveSearchBackend": "database",
        "AndroidLatestVersion": "",
        "AndroidMinVersion": "",
        "IosLatestVersion": "",
        "IosMinVersion": "",
        "status": "OK",
    }
    if request.query.get("get_server_status") == "true":
        body["database_status"] = "OK"
        body["filestore_status"] = "OK"
    return json_response(body)


def register(app: web.Application) -> None:
    app.router.add_get("/api/v4/system/ping", ping)
