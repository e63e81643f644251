"""A local Mattermost emulator, faithful to the official API for the subset the bot uses.

It must never import `calendar_bot`: it stands in for a server the bot does not control, and
anything written against it has to work unchanged against a real Mattermost.

Faithful (checked in `tests/contract` against the OpenAPI spec and the facts file):
- REST paths, JSON shapes, status codes and AppError bodies for users, bots, tokens, direct
  channels, posts (create/get/update/patch/delete/list with page, before, after, since),
  post actions, dialogs, slash commands and `system/ping`; auth by `Bearer`/`Token` header,
  MMAUTHTOKEN cookie or `?access_token=`.
- Server behaviour the spec does not show: `pending_post_id` de-duplication (30 s, keyed by the
  pending ID alone, as `deduplicateCreatePost`); `from_bot` on bot posts; action IDs generated;
  every action `integration` stripped from posts sent to any client; message attachments
  listed as `metadata.embeds`; a normal bot gets 403 from `POST /posts/ephemeral`.
- WebSocket: `hello` with seq 0 and a connection ID, the real event envelope (`data.post` a
  JSON string), per-connection seq, resume from a 128-event buffer without a new hello, a new
  connection and hello when the sequence is gone or the ID unknown, challenge auth, a repeated
  challenge on a header-authenticated socket ignored, protocol pings.
- Integrations: the documented request bodies and headers to action, dialog and command URLs;
  `update` (props null keeps, {} clears except the retained keys), `ephemeral_text`, dialog
  `errors`/`error`; 429/503 passed through, other 5xx as 502, other failures as 400; trigger
  IDs bound to a user and expiring after 30 s.
- Rate limiting with the server's GCRA parameters and headers; a `text/plain` 429.

Simplified, on purpose:
- One built-in team, no channels other than DMs, no files, threads, reactions or statuses.
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
