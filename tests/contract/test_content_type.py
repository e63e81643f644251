"""Every API answer says `Content-Type: application/json`, exactly, like the server
(server/channels/web/handlers.go `ServeHTTP` for successes, `handleContextError` for errors).
Client4 decodes a body as JSON only for that exact string: with a charset suffix every call
returns a string and every error loses its status and id."""

from __future__ import annotations

from tests.contract.conftest import World


async def test_successes_and_errors_carry_the_exact_json_content_type(world: World) -> None:
    answers = [
        await world.bot.get("/users/me"),  # 200
        await world.bot.post("/posts", {"channel_id": world.dm_id, "message": "hi"}),  # 201
        await world.bot.get("/system/ping"),
        await world.bot.get("/posts/" + "x" * 26),  # 403 AppError
        await world.bot.post("/posts", "not an object"),  # 400 AppError
        await world.bot.get("/no/such/route"),  # 404 AppError
    ]
    assert [a.status for a in answers] == [200, 201, 200, 403, 400, 404]
    for answer in answers:
        assert answer.headers["Content-Type"] == "application/json"
        assert isinstance(answer.body, dict)
    assert answers[3].body["status_code"] == 403
