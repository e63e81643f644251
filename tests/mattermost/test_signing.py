from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from calendar_bot.clock import ManualClock
from calendar_bot.mattermost.signing import ContextSigner, InvalidContext

ALICE = "a" * 26
BOB = "b" * 26


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))


@pytest.fixture
def signer(clock: ManualClock) -> ContextSigner:
    return ContextSigner("secret-one", lifetime=timedelta(days=7), clock=clock)


def test_valid_context_round_trips(signer: ContextSigner) -> None:
    context = signer.sign("event.open", ALICE, {"id": "42"})
    signed = signer.verify(json.loads(json.dumps(context)), ALICE)
    assert (signed.action, signed.user_id, signed.payload) == ("event.open", ALICE, {"id": "42"})


def test_selected_option_added_by_mattermost_is_ignored(signer: ContextSigner) -> None:
    context = signer.sign("event.pick", ALICE) | {"selected_option": "x"}
    assert signer.verify(context, ALICE).action == "event.pick"


def test_forged_context_is_refused(signer: ContextSigner) -> None:
    other = ContextSigner("another-secret")
    with pytest.raises(InvalidContext) as refused:
        signer.verify(other.sign("event.open", ALICE, {"id": "42"}), ALICE)
    assert refused.value.reason == "forged"


def test_tampered_payload_is_refused(signer: ContextSigner) -> None:
    context = signer.sign("event.open", ALICE, {"id": "42"})
    context["p"] = {"id": "43"}
    with pytest.raises(InvalidContext) as refused:
        signer.verify(context, ALICE)
    assert refused.value.reason == "forged"


def test_tampered_action_or_expiry_is_refused(signer: ContextSigner) -> None:
    for key, value in (("a", "logout"), ("e", 99999999999)):
        context = signer.sign("event.open", ALICE) | {key: value}
        with pytest.raises(InvalidContext) as refused:
            signer.verify(context, ALICE)
        assert refused.value.reason == "forged"


def test_context_signed_for_another_user_is_refused(signer: ContextSigner) -> None:
    with pytest.raises(InvalidContext) as refused:
        signer.verify(signer.sign("event.open", ALICE), BOB)
    assert refused.value.reason == "cross_user"


def test_expired_context_is_refused(signer: ContextSigner, clock: ManualClock) -> None:
    context = signer.sign("event.open", ALICE)
    clock.advance(timedelta(days=7, seconds=1))
    with pytest.raises(InvalidContext) as refused:
        signer.verify(context, ALICE)
    assert refused.value.reason == "expired"


@pytest.mark.parametrize("garbage", [None, "x", [], {"a": 1}, {"a": "x", "u": ALICE}])
def test_malformed_context_is_forged(signer: ContextSigner, garbage: object) -> None:
    with pytest.raises(InvalidContext):
        signer.verify(garbage, ALICE)


def test_dialog_state_round_trips_and_rejects_garbage(signer: ContextSigner) -> None:
    state = signer.sign_state("connect.submit", ALICE, {"step": "1"})
    assert signer.verify_state(state, ALICE).payload == {"step": "1"}
    with pytest.raises(InvalidContext):
        signer.verify_state("not json", ALICE)


def test_empty_secret_is_rejected() -> None:
    with pytest.raises(ValueError):
        ContextSigner("")


def test_context_is_small(signer: ContextSigner) -> None:
    assert len(json.dumps(signer.sign("event.open", ALICE, {"id": "x" * 40}))) < 200


def test_older_secrets_verify_but_never_sign(clock: ManualClock) -> None:
    before = ContextSigner("old-key", clock=clock).sign("event.open", ALICE, {"id": "42"})
    rotated = ContextSigner("new-key", previous=["old-key"], clock=clock)
    assert rotated.verify(before, ALICE).payload == {"id": "42"}
    fresh = rotated.sign("event.open", ALICE, {"id": "42"})
    assert ContextSigner("new-key", clock=clock).verify(fresh, ALICE).action == "event.open"
    with pytest.raises(InvalidContext):
        ContextSigner("old-key", clock=clock).verify(fresh, ALICE)
    with pytest.raises(InvalidContext):  # a secret dropped from the list verifies no more
        ContextSigner("new-key", clock=clock).verify(before, ALICE)
