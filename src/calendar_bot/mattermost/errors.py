"""Typed Mattermost errors. Messages carry the HTTP status and the server's error id, never a
token or a request body."""

from __future__ import annotations


class MattermostError(Exception):
    def __init__(self, status: int, error_id: str = "", message: str = "") -> None:
        detail = f" {error_id}" if error_id else ""
        text = f": {message}" if message else ""
        super().__init__(f"Mattermost answered {status}{detail}{text}")
        self.status = status
        self.error_id = error_id
        self.server_message = message


class MattermostUnauthorized(MattermostError):
    """401: the bot token is wrong or revoked."""


class MattermostForbidden(MattermostError):
    """403: the bot lacks a permission."""


class MattermostNotFound(MattermostError):
    """404: no such user, channel or post."""


class MattermostBadRequest(MattermostError):
    """400: e.g. an expired trigger id."""


class MattermostUnavailable(MattermostError):
    """The server could not be reached, or kept failing (5xx) after every retry."""


def error_for(status: int, error_id: str = "", message: str = "") -> MattermostError:
    kinds: dict[int, type[MattermostError]] = {
        400: MattermostBadRequest,
        401: MattermostUnauthorized,
        403: MattermostForbidden,
        404: MattermostNotFound,
    }
    kind = kinds.get(status, MattermostUnavailable if status >= 500 else MattermostError)
    return kind(status, error_id, message)
