"""Statuses and custom statuses (api4/status.go): shapes per the spec, and the permission the
server checks before one user changes another's, app/authorization.go
`SessionHasPermissionToUser`: `manage_system`, oneself, or `edit_other_users` for a person who
is not a system admin."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tests.contract.conftest import World

ADMIN = "system_user system_admin"


def future(minutes: int = 30) -> str:
    moment = datetime.now(UTC) + timedelta(minutes=minutes)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_reading_a_status_needs_no_permission_and_is_offline_by_default(
    world: World,
) -> None:
    got = await world.bot.get(f"/users/{world.alice_id}/status")
    assert got.status == 200
    assert got.body["user_id"] == world.alice_id
    assert got.body["status"] == "offline"


async def test_a_bot_without_edit_other_users_is_refused(world: World) -> None:
    body = {"emoji": "date", "text": "In a meeting", "duration": "date_and_time"}
    refused = await world.bot.put(
        f"/users/{world.alice_id}/status/custom", {**body, "expires_at": future()}
    )
    assert refused.status == 403
    assert refused.body["id"] == "api.context.permissions.app_error"
    assert "permission=edit_other_users" in refused.body["detailed_error"]
    assert (await world.bot.delete(f"/users/{world.alice_id}/status/custom")).status == 403
    dnd = {"user_id": world.alice_id, "status": "dnd"}
    assert (await world.bot.put(f"/users/{world.alice_id}/status", dnd)).status == 403
    props = (await world.bot.get(f"/users/{world.alice_id}")).body.get("props") or {}
    assert not props.get("customStatus")


async def test_a_person_sets_their_own_and_others_read_it_from_the_props(world: World) -> None:
    mine = await world.alice.put("/users/me/status/custom", {"emoji": "house", "text": "WFH"})
    assert (mine.status, mine.body) == (200, {"status": "OK"})
    alice = (await world.bot.get(f"/users/{world.alice_id}")).body
    stored = json.loads(alice["props"]["customStatus"])  # a JSON string in the props
    assert stored == {
        "emoji": "house",
        "text": "WFH",
        "duration": "",
        "expires_at": "0001-01-01T00:00:00Z",
    }
    away = {"user_id": world.alice_id, "status": "away"}
    set_ = await world.alice.put(f"/users/{world.alice_id}/status", away)
    assert (set_.status, set_.body["status"], set_.body["manual"]) == (200, "away", True)


async def test_an_admin_bot_sets_clears_and_is_checked_like_anyone(world: World) -> None:
    world.emulator.set_user(world.bot_id, roles=ADMIN)
    path = f"/users/{world.alice_id}/status/custom"
    expires = future()
    body = {"emoji": "date", "text": "In a meeting", "duration": "date_and_time"}
    assert (await world.bot.put(path, {**body, "expires_at": expires})).status == 200
    stored = json.loads(
        (await world.bot.get(f"/users/{world.alice_id}")).body["props"]["customStatus"]
    )
    assert (stored["text"], stored["expires_at"]) == ("In a meeting", expires)
    # Expired, empty, or a duration the server does not know: 400.
    past = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert (await world.bot.put(path, {**body, "expires_at": past})).status == 400
    assert (await world.bot.put(path, {"emoji": "", "text": ""})).status == 400
    odd = {**body, "duration": "fortnight", "expires_at": expires}
    assert (await world.bot.put(path, odd)).status == 400
    assert (await world.bot.delete(path)).status == 200
    props = (await world.bot.get(f"/users/{world.alice_id}")).body["props"]
    assert props["customStatus"] == ""  # model.User.ClearCustomStatus

    end = int((datetime.now(UTC) + timedelta(minutes=30)).timestamp())
    dnd = {"user_id": world.alice_id, "status": "dnd", "dnd_end_time": end}
    got = await world.bot.put(f"/users/{world.alice_id}/status", dnd)
    assert (got.status, got.body["status"], got.body["dnd_end_time"]) == (
        200,
        "dnd",
        end // 60 * 60,
    )
    wrong = {"user_id": world.bot_id, "status": "dnd"}
    assert (await world.bot.put(f"/users/{world.alice_id}/status", wrong)).status == 400
    odd_status = {"user_id": world.alice_id, "status": "busy"}
    assert (await world.bot.put(f"/users/{world.alice_id}/status", odd_status)).status == 400


async def test_edit_other_users_alone_may_not_touch_a_system_admin(world: World) -> None:
    world.emulator.store.role_permissions["system_user_manager"].add("edit_other_users")
    world.emulator.set_user(world.bot_id, roles="system_user system_user_manager")
    body = {"emoji": "date", "text": "In a meeting"}
    assert (await world.bot.put(f"/users/{world.alice_id}/status/custom", body)).status == 200
    world.emulator.set_user(world.alice_id, roles=ADMIN)
    assert (await world.bot.put(f"/users/{world.alice_id}/status/custom", body)).status == 403
    roles = await world.bot.post("/roles/names", ["system_user_manager"])
    assert roles.body[0]["permissions"] == ["edit_other_users"]


async def test_custom_statuses_turned_off_answer_501(world: World) -> None:
    world.emulator.store.custom_statuses_enabled = False
    got = await world.alice.put("/users/me/status/custom", {"emoji": "house", "text": "WFH"})
    assert (got.status, got.body["id"]) == (501, "api.custom_status.disabled")
    assert (await world.alice.delete("/users/me/status/custom")).status == 501
