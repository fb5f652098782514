"""Error answers become the right exception, with code, message, extras, endpoint and request id."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from oec_chatops.context import request_id_var
from oec_chatops.oec.client import OecClient
from oec_chatops.oec.errors import (
    OecAuthError,
    OecConflict,
    OecContractError,
    OecForbidden,
    OecNotFound,
    OecPaymentRequired,
    OecRateLimited,
    OecReadOnlyKey,
    OecResponseError,
    OecServerError,
    OecValidationError,
)
from tests.support.oec_mock import Handler, answered_by, recording


def client_for(handler: Handler, seen: list[httpx.Request], **kwargs: Any) -> OecClient:
    return answered_by(recording(handler, seen), **kwargs)


CASES: list[tuple[int, Any, type[OecResponseError], str, dict[str, Any]]] = [
    (
        401,
        {"detail": {"error": "invalid_key", "message": "Key revoked."}},
        OecAuthError,
        "invalid_key",
        {},
    ),
    (401, {"error": "missing_auth", "message": "No key."}, OecAuthError, "missing_auth", {}),
    (
        402,
        {
            "detail": {
                "reason": "subscription_blocked",
                "subscription_status": "past_due",
                "message": "Blocked.",
            }
        },
        OecPaymentRequired,
        "subscription_blocked",
        {"subscription_status": "past_due"},
    ),
    (
        403,
        {"detail": {"error": "read_only_key", "message": "Read only."}},
        OecReadOnlyKey,
        "read_only_key",
        {},
    ),
    (
        403,
        {
            "detail": {
                "error": "plan_feature_required",
                "message": "Upgrade.",
                "required_plan": "pro",
                "current_plan": "starter",
            }
        },
        OecForbidden,
        "plan_feature_required",
        {"required_plan": "pro", "current_plan": "starter"},
    ),
    (404, {"detail": "Environment not found"}, OecNotFound, "not_found", {}),
    (404, {"error": "not_found", "message": "Nope.", "details": {}}, OecNotFound, "not_found", {}),
    (
        409,
        {"detail": {"error": "task_in_progress", "message": "Busy.", "task_id": "t-running"}},
        OecConflict,
        "task_in_progress",
        {"task_id": "t-running"},
    ),
    (
        422,
        {"detail": [{"loc": ["path", "env_id"], "msg": "bad uuid", "type": "uuid_parsing"}]},
        OecValidationError,
        "validation_error",
        {"fields": [{"field": "env_id", "message": "bad uuid", "type": "uuid_parsing"}]},
    ),
    (
        400,
        {"error": "confirm_required", "message": "Confirm."},
        OecValidationError,
        "confirm_required",
        {},
    ),
    (
        429,
        {"error": "rate_limit_exceeded", "message": "Slow.", "retry_after": 23},
        OecRateLimited,
        "rate_limit_exceeded",
        {"retry_after": 23},
    ),
    (
        502,
        {"detail": {"error": "server_unreachable", "message": "Down."}},
        OecServerError,
        "server_unreachable",
        {},
    ),
    (
        503,
        {"detail": {"error": "enqueue_failed", "message": "Queue."}},
        OecServerError,
        "enqueue_failed",
        {},
    ),
    (
        418,
        {"detail": {"error": "teapot", "message": "Short and stout."}},
        OecResponseError,
        "teapot",
        {},
    ),
]


@pytest.mark.parametrize(("status", "body", "cls", "code", "extra"), CASES)
async def test_error_status_and_body_map_to_the_exception(
    status: int, body: Any, cls: type[OecResponseError], code: str, extra: dict[str, Any]
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=body)

    token = request_id_var.set("req_errors01")
    try:
        async with client_for(handler, [], max_attempts=1) as client:
            with pytest.raises(OecResponseError) as info:
                await client.get_environment("e1")
    finally:
        request_id_var.reset(token)
    error = info.value
    assert type(error) is cls
    assert (error.status, error.code) == (status, code)
    assert error.extra == extra
    assert error.message
    assert error.endpoint == "GET /environments/{env_id}"
    assert error.request_id == "req_errors01"


async def test_conflict_exposes_the_running_task() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        body = {"detail": {"error": "task_in_progress", "message": "Busy.", "task_id": "t-7"}}
        return httpx.Response(409, json=body)

    async with client_for(handler, []) as client:
        with pytest.raises(OecConflict) as info:
            await client.deploy("e1", idempotency_key="k1")
    assert info.value.task_id == "t-7"
    assert info.value.endpoint == "POST /environments/{env_id}/deploy"


async def test_a_proxy_page_is_a_server_error_with_an_excerpt() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            502, text="<html>Bad Gateway</html>", headers={"content-type": "text/html"}
        )

    async with client_for(handler, [], max_attempts=1) as client:
        with pytest.raises(OecServerError) as info:
            await client.list_servers()
    assert info.value.code == "server_error"
    assert "not JSON" in info.value.message
    assert info.value.extra["body_excerpt"] == "<html>Bad Gateway</html>"


@pytest.mark.parametrize("status", [301, 302, 307, 308])
async def test_a_redirect_is_not_followed(status: int) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers={"location": "https://elsewhere.test/steal"})

    seen: list[httpx.Request] = []
    async with client_for(handler, seen) as client:
        with pytest.raises(OecContractError) as info:
            await client.list_projects()
    assert len(seen) == 1
    assert all(r.url.host == "api.oec.test" for r in seen)
    assert "unexpected redirect" in str(info.value)
    assert "OEC_API_URL" in str(info.value)
    assert info.value.endpoint == "GET /projects"


async def test_a_2xx_that_is_not_json_is_a_contract_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>login</html>")

    async with client_for(handler, []) as client:
        with pytest.raises(OecContractError, match="not JSON"):
            await client.get_project("p1")


async def test_a_2xx_that_does_not_fit_the_model_names_fields_not_values() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"name": "s3cr3t-looking-value"})

    async with client_for(handler, []) as client:
        with pytest.raises(OecContractError) as info:
            await client.get_project("p1")
    text = str(info.value)
    assert "id: missing" in text
    assert "s3cr3t-looking-value" not in text
    assert info.value.endpoint == "GET /projects/{project_id}"
