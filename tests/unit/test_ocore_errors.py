"""oCore error bodies (JSON or plain text) mapped into the bot's exception tree by status."""

from __future__ import annotations

import pytest

from oec_chatops.ocore.errors import LACKS_MANAGE, build_error, parse_error_body
from oec_chatops.oec.errors import (
    OecAuthError,
    OecConflict,
    OecForbidden,
    OecNotFound,
    OecRateLimited,
    OecResponseError,
    OecServerError,
    OecValidationError,
)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, OecValidationError),
        (401, OecAuthError),
        (403, OecForbidden),
        (404, OecNotFound),
        (409, OecConflict),
        (422, OecValidationError),
        (429, OecRateLimited),
        (500, OecServerError),
        (503, OecServerError),
        (418, OecResponseError),
    ],
)
def test_the_class_follows_the_status(status: int, cls: type[OecResponseError]) -> None:
    error = build_error(status, parse_error_body(status, b""), endpoint="GET /instances")
    assert type(error) is cls
    assert (error.status, error.endpoint) == (status, "GET /instances")


def test_403_says_the_token_lacks_manage_instances_in_those_words() -> None:
    body = parse_error_body(403, b'{"error": "forbidden", "message": "nope"}', "application/json")
    error = build_error(403, body, endpoint="POST /instances/{id}/control")
    assert LACKS_MANAGE == "the oCore token lacks manage:instances"
    assert error.message == (
        "Refused: the oCore token lacks manage:instances permission (oCore said: nope)."
    )
    assert error.code == "forbidden"


def test_json_plain_text_and_html_bodies() -> None:
    json_body = parse_error_body(409, b'{"error":"conflict","message":" busy  now "}')
    assert (json_body.code, json_body.message) == ("conflict", "busy now")
    text = parse_error_body(404, b"Instance not found", "text/plain")
    assert (text.code, text.message) == ("not_found", "Instance not found")
    html = parse_error_body(502, b"<html><body>Bad gateway</body></html>", "text/html")
    assert (html.code, html.message) == ("server_error", None)
    odd = parse_error_body(422, b"[1, 2]", "application/json")
    assert (odd.code, odd.message) == ("validation_error", None)
    quoted = parse_error_body(400, b'"just a string"')
    assert quoted.message == "just a string"


def test_429_carries_its_wait() -> None:
    error = build_error(429, parse_error_body(429, b""), endpoint="GET /instances", retry_after=7)
    assert isinstance(error, OecRateLimited)
    assert error.retry_after == 7.0
    assert "retry in 7 s" in error.message
