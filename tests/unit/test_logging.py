from __future__ import annotations

import io
import logging

import pytest

from calendar_bot.logging_setup import JsonFormatter, RedactingFilter, redact, secrets


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("Authorization: Bearer abcdefgh12345678", "abcdefgh12345678"),
        ("headers={'Authorization': 'Basic YWxpY2U6c2VjcmV0'}", "YWxpY2U6c2VjcmV0"),
        ('{"password": "hunter2hunter2"}', "hunter2hunter2"),
        ("login with password=Pa55word!", "Pa55word!"),
        ("GET https://alice:s3cr3tpw@calendar.example/dav/", "s3cr3tpw"),
        ("token=xoxb-1234567890", "xoxb-1234567890"),
    ],
)
def test_redact_patterns(text: str, secret: str) -> None:
    assert secret not in redact(text)
    assert "***" in redact(text)


def test_registered_secret_is_redacted_anywhere() -> None:
    secrets.add("my-app-password-42")
    try:
        assert "my-app-password-42" not in redact("oops: my-app-password-42 leaked")
    finally:
        secrets.discard("my-app-password-42")


def test_filter_redacts_args_and_tracebacks() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("test.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("login %s", "password=topsecret1")
        try:
            raise RuntimeError("Authorization: Bearer tok_abcdefghijk")
        except RuntimeError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert "topsecret1" not in output
    assert "tok_abcdefghijk" not in output
    assert output.count("***") >= 2
