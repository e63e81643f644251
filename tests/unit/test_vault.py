"""The credential vault: keys parsing, encryption, rotation, and no secret in any message."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from calendar_bot.vault import InvalidKeyError, UndecryptableSecret, Vault, parse_keys

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()


def test_parse_keys_keeps_order_and_trims_spaces() -> None:
    assert parse_keys(f" {KEY_A} , {KEY_B}") == [KEY_A.encode(), KEY_B.encode()]


@pytest.mark.parametrize("value", ["", "   ", "\n"])
def test_parse_keys_refuses_an_empty_value(value: str) -> None:
    with pytest.raises(InvalidKeyError, match="empty"):
        parse_keys(value)


@pytest.mark.parametrize(
    ("value", "position"),
    [
        ("not-a-key", "#1 of 1"),
        (f"{KEY_A},short", "#2 of 2"),
        (f"{KEY_A},,{KEY_B}", "#2 of 3"),
        (f"{KEY_A},", "#2 of 2"),
        (f"{KEY_A},{KEY_B[:-2]}!=", "#2 of 2"),
        ("A" * 43 + "=", None),  # valid shape and base64 alphabet but 32 bytes: accepted
    ],
)
def test_parse_keys_names_the_bad_position_without_echoing_it(
    value: str, position: str | None
) -> None:
    if position is None:
        assert len(parse_keys(value)) == 1
        return
    with pytest.raises(InvalidKeyError) as caught:
        parse_keys(value)
    message = str(caught.value)
    assert f"key {position}" in message
    for part in value.split(","):
        if part:
            assert part not in message


def test_invalid_key_error_is_a_value_error() -> None:
    assert issubclass(InvalidKeyError, ValueError)


def test_encrypt_then_decrypt() -> None:
    vault = Vault([KEY_A])
    token = vault.encrypt("app-пароль-123")
    assert "app-пароль-123" not in token
    assert vault.decrypt(token) == "app-пароль-123"
    assert vault.encrypt("same") != vault.encrypt("same")  # Fernet is randomized


def test_first_key_encrypts_every_key_decrypts() -> None:
    old = Vault([KEY_A]).encrypt("secret")
    both = Vault([KEY_B, KEY_A])
    assert both.decrypt(old) == "secret"
    new = both.encrypt("secret")
    assert Vault([KEY_B]).decrypt(new) == "secret"
    with pytest.raises(UndecryptableSecret):
        Vault([KEY_A]).decrypt(new)


def test_decrypt_with_no_matching_key_raises_a_secret_free_error() -> None:
    token = Vault([KEY_A]).encrypt("hunter2")
    with pytest.raises(UndecryptableSecret) as caught:
        Vault([KEY_B]).decrypt(token)
    assert "hunter2" not in str(caught.value)
    assert token not in str(caught.value)
    assert KEY_B not in str(caught.value)


@pytest.mark.parametrize("garbage", ["", "not a token", "gAAAAA" + "x" * 80, "ключ"])
def test_decrypt_of_garbage_raises_undecryptable(garbage: str) -> None:
    with pytest.raises(UndecryptableSecret):
        Vault([KEY_A]).decrypt(garbage)


def test_rotate_re_encrypts_with_the_first_key() -> None:
    token = Vault([KEY_A]).encrypt("pw")
    rotating = Vault([KEY_B, KEY_A])
    assert not rotating.is_current(token)
    rotated = rotating.rotate(token)
    assert rotating.is_current(rotated)
    assert Vault([KEY_B]).decrypt(rotated) == "pw"
    with pytest.raises(UndecryptableSecret):
        Vault([KEY_B]).rotate(token)


def test_generate_key_gives_a_usable_distinct_key() -> None:
    first, second = Vault.generate_key(), Vault.generate_key()
    assert first != second
    assert parse_keys(first) == [first.encode()]
    vault = Vault([first])
    assert vault.decrypt(vault.encrypt("x")) == "x"


def test_vault_accepts_str_or_bytes_and_validates() -> None:
    assert Vault([KEY_A.encode()]).key_count == 1
    assert Vault.from_setting(f"{KEY_A},{KEY_B}").key_count == 2
    with pytest.raises(InvalidKeyError):
        Vault([])
    with pytest.raises(InvalidKeyError, match="#2"):
        Vault([KEY_A, "bad"])


def test_repr_hides_keys() -> None:
    assert KEY_A not in repr(Vault([KEY_A]))
