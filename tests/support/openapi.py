"""Contract checks against the official Mattermost OpenAPI spec.

The spec is parsed once per test session. Requests and responses are validated with
jsonschema (OpenAPI 3.0 dialect) against the operation's own schemas; openapi-core was not
needed because every check here is a plain schema check on decoded JSON.

Where the real server and the spec disagree, the server wins and the difference is written
down exactly once, in `SPEC_PATCHES` and `STATUS_DEVIATIONS` below.
"""

from __future__ import annotations

import copy
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from openapi_schema_validator import OAS30Validator

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = Path(
    os.environ.get(
        "MM_OPENAPI_SPEC",
        str(ROOT / "tests" / "contract" / "spec" / "mattermost-openapi-v4.yaml"),
    )
)


@dataclass(frozen=True)
class SpecPatch:
    """One place where the spec is wrong about the real server: JSON pointer, new value, why."""

    pointer: str
    value: Any
    reason: str


# --- The allow-list: every known spec deviation of the real server -----------------------------
SPEC_PATCHES: tuple[SpecPatch, ...] = (
    SpecPatch(
        "/components/schemas/User/properties/is_bot",
        {"type": "boolean"},
        "User lacks is_bot; the server sends it (omitempty) on bot users (model/user.go).",
    ),
    SpecPatch(
        "/components/schemas/User/properties/bot_description",
        {"type": "string"},
        "User lacks bot_description; the server sends it on bot users.",
    ),
    SpecPatch(
        "/components/schemas/User/properties/bot_last_icon_update",
        {"type": "integer"},
        "User lacks bot_last_icon_update; the server sends it on bot users.",
    ),
    SpecPatch(
        "/components/schemas/Team/properties/policy_id",
        {"type": "string", "nullable": True},
        "Team.policy_id is documented as 'null if none' but typed as a plain string.",
    ),
    SpecPatch(
        "/paths/~1api~1v4~1posts~1{post_id}/put/requestBody/content/application~1json/schema/properties/props",
        {"type": "object"},
        "UpdatePost types props as a string; the server decodes a model.Post (props object).",
    ),
    SpecPatch(
        "/paths/~1api~1v4~1posts~1{post_id}~1patch/put/requestBody/content/application~1json/schema/properties/props",
        {"type": "object"},
        "PatchPost types props as a string; the server decodes a model.PostPatch (object).",
    ),
    SpecPatch(
        "/paths/~1api~1v4~1actions~1dialogs~1submit/post/responses/200/content/application~1json/schema",
        {
            "type": "object",
            "properties": {
                "error": {"type": "string"},
                "errors": {"type": "object", "additionalProperties": {"type": "string"}},
                "type": {"type": "string"},
                "form": {"type": "object"},
            },
        },
        "The server answers a SubmitDialogResponse (omitempty fields), not StatusOK.",
    ),
    SpecPatch(
        "/components/schemas/CommandResponse/properties/response_type",
        {"type": "string", "enum": ["ephemeral", "in_channel"]},
        "CommandResponse is documented with Go field names (ResponseType, Text...); the wire "
        "uses snake_case (response_type, text, ...).",
    ),
)

# (method, path template) -> {status the server sends: status the spec documents}
STATUS_DEVIATIONS: dict[tuple[str, str], dict[int, int]] = {
    # The login handler writes the body without WriteHeader(201).
    ("POST", "/api/v4/users/login"): {200: 201},
    # createUserAccessToken also writes 200.
    ("POST", "/api/v4/users/{user_id}/tokens"): {200: 201},
}

# (method, path template) -> error statuses the server really answers but the spec omits;
# their bodies are checked against AppError.
UNDOCUMENTED_ERRORS: dict[tuple[str, str], set[int]] = {
    # Wrong credentials: `api.user.login.invalid_credentials_email_username`.
    ("POST", "/api/v4/users/login"): {401},
    # A deleted or unknown post the caller may see: `app.post.get.app_error`.
    ("GET", "/api/v4/posts/{post_id}"): {404},
    ("PUT", "/api/v4/posts/{post_id}"): {404},
    ("PUT", "/api/v4/posts/{post_id}/patch"): {404},
    ("DELETE", "/api/v4/posts/{post_id}"): {404},
    # No action with that ID on the post: `api.post.do_action.action_id.app_error`.
    ("POST", "/api/v4/posts/{post_id}/actions/{action_id}"): {404},
    # The command URL failed or answered non-200; no such trigger.
    ("POST", "/api/v4/commands/execute"): {404, 500},
    # A repeat while the first create runs (`api.post.deduplicate_create_post.pending`); a
    # body over MaximumPayloadSizeBytes (`api.context.request_body_too_large.app_error`).
    ("POST", "/api/v4/posts"): {413, 500},
    # Another user's status without `edit_other_users` (SetPermissionError: 403); custom
    # statuses turned off (TeamSettings.EnableCustomUserStatuses: 501
    # `api.custom_status.disabled`). api4/status.go.
    ("PUT", "/api/v4/users/{user_id}/status"): {403},
    ("PUT", "/api/v4/users/{user_id}/status/custom"): {403, 404, 501},
    ("DELETE", "/api/v4/users/{user_id}/status/custom"): {403, 404, 501},
}

# The limiter and the emulator's fault switch may answer any operation.
RATE_LIMIT_BODY = "limit exceeded"
INJECTED_FAULT_ID = "api.emulator.injected_fault.app_error"


class SpecError(AssertionError):
    """A request or response that does not match the spec."""


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _apply_patch(spec: dict[str, Any], patch: SpecPatch) -> None:
    tokens = [_unescape(t) for t in patch.pointer.strip("/").split("/")]
    node: Any = spec
    for token in tokens[:-1]:
        node = node.setdefault(token, {}) if isinstance(node, dict) else node[int(token)]
    node[tokens[-1]] = copy.deepcopy(patch.value)


@lru_cache(maxsize=1)
def raw_spec() -> dict[str, Any]:
    """The spec exactly as published (parsed once; the file is about 36k lines)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    if not SPEC_PATH.is_file():
        raise FileNotFoundError(
            f"the Mattermost OpenAPI spec is not at {SPEC_PATH}; set MM_OPENAPI_SPEC to its path"
        )
    with SPEC_PATH.open(encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.load(fh, Loader=loader)
    return data


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    pattern: re.Pattern[str]
    literal_segments: int
    spec: dict[str, Any]


class Contract:
    """Finds an operation for a concrete request and validates bodies against its schemas."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = copy.deepcopy(spec)
        for patch in SPEC_PATCHES:
            _apply_patch(self.spec, patch)
        self._components = self.spec["components"]
        self._operations: list[Operation] = []
        for template, item in self.spec["paths"].items():
            segments = template.strip("/").split("/")
            regex = "/".join("[^/]+" if s.startswith("{") else re.escape(s) for s in segments)
            literal = sum(1 for s in segments if not s.startswith("{"))
            for method, op in item.items():
                if method in ("get", "post", "put", "patch", "delete") and isinstance(op, dict):
                    self._operations.append(
                        Operation(
                            method.upper(),
                            template,
                            re.compile(f"^/{regex}/?$"),
                            literal,
                            op,
                        )
                    )
        self._operations.sort(key=lambda o: -o.literal_segments)
        self._validators: dict[int, OAS30Validator] = {}

    def find(self, method: str, path: str) -> Operation:
        for op in self._operations:
            if op.method == method.upper() and op.pattern.match(path):
                return op
        raise SpecError(f"{method} {path}: no such operation in the spec")

    def _resolve(self, node: Any) -> Any:
        while isinstance(node, dict) and "$ref" in node:
            tokens = [_unescape(t) for t in node["$ref"].lstrip("#/").split("/")]
            target: Any = self.spec
            for token in tokens:
                target = target[token]
            node = target
        return node

    def check(self, schema: dict[str, Any], value: Any, where: str) -> None:
        key = id(schema)
        validator = self._validators.get(key)
        if validator is None:
            # Carry the components along so "#/components/..." refs resolve inside the schema.
            validator = OAS30Validator({**schema, "components": self._components})
            self._validators[key] = validator
        errors = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
        if errors:
            detail = "; ".join(
                f"{'/'.join(str(p) for p in e.absolute_path) or '<root>'}: {e.message}"
                for e in errors[:5]
            )
            raise SpecError(f"{where}: {detail}")

    def validate_request(
        self,
        method: str,
        path: str,
        query: dict[str, str] | None = None,
        body: Any = None,
        content_type: str = "application/json",
    ) -> Operation:
        op = self.find(method, path)
        where = f"{method} {op.template} request"
        params = [self._resolve(p) for p in op.spec.get("parameters", [])]
        query = query or {}
        for param in params:
            if param.get("in") != "query":
                continue
            name = param["name"]
            if name not in query:
                if param.get("required"):
                    raise SpecError(f"{where}: missing query parameter {name}")
                continue
            kind = (param.get("schema") or {}).get("type")
            raw = query[name]
            if kind == "integer" and not re.fullmatch(r"-?\d+", raw):
                raise SpecError(f"{where}: query {name}={raw!r} is not an integer")
            if kind == "boolean" and raw not in ("true", "false"):
                raise SpecError(f"{where}: query {name}={raw!r} is not a boolean")
        request_body = self._resolve(op.spec.get("requestBody"))
        if request_body and "json" in content_type:
            if body is None:
                if request_body.get("required"):
                    raise SpecError(f"{where}: the body is required")
            else:
                schema = request_body.get("content", {}).get("application/json", {}).get("schema")
                if schema is not None:
                    self.check(schema, body, where)
        return op

    def validate_response(
        self,
        method: str,
        path: str,
        status: int,
        body: Any,
        content_type: str = "application/json",
    ) -> Operation:
        op = self.find(method, path)
        where = f"{method} {op.template} -> {status}"
        if status == 429 and content_type.startswith("text/plain") and body == RATE_LIMIT_BODY:
            return op
        if isinstance(body, dict) and body.get("id") == INJECTED_FAULT_ID:
            self.check({"$ref": "#/components/schemas/AppError"}, body, where)
            return op
        if status in UNDOCUMENTED_ERRORS.get((method.upper(), op.template), set()):
            self.check({"$ref": "#/components/schemas/AppError"}, body, where)
            return op
        documented = STATUS_DEVIATIONS.get((method.upper(), op.template), {}).get(status, status)
        responses = op.spec.get("responses", {})
        response = responses.get(str(documented)) or responses.get("default")
        if response is None:
            raise SpecError(f"{where}: status not documented (has {sorted(responses)})")
        response = self._resolve(response)
        content = response.get("content")
        if not content:
            return op
        if content_type != "application/json":
            # The server's exact header (web/handlers.go); Client4 decodes nothing else.
            raise SpecError(f"{where}: expected Content-Type application/json, got {content_type}")
        schema = (content.get("application/json") or {}).get("schema")
        if schema is not None:
            self.check(schema, body, where)
        return op


@lru_cache(maxsize=1)
def contract() -> Contract:
    return Contract(raw_spec())


def validate_request(
    method: str, path: str, query: dict[str, str] | None = None, body: Any = None
) -> None:
    contract().validate_request(method, path, query, body)


def validate_response(method: str, path: str, status: int, body: Any) -> None:
    contract().validate_response(method, path, status, body)


def exchange_problems(recorded: Any) -> list[str]:
    """Spec problems of one `mm_sandbox.RecordedRequest` (request and response)."""
    problems: list[str] = []
    c = contract()
    is_json = not isinstance(recorded.body, str)
    try:
        c.validate_request(
            recorded.method,
            recorded.path,
            recorded.query,
            recorded.body,
            "application/json" if is_json else "text/plain",
        )
    except SpecError as exc:
        # A request the spec rejects is fine when the server rejected it too (a test of the
        # server's own validation); accepted, it means the client is off-contract.
        if not 400 <= recorded.status < 500:
            problems.append(str(exc))
    if recorded.status == 101:  # a WebSocket upgrade has no body to check
        return problems
    try:
        c.validate_response(
            recorded.method,
            recorded.path,
            recorded.status,
            recorded.response,
            recorded.response_headers.get("Content-Type", recorded.content_type),
        )
    except SpecError as exc:
        problems.append(str(exc))
    return problems
