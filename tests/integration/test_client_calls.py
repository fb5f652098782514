"""Each resource method sends the documented request and reads the documented answer."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from oec_chatops.oec.client import OecClient
from oec_chatops.oec.errors import OecConfigError, OecInvalidRequest
from oec_chatops.oec.keys import KeySlot, KeyTier
from tests.support.oec_mock import RW, answered_by

RO = "oec_live_ro_" + "o" * 43
PLAIN = "oec_live_" + "p" * 43
ACCEPTED = {
    "task_id": "t1",
    "status": "queued",
    "environment_id": "e1",
    "poll_url": "/api/public/v1/deployments/t1",
}
HOOK = {"id": "w1", "url": "https://bot.test/hook", "events": ["deploy.completed"], "format": "raw"}


class Api:
    """A fake oec.sh routing on (method, path) to canned answers; records requests."""

    def __init__(
        self,
        routes: dict[tuple[str, str], httpx.Response | Callable[[httpx.Request], httpx.Response]],
    ) -> None:
        self.routes = routes
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.routes.get((request.method, request.url.path.removeprefix("/api/public/v1")))
        if answer is None:
            return httpx.Response(
                404, json={"detail": {"error": "not_found", "message": "No route."}}
            )
        return answer(request) if callable(answer) else answer

    @property
    def last_json(self) -> Any:
        content = self.requests[-1].content
        return json.loads(content) if content else None


def client_for(api: Api, *, rw: str | None = RW, ro: str | None = None) -> OecClient:
    return answered_by(api, rw=rw, ro=ro)


@pytest.mark.parametrize(
    ("call", "path", "body"),
    [
        (lambda c: c.deploy("e1", idempotency_key="k"), "/environments/e1/deploy", None),
        (
            lambda c: c.deploy(
                "e1", idempotency_key="k", modules=["sale_custom", "stock", "sale_custom"]
            ),
            "/environments/e1/deploy",
            {"update_modules": ["sale_custom", "stock"]},
        ),
        (
            lambda c: c.deploy("e1", idempotency_key="k", modules=["all"]),
            "/environments/e1/deploy",
            {"update_modules": ["all"]},
        ),
        (lambda c: c.restart("e1", idempotency_key="k"), "/environments/e1/restart", None),
        (lambda c: c.start("e1", idempotency_key="k"), "/environments/e1/start", None),
        (lambda c: c.stop("e1", idempotency_key="k"), "/environments/e1/stop", None),
        (
            lambda c: c.action("redeploy", "e1", idempotency_key="k"),
            "/environments/e1/deploy",
            None,
        ),
        (
            lambda c: c.action("Restart", "e1", idempotency_key="k"),
            "/environments/e1/restart",
            None,
        ),
        (
            lambda c: c.action("deploy", "e1", idempotency_key="k", modules=["web"]),
            "/environments/e1/deploy",
            {"update_modules": ["web"]},
        ),
        (
            lambda c: c.quick_update("e1", idempotency_key="k", mode="pull_restart"),
            "/environments/e1/quick-update",
            {"mode": "pull_restart"},
        ),
        (
            lambda c: c.quick_update(
                "e1", idempotency_key="k", mode="update_specific", modules=["sale"]
            ),
            "/environments/e1/quick-update",
            {"mode": "update_specific", "modules": ["sale"]},
        ),
    ],
)
async def test_actions_send_the_documented_request(call: Any, path: str, body: Any) -> None:
    api = Api({("POST", path): httpx.Response(202, json=ACCEPTED)})
    async with client_for(api, ro=RO) as client:
        accepted = await call(client)
    assert accepted.task_id == "t1"
    assert accepted.poll_url == "/api/public/v1/deployments/t1"
    request = api.requests[0]
    assert request.headers["Authorization"] == f"Bearer {RW}"  # actions never use the RO key
    assert request.headers["Idempotency-Key"] == "k"
    assert "X-Idempotency-Key" not in request.headers
    assert api.last_json == body
    assert ("content-type" in request.headers) is (body is not None)


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.deploy("e1", idempotency_key="k", modules=[]),
        lambda c: c.deploy("e1", idempotency_key="k", modules=["Sale"]),
        lambda c: c.deploy("e1", idempotency_key="k", modules=["sale-custom"]),
        lambda c: c.deploy("e1", idempotency_key="k", modules=["a" * 65]),
        lambda c: c.deploy("e1", idempotency_key="k", modules=[f"m{i}" for i in range(51)]),
        lambda c: c.deploy("e1", idempotency_key="k", modules=["x; rm -rf /"]),
        lambda c: c.quick_update("e1", idempotency_key="k", mode="nuke"),
        lambda c: c.quick_update("e1", idempotency_key="k", mode="update_specific"),
        lambda c: c.quick_update("e1", idempotency_key="k", mode="update_all", modules=["sale"]),
        lambda c: c.action("rollback", "e1", idempotency_key="k"),
        lambda c: c.action("restart", "e1", idempotency_key="k", modules=["sale"]),
        lambda c: c.restart("e1", idempotency_key=""),
        lambda c: c.restart("e1", idempotency_key="has space"),
        lambda c: c.restart("  ", idempotency_key="k"),
        lambda c: c.get_logs("e1", lines=0),
        lambda c: c.get_logs("e1", lines=5001),
        lambda c: c.list_deployments("e1", limit=0),
    ],
)
async def test_bad_arguments_are_refused_before_sending(call: Any) -> None:
    api = Api({})
    async with client_for(api) as client:
        with pytest.raises(OecInvalidRequest) as info:
            await call(client)
    assert api.requests == []
    assert info.value.fields
    assert info.value.endpoint


async def test_a_client_without_a_full_access_key_refuses_actions_without_a_request() -> None:
    api = Api({("GET", "/environments/e1"): httpx.Response(200, json={"id": "e1", "name": "s"})})
    async with client_for(api, rw=None, ro=RO) as client:
        assert client.tiers == {KeySlot.RO: KeyTier.READ_ONLY}
        assert not client.can_write
        await client.get_environment("e1")
        calls: list[Callable[[], Awaitable[object]]] = [
            lambda: client.deploy("e1", idempotency_key="k"),
            lambda: client.create_webhook(url="https://x.test", events=[], idempotency_key="k"),
            lambda: client.delete_webhook("w1"),
            lambda: client.test_webhook("w1"),
        ]
        for call in calls:
            with pytest.raises(OecConfigError, match=r"No full-access oec\.sh API key") as info:
                await call()
            assert info.value.endpoint
    assert len(api.requests) == 1
    assert api.requests[0].headers["Authorization"] == f"Bearer {RO}"


async def test_queries_use_the_rw_key_when_no_ro_key_is_configured() -> None:
    api = Api(
        {("GET", "/org"): httpx.Response(200, json={"id": "o1", "name": "Acme", "plan": "pro"})}
    )
    async with client_for(api) as client:
        assert await client.get_org() == {"id": "o1", "name": "Acme", "plan": "pro"}
    assert api.requests[0].headers["Authorization"] == f"Bearer {RW}"
    assert api.requests[0].headers["Accept"] == "application/json"
    assert api.requests[0].headers["X-Request-ID"].startswith("req_")


async def test_reads_parse_into_models() -> None:
    api = Api(
        {
            ("GET", "/projects/p1"): httpx.Response(
                200, json={"id": "p1", "name": "Shop", "slug": "shop"}
            ),
            ("GET", "/environments/e1"): httpx.Response(
                200, json={"id": "e1", "name": "prod", "status": "running", "new_field": 1}
            ),
            ("GET", "/environments/e1/status"): httpx.Response(
                200,
                json={
                    "environment_id": "e1",
                    "status": "running",
                    "container_running": True,
                    "last_deploy": {"id": "t0", "status": "completed"},
                },
            ),
            ("GET", "/environments/e1/logs"): httpx.Response(
                200,
                json={"task_id": "t0", "log": "Step 1/2\nStep 2/2", "lines": 2, "truncated": False},
            ),
            ("GET", "/webhooks/w1"): httpx.Response(200, json=HOOK),
        }
    )
    async with client_for(api, ro=RO) as client:
        assert (await client.get_project("p1")).slug == "shop"
        assert (await client.get_environment("e1")).status == "running"
        status = await client.get_environment_status("e1")
        assert status.last_deploy is not None
        assert status.last_deploy.id == "t0"
        logs = await client.get_logs("e1", task_id="t0", lines=50)
        assert logs.log.endswith("Step 2/2")
        assert api.requests[-1].url.params["task_id"] == "t0"
        assert api.requests[-1].url.params["lines"] == "50"
        assert (await client.get_webhook("w1")).events == ["deploy.completed"]


async def test_webhook_management() -> None:
    created = {**HOOK, "secret": "whsec_" + "s" * 32}
    api = Api(
        {
            ("POST", "/webhooks"): httpx.Response(201, json=created),
            ("DELETE", "/webhooks/w1"): httpx.Response(204),
            ("POST", "/webhooks/w1/test"): httpx.Response(
                200, json={"success": True, "status_code": 200, "duration_ms": 85, "message": "ok"}
            ),
        }
    )
    async with client_for(api) as client:
        hook = await client.create_webhook(
            url="https://bot.test/hook",
            events=["deploy.completed", "deploy.failed"],
            description="chatops",
            project_id="p1",
            idempotency_key="hook-intent",
        )
        assert hook.secret is not None
        assert hook.secret.get_secret_value() == created["secret"]
        assert "whsec_" not in repr(hook)
        assert api.last_json == {
            "url": "https://bot.test/hook",
            "events": ["deploy.completed", "deploy.failed"],
            "format": "raw",
            "is_active": True,
            "description": "chatops",
            "project_id": "p1",
        }
        assert api.requests[-1].headers["X-Idempotency-Key"] == "hook-intent"
        assert "Idempotency-Key" not in api.requests[-1].headers
        assert await client.delete_webhook("w1") is None
        result = await client.test_webhook("w1")
        assert result.success
        assert result.status_code == 200


async def test_ids_cannot_escape_their_path_segment() -> None:
    api = Api({})
    async with client_for(api) as client:
        with pytest.raises(Exception, match="No route"):
            await client.get_environment("../projects/p1")
    assert api.requests[0].url.raw_path == b"/api/public/v1/environments/..%2Fprojects%2Fp1"


async def test_probe_reports_each_key_with_its_rate_limit_headers() -> None:
    def projects(request: httpx.Request) -> httpx.Response:
        if request.headers["Authorization"] == f"Bearer {RO}":
            return httpx.Response(
                401, json={"detail": {"error": "key_expired", "message": "Key expired."}}
            )
        headers = {
            "X-RateLimit-Limit": "120",
            "X-RateLimit-Remaining": "119",
            "X-RateLimit-Window": "60",
        }
        page = {"data": [], "pagination": {"has_more": False, "next_cursor": None, "total": 0}}
        return httpx.Response(200, json=page, headers=headers)

    api = Api({("GET", "/projects"): projects})
    async with client_for(api, ro=RO) as client:
        rw, ro = await client.probe()
    assert (rw.slot, rw.tier, rw.ok, rw.status) == (KeySlot.RW, KeyTier.FULL_ACCESS, True, 200)
    assert (rw.rate_limit, rw.rate_remaining, rw.rate_window) == (120, 119, 60.0)
    assert (ro.slot, ro.tier, ro.ok, ro.status, ro.code) == (
        KeySlot.RO,
        KeyTier.READ_ONLY,
        False,
        401,
        "key_expired",
    )
    assert ro.message == "Key expired."
    assert len(api.requests) == 2
    assert api.requests[0].url.params["limit"] == "1"


async def test_probe_reports_an_unreachable_api() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    client = answered_by(down)
    async with client:
        (report,) = await client.probe()
    assert (report.ok, report.status) == (False, None)
    assert report.message is not None
    assert "connection refused" in report.message


def test_plain_keys_are_accepted_with_unknown_tier() -> None:
    client = OecClient(rw_key=SecretStr(PLAIN), ro_key=SecretStr(""))
    assert client.tiers == {KeySlot.RW: KeyTier.UNKNOWN}
    assert client.base_url == "https://api.oec.sh/api/public/v1"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rw_key": None}, "No oec.sh API key is configured"),
        ({"rw_key": SecretStr("oec_live_rw_tooshort")}, "full-access (RW)"),
        ({"rw_key": SecretStr(RO)}, "is a read-only key"),
        ({"rw_key": SecretStr(RW), "ro_key": SecretStr(RW)}, "is a full-access key"),
        ({"rw_key": SecretStr(RW), "ro_key": SecretStr("nope")}, "read-only (RO)"),
        ({"rw_key": SecretStr(RW), "base_url": "api.oec.sh/api/public/v1"}, "OEC_API_URL"),
        ({"rw_key": SecretStr(RW), "base_url": "ftp://api.oec.sh/"}, "OEC_API_URL"),
    ],
)
def test_configuration_errors(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(OecConfigError, match=re.escape(message)) as info:
        OecClient(**kwargs)
    for value in (RW, RO, "tooshort"):
        assert value not in str(info.value)
