"""A local Mattermost emulator, faithful to the official API for the subset the bot uses.

It must never import `calendar_bot`: it stands in for a server the bot does not control, and
anything written against it has to work unchanged against a real Mattermost.

Faithful (checked in `tests/contract` against the OpenAPI spec and the facts file):
- REST paths, JSON shapes, status codes and AppError bodies for users (get, patch), bots,
  tokens, direct and team channels, posts (create/get/update/patch/delete/list with page,
  before, after, since), post actions, dialogs, slash commands (create, list, execute) and
  `system/ping`; auth by `Bearer`/`Token` header, MMAUTHTOKEN cookie or `?access_token=`;
  `Content-Type: application/json` exactly (Client4 decodes nothing else).
- Server behaviour the spec does not show: `pending_post_id` de-duplication (30 s, keyed by the
  pending ID alone, a repeat during the first create answered 500, as `deduplicateCreatePost`);
  `from_bot` on bot posts; action IDs generated and limited to `[A-Za-z0-9]+` by the route;
  every action `integration` stripped from posts sent to any client; message attachments
  listed as `metadata.embeds`; a normal bot gets 403 from `POST /posts/ephemeral`; `edit_at`
  only for a changed message, files or attachments; `since` capped at 1,000 posts;
  MaximumPayloadSizeBytes (300,000), props at most 800,000 runes, PostEditTimeLimit (off by
  default); slash commands need `manage_own_slash_commands` (`members_manage_commands=False`
  is a real server's default) and a trigger is unique in its team.
- WebSocket: `hello` with seq 0 and a connection ID, the real event envelope (`data.post` a
  JSON string), per-connection seq, resume of an inactive connection from a 128-event buffer
  without a new hello, a new connection and hello when the sequence is gone, the ID unknown or
  the connection still active, challenge auth, a repeated challenge on a header-authenticated
  socket ignored, protocol pings; `user_updated` after a profile change.
- Integrations: the documented request bodies and headers to action, dialog and command URLs;
  `update` (props null keeps, {} clears except the retained keys), `ephemeral_text` (as the
  clicking user), action cookies on ephemeral posts and `UpdateEphemeralPost`, dialog
  `errors`/`error`; 429/503 passed through, other 5xx as 502, other failures as 400; trigger
  IDs bound to a user and expiring after 30 s.
- Rate limiting with the server's GCRA parameters and headers; a `text/plain` 429.

Simplified, on purpose:
- One built-in team that every user is in; no files, threads, reactions or statuses; mentions
  are `@username` only (no `@channel`, `@here`, groups).
- Events sent while a connection is down are kept in its replay buffer (up to 128), so a
  resume gets them; the 8 newest closed connections per user stay resumable.
- An invalid dialog is opened like the server does (it only logs a warning), and the problem
  is listed in `Emulator.problems` so tests can fail on it.
- Loopback integration URLs are allowed (a real server needs
  `AllowedUntrustedInternalConnections`); trigger IDs are signed with HMAC, not ECDSA.
"""

from .limits import Faults, RateLimit
from .server import Emulator, RecordedRequest

__all__ = ["Emulator", "Faults", "RateLimit", "RecordedRequest"]
