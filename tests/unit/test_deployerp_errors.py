"""deployERP error bodies → the `OecError` tree, by code and by status."""

from __future__ import annotations

import json

import pytest

from oec_chatops.deployerp.errors import build_error, parse_error_body
from oec_chatops.oec.errors import (
    OecAuthError,
    OecConflict,
    OecForbidden,
    OecNotFound,
    OecRateLimited,
    OecReadOnlyKey,
    OecResponseError,
    OecServerError,
    OecValidationError,
)


def error(code: str, message: str = "text", details: dict[str, object] | None = None) -> bytes:
    return json.dumps(
        {"error": {"code": code, "message": message, "details": details or {}}}
    ).encode()


@pytest.mark.parametrize(
    ("status", "code", "method", "cls"),
    [
        (401, "unauthorized", "GET", OecAuthError),
        (403, "forbidden", "GET", OecForbidden),
        (403, "forbidden", "POST", OecReadOnlyKey),
        (404, "not_found", "GET", OecNotFound),
        (409, "conflict", "POST", OecConflict),
        (422, "validation_error", "POST", OecValidationError),
        (429, "rate_limit_exceeded", "GET", OecRateLimited),
        (500, "internal_error", "GET", OecServerError),
        (503, "whatever", "GET", OecServerError),
    ],
)
def test_each_documented_code_maps_to_its_class(
    status: int, code: str, method: str, cls: type[OecResponseError]
) -> None:
    body = parse_error_body(status, error(code, "Said by deployERP."))
    exc = build_error(status, body, method=method, endpoint="X /y", request_id="r1")
    assert type(exc) is cls
    assert (exc.status, exc.code, exc.endpoint) == (status, code, "X /y")
    assert "Said by deployERP." in exc.message


def test_a_read_key_writing_is_said_in_words() -> None:
    body = parse_error_body(403, error("forbidden", "Insufficient permissions"))
    exc = build_error(403, body, method="POST", endpoint="e", request_id="")
    assert exc.message.startswith(
        "deployERP refused the action: the configured API key has the Read level"
    )


def test_validation_details_become_fields() -> None:
    body = parse_error_body(422, error("validation_error", "Invalid", {"per_page": "too big"}))
    exc = build_error(422, body, method="GET", endpoint="e", request_id="")
    assert isinstance(exc, OecValidationError)
    assert exc.fields == [{"field": "per_page", "message": "too big", "type": ""}]


def test_a_429_carries_its_wait() -> None:
    body = parse_error_body(429, error("rate_limit_exceeded"))
    exc = build_error(429, body, method="GET", endpoint="e", request_id="", retry_after=12.0)
    assert isinstance(exc, OecRateLimited)
    assert exc.retry_after == 12.0


@pytest.mark.parametrize("content", [b"", b"<html>Bad gateway</html>", b"[]", b'{"error": 3}'])
def test_an_undocumented_body_maps_by_status(content: bytes) -> None:
    body = parse_error_body(502, content)
    assert body.code == "internal_error"
    assert "HTTP 502" in body.message
    assert isinstance(
        build_error(502, body, method="GET", endpoint="e", request_id=""), OecServerError
    )


def test_a_flat_error_body_is_read_too() -> None:
    body = parse_error_body(404, b'{"error": "not_found", "message": "No such server."}')
    assert (body.code, body.message) == ("not_found", "No such server.")


def test_an_echoed_key_is_redacted() -> None:
    secret = "derp_sk_" + "s" * 30
    body = parse_error_body(
        401,
        error("unauthorized", f"Key {secret} is revoked"),
        redact=lambda text: text.replace(secret, "[redacted]"),
    )
    assert body.message == "Key [redacted] is revoked"
