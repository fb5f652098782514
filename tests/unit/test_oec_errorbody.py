"""The error-body reader on every shape of CONTRACT.md §9.3 and §2.1, and the exception it picks."""

from __future__ import annotations

import json
from typing import Any

import pytest

from oec_chatops.oec.errorbody import build_error, parse_error_body
from oec_chatops.oec.errors import (
    OecAuthError,
    OecConflict,
    OecForbidden,
    OecNotFound,
    OecPaymentRequired,
    OecRateLimited,
    OecReadOnlyKey,
    OecResponseError,
    OecServerError,
    OecValidationError,
)


def _parse(status: int, body: Any) -> Any:
    return parse_error_body(status, json.dumps(body).encode(), "application/json")


def test_detail_list_is_a_validation_error_with_fields() -> None:
    body = {
        "detail": [
            {"loc": ["body", "name"], "msg": "Field required", "type": "missing"},
            {"loc": ["query", "lines"], "msg": "too large", "type": "less_than_equal"},
        ]
    }
    parsed = _parse(422, body)
    assert parsed.code == "validation_error"
    assert parsed.extra["fields"] == [
        {"field": "name", "message": "Field required", "type": "missing"},
        {"field": "lines", "message": "too large", "type": "less_than_equal"},
    ]
    assert "name: Field required" in parsed.message


def test_documented_envelope_with_field_list() -> None:
    body = {
        "error": "validation_error",
        "message": "Request body validation failed.",
        "detail": [{"field": "webhook_url", "message": "Must be a valid HTTPS URL."}],
    }
    parsed = _parse(400, body)
    assert (parsed.code, parsed.message) == ("validation_error", "Request body validation failed.")
    assert parsed.extra["fields"][0]["field"] == "webhook_url"


def test_detail_string() -> None:
    parsed = _parse(404, {"detail": "Backup is not in COMPLETED status"})
    assert (parsed.code, parsed.message) == ("not_found", "Backup is not in COMPLETED status")


def test_top_level_error_keeps_non_empty_extras() -> None:
    parsed = _parse(404, {"error": "not_found", "message": "No such env.", "details": {}})
    assert (parsed.code, parsed.message, parsed.extra) == ("not_found", "No such env.", {})
    parsed = _parse(
        429, {"error": "rate_limit_exceeded", "message": "Slow down.", "retry_after": 23}
    )
    assert parsed.extra == {"retry_after": 23}


@pytest.mark.parametrize(
    ("status", "detail", "code", "message", "extra"),
    [
        pytest.param(
            409,
            {"error": "task_in_progress", "message": "Another task is running.", "task_id": "t-1"},
            "task_in_progress",
            "Another task is running.",
            {"task_id": "t-1"},
            id="the-usual-shape",
        ),
        pytest.param(
            402,
            {
                "reason": "subscription_blocked",
                "subscription_status": "past_due",
                "message": "Pay up.",
            },
            "subscription_blocked",
            "Pay up.",
            {"subscription_status": "past_due"},
            id="402-reason",
        ),
        pytest.param(
            403,
            {
                "error": "plan_feature_required",
                "message": "Upgrade.",
                "required_plan": "pro",
                "current_plan": "starter",
            },
            "plan_feature_required",
            "Upgrade.",
            {"required_plan": "pro", "current_plan": "starter"},
            id="plan-feature-keeps-plans",
        ),
    ],
)
def test_a_detail_object_gives_its_code_message_and_the_other_fields(
    status: int, detail: dict[str, Any], code: str, message: str, extra: dict[str, Any]
) -> None:
    """Given an error whose `detail` is an object, its code (`error`, or a 402's `reason`) and
    message are read from it, and every other field is kept as an extra."""
    parsed = _parse(status, {"detail": detail})
    assert (parsed.code, parsed.message, parsed.extra) == (code, message, extra)


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"<html><body>502 Bad Gateway</body></html>", "text/html; charset=utf-8"),
        (b"upstream connect error", "text/plain"),
        (b"{not json", "application/json"),
    ],
)
def test_non_json_bodies(content: bytes, content_type: str) -> None:
    parsed = parse_error_body(502, content, content_type)
    assert parsed.code == "server_error"
    assert "not JSON" in parsed.message
    assert parsed.extra["body_excerpt"]
    assert parsed.extra["content_type"] == content_type.split(";")[0]


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [
        (401, b"", "unauthorized"),
        (404, b"null", "not_found"),
        (418, b"[]", "http_418"),
        (503, b'"busy"', "server_error"),
        (409, b'{"detail": {}}', "conflict"),
        (400, b'{"detail": ""}', "bad_request"),
    ],
)
def test_bodies_without_a_code_map_by_status(status: int, body: bytes, code: str) -> None:
    parsed = parse_error_body(status, body, "application/json")
    assert parsed.code == code
    assert parsed.message


def test_messages_echoing_a_key_are_redacted() -> None:
    key = "oec_live_rw_" + "s" * 43
    parsed = _parse(401, {"detail": {"error": "invalid_key", "message": f"Key {key} is revoked"}})
    assert key not in parsed.message
    assert "oec_live_[redacted]" in parsed.message


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (400, "confirm_required", OecValidationError),
        (401, "key_expired", OecAuthError),
        (402, "subscription_blocked", OecPaymentRequired),
        (403, "read_only_key", OecReadOnlyKey),
        (403, "project_scoped_key", OecForbidden),
        (404, "not_found", OecNotFound),
        (409, "task_in_progress", OecConflict),
        (422, "validation_error", OecValidationError),
        (429, "rate_limit_exceeded", OecRateLimited),
        (500, "internal", OecServerError),
        (502, "server_unreachable", OecServerError),
        (503, "enqueue_failed", OecServerError),
        (418, "teapot", OecResponseError),
    ],
)
def test_build_error_picks_the_class(status: int, code: str, cls: type[OecResponseError]) -> None:
    body = _parse(status, {"detail": {"error": code, "message": "m", "task_id": "t"}})
    error = build_error(status, body, endpoint="GET /x", request_id="req_1", retry_after=5.0)
    assert type(error) is cls
    assert (error.status, error.code, error.endpoint, error.request_id) == (
        status,
        code,
        "GET /x",
        "req_1",
    )
    assert error.extra["task_id"] == "t"


def test_rate_limited_carries_retry_after_and_conflict_its_task() -> None:
    limited = build_error(429, _parse(429, {}), endpoint="GET /x", request_id="r", retry_after=12.0)
    assert isinstance(limited, OecRateLimited)
    assert limited.retry_after == 12.0
    conflict = build_error(
        409,
        _parse(409, {"detail": {"error": "task_in_progress", "task_id": "t9"}}),
        endpoint="e",
        request_id="r",
    )
    assert isinstance(conflict, OecConflict)
    assert conflict.task_id == "t9"
