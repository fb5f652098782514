"""Slack's v0 signature, verified over the raw bytes; and a Bolt app that cannot skip it."""

from __future__ import annotations

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from oec_chatops.errors import BadSignature, MissingSignature, StaleTimestamp
from oec_chatops.playground import SlackSigner
from oec_chatops.slack.app import ChatopsApp
from oec_chatops.slack.signature import expected_signature, verify_slack_request

NOW = 1_767_225_600
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BODY = b"token=x&command=%2Foec&text=deploy+acme-shop%2Fproduction"


def signed(body: bytes = BODY, *, at: int = NOW, secret: str = SECRET) -> dict[str, str]:
    return SlackSigner(secret).headers(body, timestamp=at)


def test_slacks_own_signature_verifies() -> None:
    verify_slack_request(BODY, signed(), secret=SECRET, now=NOW + 299)


@pytest.mark.parametrize(
    ("body", "headers", "error"),
    [
        (BODY + b"&x=1", signed(), BadSignature),
        (BODY, signed(secret="another-secret"), BadSignature),
        (BODY, signed(at=NOW - 301), StaleTimestamp),
        (BODY, signed(at=NOW + 301), StaleTimestamp),
        (BODY, {}, MissingSignature),
        (BODY, {"X-Slack-Signature": signed()["X-Slack-Signature"]}, MissingSignature),
        (BODY, signed() | {"X-Slack-Request-Timestamp": "1e9"}, BadSignature),
        (BODY, signed() | {"X-Slack-Request-Timestamp": "-1"}, BadSignature),
        (b"\xff\xfe", signed(b"\xff\xfd"), BadSignature),
    ],
    ids=[
        "tampered",
        "other_secret",
        "stale",
        "future",
        "unsigned",
        "no_timestamp",
        "timestamp_not_a_number",
        "negative_timestamp",
        "not_utf8",
    ],
)
def test_anything_else_is_refused(
    body: bytes, headers: dict[str, str], error: type[Exception]
) -> None:
    with pytest.raises(error):
        verify_slack_request(body, headers, secret=SECRET, now=NOW)


def test_an_empty_secret_verifies_nothing() -> None:
    """An HMAC keyed with "" is one anybody can compute."""
    forged = {
        "X-Slack-Request-Timestamp": str(NOW),
        "X-Slack-Signature": expected_signature("", BODY, str(NOW)),
    }
    with pytest.raises(BadSignature):
        verify_slack_request(BODY, forged, secret="", now=NOW)


@pytest.mark.parametrize(
    "kwargs",
    [{"signing_secret": ""}, {"signing_secret": SECRET, "request_verification_enabled": False}],
    ids=["no_secret", "verification_off"],
)
def test_the_bolt_app_cannot_be_built_without_verification(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="verifies"):
        ChatopsApp(client=AsyncWebClient(token="xoxb-1-unit"), **kwargs)  # type: ignore[arg-type]
