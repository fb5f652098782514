"""The simulator's read API, keys and request validation, in-process through ASGITransport."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from oec_chatops.clock import ManualClock
from oec_chatops.sim import SimSettings, build_sim_app
from oec_chatops.sim.seed import seed_id
from tests.support.sim_helpers import API, OTHER_RW_KEY, RO, RO_KEY, RW, RW_KEY, asgi_client

ACME = seed_id("project/acme-shop")
GLOBEX = seed_id("project/globex-erp")
ACME_STAGING = seed_id("env/acme-shop/staging")
GLOBEX_STAGING = seed_id("env/globex-erp/staging")


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = build_sim_app(SimSettings(rw_keys=(RW_KEY,), ro_keys=(RO_KEY,)), clock=ManualClock())
    async with asgi_client(app) as c:
        yield c


async def test_bearer_rw_key_lists_projects_in_cursor_shape(client: httpx.AsyncClient) -> None:
    r = await client.get(f"{API}/projects", headers=RW)
    assert r.status_code == 200
    body = r.json()
    assert [p["name"] for p in body["data"]] == ["Acme Shop", "Globex ERP"]
    assert body["pagination"] == {"has_more": False, "next_cursor": None, "total": 2}
    assert body["data"][0]["id"] == ACME
    assert body["data"][0]["environment_count"] == 3
    assert r.headers["X-RateLimit-Limit"] == "120"
    assert r.headers["X-RateLimit-Remaining"] == "119"
    assert r.headers["X-RateLimit-Window"] == "60"


async def test_x_api_key_works_and_authorization_wins(client: httpx.AsyncClient) -> None:
    assert (await client.get(f"{API}/org", headers={"X-API-Key": RO_KEY})).status_code == 200
    both = {"Authorization": f"Bearer {OTHER_RW_KEY}", "X-API-Key": RW_KEY}
    r = await client.get(f"{API}/org", headers=both)
    assert r.status_code == 401
    assert r.json()["detail"]["error"] == "invalid_key"
    log = (await client.get("/_sim/requests")).json()["requests"]
    assert [e["auth_header"] for e in log] == ["x-api-key", "authorization"]
    assert [e["tier"] for e in log] == ["read_only", None]
    assert RW_KEY not in str(log)
    assert RO_KEY not in str(log)


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "missing_auth"),
        ({"Authorization": "Bearer not-a-key"}, "invalid_key_format"),
        ({"Authorization": f"Basic {RW_KEY}"}, "invalid_key_format"),
        ({"X-API-Key": "oec_live_rw_short"}, "invalid_key_format"),
        ({"Authorization": f"Bearer {OTHER_RW_KEY}"}, "invalid_key"),
    ],
)
async def test_wrong_keys_get_401_with_documented_json(
    client: httpx.AsyncClient, headers: dict[str, str], code: str
) -> None:
    r = await client.get(f"{API}/projects", headers=headers)
    assert r.status_code == 401
    detail = r.json()["detail"]
    assert detail["error"] == code
    assert detail["message"]
    assert RW_KEY not in r.text


async def test_read_only_key_reads_but_gets_403_on_actions(client: httpx.AsyncClient) -> None:
    assert (await client.get(f"{API}/environments/{ACME_STAGING}", headers=RO)).status_code == 200
    r = await client.post(f"{API}/environments/{ACME_STAGING}/deploy", headers=RO)
    assert r.status_code == 403
    assert r.json()["detail"]["error"] == "read_only_key"
    deployments = await client.get(f"{API}/environments/{ACME_STAGING}/deployments", headers=RO)
    assert deployments.json()["pagination"]["total"] == 1  # nothing was queued


async def test_cursor_pagination_walks_every_project(client: httpx.AsyncClient) -> None:
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": "1", **({"cursor": cursor} if cursor else {})}
        body = (await client.get(f"{API}/projects", headers=RW, params=params)).json()
        seen += [p["id"] for p in body["data"]]
        pages += 1
        cursor = body["pagination"]["next_cursor"]
        assert body["pagination"]["has_more"] is (cursor is not None)
        if cursor is None:
            break
    assert seen == [ACME, GLOBEX]
    assert pages == 2


@pytest.mark.parametrize(
    ("params", "loc"),
    [({"limit": "0"}, "limit"), ({"limit": "101"}, "limit"), ({"cursor": "%%%"}, "cursor")],
)
async def test_bad_paging_params_are_422_lists(
    client: httpx.AsyncClient, params: dict[str, str], loc: str
) -> None:
    r = await client.get(f"{API}/servers", headers=RW, params=params)
    assert r.status_code == 422
    (item,) = r.json()["detail"]
    assert item["loc"] == ["query", loc]
    assert item["msg"]
    assert item["type"]


async def test_environments_are_a_plain_array_with_case_insensitive_status_filter(
    client: httpx.AsyncClient,
) -> None:
    envs = (await client.get(f"{API}/projects/{GLOBEX}/environments", headers=RW)).json()
    assert [(e["name"], e["environment_type"]) for e in envs] == [
        ("development", "development"),
        ("staging", "staging"),
        ("production", "production"),
    ]
    r = await client.get(f"{API}/projects/{GLOBEX}/environments?status=ERROR", headers=RW)
    assert [e["id"] for e in r.json()] == [GLOBEX_STAGING]
    r = await client.get(f"{API}/projects/{GLOBEX}/environments?status=failed", headers=RW)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["query", "status"]


async def test_status_snapshot_has_last_deploy(client: httpx.AsyncClient) -> None:
    body = (await client.get(f"{API}/environments/{GLOBEX_STAGING}/status", headers=RW)).json()
    assert body["status"] == "error"
    assert body["container_running"] is False
    assert body["http_ok"] is False
    assert body["last_deploy"]["status"] == "failed"
    body = (await client.get(f"{API}/environments/{ACME_STAGING}/status", headers=RW)).json()
    assert body["container_running"]
    assert body["db_ready"]
    assert body["http_ok"]
    assert body["last_deploy"]["status"] == "completed"
    assert body["last_deploy"]["completed_at"].endswith("Z")


async def test_logs_have_step_lines_and_keep_the_most_recent(client: httpx.AsyncClient) -> None:
    full = (await client.get(f"{API}/environments/{GLOBEX_STAGING}/logs", headers=RW)).json()
    lines = full["log"].splitlines()
    assert full["lines"] == len(lines)
    assert full["truncated"] is False
    assert [ln for ln in lines if ln.startswith("Step ")] == [
        "Step 1/6: Connecting to server do-ams3-staging...",
        "Step 2/6: Pulling branch release/16.0 from https://gitlab.com/globex/erp...",
        "Step 3/6: Building Docker image (Odoo 16.0)...",
    ]
    assert lines[-2].startswith("ERROR: Docker build failed")
    tail = await client.get(
        f"{API}/environments/{GLOBEX_STAGING}/logs", headers=RW, params={"lines": "2"}
    )
    assert tail.json() == {
        "task_id": full["task_id"],
        "log": "\n".join(lines[-2:]),
        "lines": 2,
        "truncated": True,
    }
    older = seed_id("task/globex-erp/staging/1")
    r = await client.get(
        f"{API}/environments/{GLOBEX_STAGING}/logs", headers=RW, params={"task_id": older}
    )
    assert r.json()["task_id"] == older
    assert r.json()["log"].endswith("Deployment completed successfully in 86.4s.")
    r = await client.get(
        f"{API}/environments/{ACME_STAGING}/logs", headers=RW, params={"task_id": older}
    )
    assert r.status_code == 404
    assert r.json()["detail"]["error"] == "not_found"
    r = await client.get(
        f"{API}/environments/{ACME_STAGING}/logs", headers=RW, params={"lines": "5001"}
    )
    assert r.status_code == 422


async def test_error_shapes_of_unknown_things(client: httpx.AsyncClient) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    r = await client.get(f"{API}/environments/{missing}", headers=RW)
    assert r.status_code == 404
    assert r.json()["detail"]["error"] == "not_found"
    r = await client.get(f"{API}/deployments/{missing}", headers=RW)
    assert r.status_code == 404
    assert r.json() == {"detail": "Task not found"}
    r = await client.get(f"{API}/webhooks/{missing}", headers=RW)
    assert r.status_code == 404
    assert r.json()["error"] == "not_found"
    assert r.json()["details"] == {}
    r = await client.get(f"{API}/environments/not-a-uuid", headers=RW)
    assert r.status_code == 422
    assert r.json()["detail"][0]["type"] == "uuid_parsing"
    r = await client.post(f"{API}/environments/{ACME_STAGING}/actions/deploy", headers=RW)
    assert r.status_code == 404
    assert r.json() == {"detail": "Not Found"}
    r = await client.delete(f"{API}/org", headers=RW)
    assert r.status_code == 405
    assert r.json() == {"detail": "Method Not Allowed"}


async def test_deploy_and_quick_update_bodies_are_validated(client: httpx.AsyncClient) -> None:
    url = f"{API}/environments/{ACME_STAGING}"
    bad = await client.post(f"{url}/deploy", headers=RW, json={"update_modules": ["Sale-Custom"]})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "update_modules", 0]
    too_many = {"update_modules": [f"m{i}" for i in range(51)]}
    assert (await client.post(f"{url}/deploy", headers=RW, json=too_many)).status_code == 422
    broken = await client.post(
        f"{url}/deploy", headers={**RW, "Content-Type": "application/json"}, content=b"{"
    )
    assert broken.status_code == 422
    assert broken.json()["detail"][0]["type"] == "json_invalid"
    no_mods = await client.post(f"{url}/quick-update", headers=RW, json={"mode": "update_specific"})
    assert no_mods.status_code == 422
    wrong_mode = await client.post(f"{url}/quick-update", headers=RW, json={"mode": "rollback"})
    assert wrong_mode.status_code == 422
    assert wrong_mode.json()["detail"][0]["loc"] == ["body", "mode"]
    ok = await client.post(
        f"{url}/quick-update",
        headers=RW,
        json={"mode": "reinitialize_specific", "modules": ["sale_custom"]},
    )
    assert ok.status_code == 202
    task = (await client.get(f"{API}/deployments/{ok.json()['task_id']}", headers=RW)).json()
    assert task["type"] == "deploy"  # a quick update is a deploy task (§9.7)
    assert task["total_steps"] == 5
    assert task["update_modules"] == ["sale_custom"]


async def test_org_and_servers(client: httpx.AsyncClient) -> None:
    org = (await client.get(f"{API}/org", headers=RW)).json()
    assert org["slug"] == "northwind"
    assert org["plan"]
    servers = (await client.get(f"{API}/servers", headers=RW)).json()
    assert sum(s["environment_count"] for s in servers["data"]) == 6
    one = await client.get(f"{API}/servers/{servers['data'][0]['id']}", headers=RW)
    assert one.json()["name"] == servers["data"][0]["name"]


async def test_environment_ram_starts_at_256_mb(client: httpx.AsyncClient) -> None:
    """As the vendor's client checks it (issue 15): 256 MB and up, on create and on change."""
    create = f"{API}/projects/{ACME}/environments"
    small = await client.post(
        create, headers={**RW, "X-Idempotency-Key": "a"}, json={"name": "tiny", "ram_mb": 256}
    )
    assert (small.status_code, small.json()["ram_mb"]) == (201, 256)
    refused = await client.post(
        create, headers={**RW, "X-Idempotency-Key": "b"}, json={"name": "tinier", "ram_mb": 255}
    )
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "ram_mb"]
    patch = f"{API}/environments/{small.json()['id']}"
    assert (await client.patch(patch, headers=RW, json={"ram_mb": 300})).status_code == 200
    assert (await client.patch(patch, headers=RW, json={"ram_mb": 100})).status_code == 422
