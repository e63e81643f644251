"""`GET /system/ping`: what health checks and `doctor` commands call first; and the client
configuration, of which the emulator serves the key that signs trigger IDs."""

from __future__ import annotations

from aiohttp import web

from .context import ctx, json_response
from .errors import AppError


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


async def client_config(request: web.Request) -> web.Response:
    """No session needed (the limited config, as the server gives it before login)."""
    if request.query.get("format") != "old":
        raise AppError(
            "api.config.client.old_format.app_error",
            "New format for the client configuration is not supported yet. "
            "Please specify format=old in the query string.",
            501,
        )
    # Only what the bot reads, of the server's many keys.
    return json_response({"AsymmetricSigningPublicKey": ctx(request).triggers.public_key})


def register(app: web.Application) -> None:
    app.router.add_get("/api/v4/system/ping", ping)
    app.router.add_get("/api/v4/config/client", client_config)
