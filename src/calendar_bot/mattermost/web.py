"""HTTP endpoints Mattermost calls back (buttons, dialogs, slash commands), plus /healthz and
/metrics. They only parse and verify; every decision is the dispatcher's."""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

from calendar_bot.inbound import (
    ActionClick,
    ActionResult,
    CommandResult,
    DialogSubmission,
    Dispatcher,
    RefusalReason,
    RefusedAction,
    SlashCommand,
)
from calendar_bot.mattermost.metrics import CALLBACKS
from calendar_bot.mattermost.render import Renderer
from calendar_bot.mattermost.replay import DIALOG_NONCE, ReplayGuard, callback_key, check_trigger
from calendar_bot.mattermost.signing import InvalidContext
from calendar_bot.mattermost.trigger_key import TriggerKey

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024

HealthCheck = Callable[[], Awaitable[bool] | bool]
TokenSource = Callable[[], str | None]

_DISPATCHER: web.AppKey[Dispatcher] = web.AppKey("dispatcher", Dispatcher)
_RENDERER = web.AppKey("renderer", Renderer)
_REPLAY: web.AppKey[ReplayGuard | None] = web.AppKey("replay_guard")
_WALL_CLOCK: web.AppKey[Callable[[], float]] = web.AppKey("wall_clock")
_TRIGGER_KEY: web.AppKey[TriggerKey | None] = web.AppKey("trigger_key")


def _json_error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


@web.middleware
async def _no_stack_traces(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception:
        log.exception("%s %s failed", request.method, request.path)
        return _json_error(500, "internal error")


async def _read_json(request: web.Request) -> dict[str, Any] | None:
    try:
        data = await request.json()
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _update_body(renderer: Renderer, result: ActionResult, user_id: str) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if result.update is not None:
        text, props = renderer.edited_post(result.update, user_id)
        # An empty props object clears the old buttons; attachments replace them.
        body["update"] = {"message": text, "props": props}
    if result.ephemeral:
        body["ephemeral_text"] = result.ephemeral
    return body


# Refusals that cost nothing: no dispatcher, no Mattermost lookup, no log line. A context the
# bot did not sign, or signed for someone else, never comes from a real click of that user.
_UNSIGNED: frozenset[RefusalReason] = frozenset({"forged", "cross_user"})


def _refuse_unsigned(kind: str, reason: RefusalReason) -> web.Response:
    CALLBACKS.labels(kind, reason).inc()
    return _json_error(403, "invalid context")


async def _refuse_action(
    dispatcher: Dispatcher, user_id: str, reason: RefusalReason
) -> web.Response:
    if reason in _UNSIGNED:
        return _refuse_unsigned("action", reason)
    CALLBACKS.labels("action", reason).inc()
    result = await dispatcher.on_action(RefusedAction(user_id, reason))
    # Never an update here: a refused click changes nothing, not even the post.
    return web.json_response({"ephemeral_text": result.ephemeral} if result.ephemeral else {})


async def _refuse_dialog(
    dispatcher: Dispatcher, user_id: str, reason: RefusalReason
) -> web.Response:
    if reason in _UNSIGNED:
        return _refuse_unsigned("dialog", reason)
    CALLBACKS.labels("dialog", reason).inc()
    refusal = await dispatcher.on_action(RefusedAction(user_id, reason))
    return web.json_response({"error": refusal.ephemeral or ""})


async def _actions(request: web.Request) -> web.Response:
    dispatcher = request.app[_DISPATCHER]
    renderer = request.app[_RENDERER]
    data = await _read_json(request)
    if data is None or not _text(data.get("user_id")):
        CALLBACKS.labels("action", "malformed").inc()
        return _json_error(400, "malformed action")
    user_id = _text(data["user_id"])
    context = data.get("context")
    try:
        signed = renderer.signer.verify(context, user_id)
    except InvalidContext as refused:
        return await _refuse_action(dispatcher, user_id, refused.reason)
    guard = request.app[_REPLAY]
    if guard is not None:
        trigger_id = _text(data.get("trigger_id"))
        now_ms = int(request.app[_WALL_CLOCK]() * 1000)
        reason = check_trigger(trigger_id, user_id, now_ms, request.app[_TRIGGER_KEY])
        if reason is None and not await guard.use(callback_key("t", trigger_id)):
            reason = "replayed"
        if reason is not None:
            return await _refuse_action(dispatcher, user_id, reason)
    selected = context.get("selected_option") if isinstance(context, dict) else None
    click = ActionClick(
        user_id=user_id,
        channel_id=_text(data.get("channel_id")),
        post_id=_text(data.get("post_id")),
        action=signed.action,
        payload=signed.payload,
        selected_option=selected if isinstance(selected, str) else None,
        trigger_id=_text(data.get("trigger_id")),
    )
    result = await dispatcher.on_action(click)
    CALLBACKS.labels("action", "ok").inc()
    return web.json_response(_update_body(renderer, result, user_id))


async def _dialogs(request: web.Request) -> web.Response:
    dispatcher = request.app[_DISPATCHER]
    renderer = request.app[_RENDERER]
    data = await _read_json(request)
    if data is None or not _text(data.get("user_id")):
        CALLBACKS.labels("dialog", "malformed").inc()
        return _json_error(400, "malformed dialog submission")
    user_id = _text(data["user_id"])
    try:
        signed = renderer.signer.verify_state(data.get("state"), user_id)
    except InvalidContext as refused:
        return await _refuse_dialog(dispatcher, user_id, refused.reason)
    if _text(data.get("callback_id")) not in ("", signed.action):
        return await _refuse_dialog(dispatcher, user_id, "forged")
    payload = dict(signed.payload)
    nonce = payload.pop(DIALOG_NONCE, "")
    guard = request.app[_REPLAY]
    key = callback_key("d", nonce) if nonce else ""
    claimed = guard is not None and bool(key)
    # Claimed before it is handled, in one atomic insert: of two copies of a submission sent
    # at the same instant exactly one goes through.
    if guard is not None and claimed and not await guard.use(key):
        return await _refuse_dialog(dispatcher, user_id, "replayed")
    submission = data.get("submission")
    cancelled = data.get("cancelled") is True
    went_through = False
    try:
        result = await dispatcher.on_dialog(
            DialogSubmission(
                user_id=user_id,
                channel_id=_text(data.get("channel_id")),
                action=signed.action,
                payload=payload,
                submission=dict(submission) if isinstance(submission, dict) else {},
                cancelled=cancelled,
            )
        )
        went_through = cancelled or not (result.errors or result.error)
    finally:
        if guard is not None and claimed and not went_through:
            await guard.release(key)  # the form stays open: corrected, it may come again
    CALLBACKS.labels("dialog", "cancelled" if cancelled else "ok").inc()
    body: dict[str, Any] = {}
    if result.errors:
        body["errors"] = dict(result.errors)
    if result.error:
        body["error"] = result.error
    if cancelled or not body:
        return web.Response(status=200)  # an empty 200 closes the dialog
    return web.json_response(body)


def _command_body(renderer: Renderer, result: CommandResult, user_id: str) -> dict[str, Any]:
    body: dict[str, Any] = {"response_type": "ephemeral", "text": result.text}
    if result.message is not None:
        text, props = renderer.post(result.message, user_id)
        body["text"] = "\n\n".join(t for t in (result.text, text) if t)
        if props.get("attachments"):
            body["attachments"] = props["attachments"]
    return body


def _make_commands(token_source: TokenSource | None) -> Callable[[Any], Awaitable[Any]]:
    async def _commands(request: web.Request) -> web.Response:
        dispatcher = request.app[_DISPATCHER]
        renderer = request.app[_RENDERER]
        expected = token_source() if token_source is not None else None
        if not expected:
            CALLBACKS.labels("command", "unconfigured").inc()
            return _json_error(404, "slash commands are not configured")
        form = await request.post()
        header = request.headers.get("Authorization", "")
        offered = header[6:].strip() if header.startswith("Token ") else ""
        offered = offered or str(form.get("token") or "")
        if not hmac.compare_digest(offered.encode("utf-8"), expected.encode("utf-8")):
            CALLBACKS.labels("command", "bad_token").inc()
            return _json_error(401, "invalid command token")
        user_id = str(form.get("user_id") or "")
        if not user_id:
            CALLBACKS.labels("command", "malformed").inc()
            return _json_error(400, "malformed command")
        result = await dispatcher.on_command(
            SlashCommand(
                user_id=user_id,
                channel_id=str(form.get("channel_id") or ""),
                text=str(form.get("text") or ""),
                trigger_id=str(form.get("trigger_id") or ""),
            )
        )
        CALLBACKS.labels("command", "ok").inc()
        return web.json_response(_command_body(renderer, result, user_id))

    return _commands


def _make_healthz(checks: Mapping[str, HealthCheck]) -> Callable[[Any], Awaitable[Any]]:
    async def _healthz(request: web.Request) -> web.Response:
        results: dict[str, bool] = {}
        for name, check in checks.items():
            try:
                outcome = check()
                if not isinstance(outcome, bool):
                    outcome = await outcome
                results[name] = bool(outcome)
            except Exception:
                log.warning("health check %s raised", name, exc_info=True)
                results[name] = False
        ready = all(results.values())
        body = {"live": True, "ready": ready, "checks": results}
        return web.json_response(body, status=200 if ready else 503)

    return _healthz


def _make_metrics(registry: CollectorRegistry) -> Callable[[Any], Awaitable[Any]]:
    async def _metrics(request: web.Request) -> web.Response:
        payload = generate_latest(registry)
        response = web.Response(body=payload)
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return response

    return _metrics


def create_app(
    dispatcher: Dispatcher,
    renderer: Renderer,
    *,
    command_token: TokenSource | None = None,
    health_checks: Mapping[str, HealthCheck] | None = None,
    registry: CollectorRegistry = REGISTRY,
    max_body_bytes: int = MAX_BODY_BYTES,
    replay_guard: ReplayGuard | None = None,
    wall_clock: Callable[[], float] = time.time,
    trigger_key: TriggerKey | None = None,
) -> web.Application:
    """The bot's HTTP app. `command_token` returns the slash command's token (configured or
    returned when the command was registered); None or "" turns /commands off.
    With a `replay_guard`, every click must carry a fresh trigger id of the acting user, used
    once, and a completed dialog cannot be submitted again; with a `trigger_key` (the server's,
    see trigger_key.py) the trigger id must be signed by it. `wall_clock` is real time, which
    Mattermost's trigger ids are stamped with (not the bot's domain clock)."""
    app = web.Application(client_max_size=max_body_bytes, middlewares=[_no_stack_traces])
    app[_DISPATCHER] = dispatcher
    app[_RENDERER] = renderer
    app[_REPLAY] = replay_guard
    app[_WALL_CLOCK] = wall_clock
    app[_TRIGGER_KEY] = trigger_key
    commands = _make_commands(command_token)
    for prefix in ("", "/mattermost"):
        app.router.add_post(f"{prefix}/actions", _actions)
        app.router.add_post(f"{prefix}/dialogs", _dialogs)
        app.router.add_post(f"{prefix}/commands", commands)
    app.router.add_get("/healthz", _make_healthz(dict(health_checks or {})))
    app.router.add_get("/metrics", _make_metrics(registry))
    return app
