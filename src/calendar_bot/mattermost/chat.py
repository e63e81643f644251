"""The Chat port over Mattermost: DMs, post updates and dialogs, rendered and signed."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from calendar_bot.mattermost.errors import MattermostBadRequest, MattermostNotFound
from calendar_bot.mattermost.render import Renderer
from calendar_bot.mattermost.rest import MattermostClient, chat_user_from_profile, pending_post_id
from calendar_bot.ports import ChatUser, PostRef
from calendar_bot.views.dialog import Dialog
from calendar_bot.views.message import OutMessage
from calendar_bot.views.split import split_message

log = logging.getLogger(__name__)

# ServiceSettings.PostEditTimeLimit refused the edit (api4/post.go `patchPost`).
EDIT_TIME_LIMIT = "api.post.update_post.permissions_time_limit.app_error"

KEY_PROP = "calendar_bot_key"
KEYS_PROP = "calendar_bot_keys"  # every key a post carries when it joins several notices


class MattermostChat:
    """Implements ports.Chat."""

    def __init__(self, client: MattermostClient, renderer: Renderer) -> None:
        self.client = client
        self.renderer = renderer
        self._bot_id = ""
        # mm_user_id -> the DM channel with the bot: learnt from Mattermost, or from the
        # channels stored with the users (remember_dm_channel), so that after a restart a
        # post still costs one request, not two: the difference between 500 reminders
        # fitting in their minute under Mattermost's rate limit or not.
        self._dm_channels: dict[str, str] = {}

    async def bot_id(self) -> str:
        if not self._bot_id:
            self._bot_id = str((await self.client.get_me())["id"])
        return self._bot_id

    async def may_delete_others_posts(self) -> bool:
        """Whether the bot's roles grant delete_others_posts (by default: system admins only),
        so a password typed into the chat can be taken out of its history."""
        return await self.client.bot_may(frozenset({"delete_others_posts"}))

    async def get_user(self, user_id: str) -> ChatUser:
        return chat_user_from_profile(await self.client.get_user(user_id))

    async def get_user_by_username(self, username: str) -> ChatUser | None:
        profile = await self.client.get_user_by_username(username)
        return chat_user_from_profile(profile) if profile is not None else None

    async def dm_channel(self, user_id: str) -> str:
        channel_id = self._dm_channels.get(user_id)
        if channel_id:
            return channel_id
        channel_id = await self.client.create_direct_channel(await self.bot_id(), user_id)
        self._dm_channels[user_id] = channel_id
        return channel_id

    def remember_dm_channel(self, user_id: str, channel_id: str) -> None:
        """A DM channel known from elsewhere (stored with the user); one learnt already stays."""
        if channel_id:
            self._dm_channels.setdefault(user_id, channel_id)

    async def send_dm(
        self,
        user_id: str,
        message: OutMessage,
        *,
        idempotency_key: str = "",
        also_keys: Sequence[str] = (),
    ) -> PostRef:
        """Post `message` in the user's DM. Text over the post limit goes out as several
        posts; the buttons ride on the last one, whose reference is returned. `also_keys`:
        the keys of other notices this post carries, so find_sent finds it by any of them."""
        bot_id = await self.bot_id()
        channel_id = await self.dm_channel(user_id)
        text, props = self.renderer.post(message, user_id)
        chunks = split_message(text) if text else [""]
        post: dict[str, object] = {}
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            pending = (
                pending_post_id(bot_id, f"{idempotency_key}#{index}") if idempotency_key else ""
            )
            chunk_props = props if last else None
            if last and idempotency_key:
                # Lets a later retry find this post (find_sent) after a crash between
                # posting and recording it: Mattermost forgets pending_post_id after 30 s.
                chunk_props = {**(props or {}), KEY_PROP: idempotency_key}
                if also_keys:
                    chunk_props[KEYS_PROP] = [idempotency_key, *also_keys]
            post = await self.client.create_post(
                channel_id, chunk, props=chunk_props, pending_post_id=pending
            )
        return PostRef(post_id=str(post["id"]), channel_id=channel_id)

    async def find_sent(self, user_id: str, idempotency_key: str, since_ms: int) -> PostRef | None:
        """The post sent earlier with this key, if any (looked up in the DM since `since_ms`)."""
        channel_id = await self.dm_channel(user_id)
        for post in await self.client.get_channel_posts(channel_id, since=since_ms):
            props = post.get("props") or {}
            if not isinstance(props, dict):
                continue
            keys = props.get(KEYS_PROP)
            if props.get(KEY_PROP) == idempotency_key or (
                isinstance(keys, list) and idempotency_key in keys
            ):
                return PostRef(post_id=str(post["id"]), channel_id=channel_id)
        return None

    async def update_post(self, post_id: str, message: OutMessage, user_id: str) -> str:
        """The id of the post that shows `message` now: `post_id`, or a new post's when the
        old one may no longer be edited."""
        text, props = self.renderer.edited_post(message, user_id)
        # A patch, not a PUT: it leaves what we do not own (pinning, files) alone. Empty props
        # clear the old buttons.
        try:
            await self.client.patch_post(post_id, message=text, props=props)
        except MattermostBadRequest as exc:
            if exc.error_id != EDIT_TIME_LIMIT:
                raise
            # Past the server's PostEditTimeLimit the text may not change: say it anew.
            log.info("post too old to edit; sending the new version as a new post")
            return (await self.send_dm(user_id, message)).post_id
        return post_id

    async def delete_post(self, post_id: str) -> bool:
        return await self.client.delete_post(post_id)

    async def open_dialog(self, trigger_id: str, dialog: object, user_id: str) -> bool:
        """False when Mattermost refuses the trigger (expired after ~30 s, or unknown)."""
        if not isinstance(dialog, Dialog):
            raise TypeError("open_dialog expects a views.dialog.Dialog")
        rendered = self.renderer.dialog(dialog, user_id)
        try:
            await self.client.open_dialog(trigger_id, self.renderer.dialogs_url, rendered)
        except (MattermostBadRequest, MattermostNotFound) as exc:
            log.info("dialog not opened: %s", exc)
            return False
        return True
