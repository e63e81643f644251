"""Prometheus metrics of the Mattermost adapter (one place, registered once per process)."""

from __future__ import annotations

from prometheus_client import Counter

CALLBACKS = Counter(
    "calendar_bot_mattermost_callbacks",
    "Callbacks from Mattermost (buttons, dialogs, commands) by kind and outcome",
    ["kind", "outcome"],
)
REQUESTS = Counter(
    "calendar_bot_mattermost_requests",
    "REST calls to Mattermost by outcome (ok, client_error, server_error, network, rate_limited)",
    ["outcome"],
)
WEBSOCKET_EVENTS = Counter(
    "calendar_bot_mattermost_ws_events",
    "WebSocket lifecycle events (connected, reconnect, resync, gap, post)",
    ["kind"],
)
