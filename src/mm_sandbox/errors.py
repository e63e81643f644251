"""The server's error body (`model.AppError`) and the handful of IDs the emulator answers with."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web


class AppError(Exception):
    """Raised by a handler; the error middleware turns it into the server's JSON error body."""

    def __init__(self, error_id: str, message: str, status: int, detailed_error: str = "") -> None:
        super().__init__(f"{status} {error_id}")
        self.error_id = error_id
        self.message = message
        self.status = status
        self.detailed_error = detailed_error

    def body(self, request_id: str) -> dict[str, Any]:
        return {
            "id": self.error_id,
            "message": self.message,
            "detailed_error": self.detailed_error,
            "request_id": request_id,
            "status_code": self.status,
        }

    def response(self, request_id: str) -> web.Response:
        # Exactly `application/json`, as `handleContextError` sets it (see context.json_response).
        return web.Response(
            status=self.status,
            body=json.dumps(self.body(request_id)).encode(),
            content_type="application/json",
        )


def invalid_param(name: str) -> AppError:
    return AppError(
        "api.context.invalid_param.app_error",
        f"Invalid {name} parameter.",
        400,
    )


def invalid_body_param(name: str) -> AppError:
    return AppError(
        "api.context.invalid_body_param.app_error",
        f"Invalid or missing {name} in request body.",
        400,
    )


def session_expired() -> AppError:
    return AppError(
        "api.context.session_expired.app_error",
        "Invalid or expired session, please login again.",
        401,
    )


def permission_error(permission: str, user_id: str = "") -> AppError:
    return AppError(
        "api.context.permissions.app_error",
        "You do not have the appropriate permissions.",
        403,
        f"userId={user_id}, permission={permission}",
    )


def not_found(error_id: str = "api.context.404.app_error", what: str = "resource") -> AppError:
    return AppError(error_id, f"Unable to find the {what}.", 404)
