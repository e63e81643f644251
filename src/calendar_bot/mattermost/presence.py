"""The presence port over Mattermost: a person's custom status and status, changed by the bot.

Every one of these calls on another user is checked by the server with
`SessionHasPermissionToUser` (server/channels/api4/status.go: `updateUserCustomStatus`,
`removeUserCustomStatus`, `updateUserStatus`; the check is in
server/channels/app/authorization.go `SessionHasPermissionToUser`): a session passes with
`manage_system` (the System Admin role), or with `edit_other_users` as long as the person is
not a system admin. A bot has neither by default; an admin grants it (docs/operations.md).
Reading (`GET /users/{id}`, `GET /users/{id}/status`) needs no permission.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from calendar_bot.domain.presence import CustomStatus, Seen
from calendar_bot.mattermost.errors import MattermostError, MattermostForbidden
from calendar_bot.mattermost.rest import MattermostClient
from calendar_bot.ports import PresenceRefused, PresenceUnavailable

log = logging.getLogger(__name__)

# model/custom_status.go UserPropsKeyCustomStatus: a JSON string in the user's props.
PROPS_KEY = "customStatus"
# Either lets the bot change another person's status (app/authorization.go above).
PERMISSIONS = frozenset({"manage_system", "edit_other_users"})


def parse_time(raw: object) -> datetime | None:
    """An RFC 3339 `expires_at`; Go's zero time ("0001-01-01T00:00:00Z") is none."""
    if not isinstance(raw, str) or not raw or raw.startswith("0001-01-01"):
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def custom_status_of(user: dict[str, Any]) -> CustomStatus | None:
    raw = (user.get("props") or {}).get(PROPS_KEY)
    if not raw:
        return None
    try:
        data = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return None
    if not isinstance(data, dict) or not (data.get("emoji") or data.get("text")):
        return None
    return CustomStatus(
        emoji=str(data.get("emoji") or ""),
        text=str(data.get("text") or ""),
        duration=str(data.get("duration") or ""),
        expires_at=parse_time(data.get("expires_at")),
    )


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class MattermostPresence:
    """Implements ports.PresenceGateway."""

    def __init__(self, client: MattermostClient) -> None:
        self.client = client

    async def may_set_presence(self) -> bool:
        # Not the client's cached copy: an admin may have changed the bot's roles since.
        return await self.client.bot_may(PERMISSIONS, fresh=True)

    async def seen(self, user_id: str) -> Seen:
        try:
            user = await self.client.request("GET", f"/users/{user_id}")
            status = await self.client.request("GET", f"/users/{user_id}/status")
        except MattermostError as exc:
            raise PresenceUnavailable(str(exc)) from exc
        return Seen(custom_status_of(user), str((status or {}).get("status") or ""))

    async def _call(self, method: str, path: str, body: Any = None) -> None:
        try:
            await self.client.request(method, path, body=body)
        except MattermostForbidden as exc:
            raise PresenceRefused(str(exc)) from exc
        except MattermostError as exc:
            raise PresenceUnavailable(str(exc)) from exc

    async def set_custom_status(self, user_id: str, status: CustomStatus) -> None:
        body: dict[str, Any] = {"emoji": status.emoji, "text": status.text}
        if status.expires_at is not None:
            body["duration"] = status.duration or "date_and_time"
            body["expires_at"] = _rfc3339(status.expires_at)
        elif status.duration:
            body["duration"] = status.duration
        await self._call("PUT", f"/users/{user_id}/status/custom", body)

    async def clear_custom_status(self, user_id: str) -> None:
        await self._call("DELETE", f"/users/{user_id}/status/custom")

    async def set_status(self, user_id: str, status: str, dnd_end: datetime | None = None) -> None:
        body: dict[str, Any] = {"user_id": user_id, "status": status}
        if dnd_end is not None:
            body["dnd_end_time"] = int(dnd_end.timestamp())
        await self._call("PUT", f"/users/{user_id}/status", body)
