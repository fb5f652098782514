"""Rate limits, 429 variants, 5xx faults, latency and the projects pagination shapes."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from oec_chatops.clock import ManualClock
from oec_chatops.sim import SimSettings, build_sim_app
from oec_chatops.sim.seed import seed_id
from tests.support.sim_helpers import API, RO, RO_KEY, RW, RW_KEY, asgi_client

STAGING = seed_id("env/acme-shop/staging")
DEV = seed_id("env/acme-shop/development")


@dataclass
class Sim:
    client: httpx.AsyncClient
    clock: ManualClock


@pytest.fixture
async def sim() -> AsyncIterator[Sim]:
    clock = ManualClock(start=1_767_225_600.0 + 15)  # 15 s into a calendar minute
    settings = SimSettings(
        rw_keys=(RW_KEY,),
        ro_keys=(RO_KEY,),
        read_limit=4,
        write_limit=2,
        webhook_mutation_limit=2,
        allow_loopback_webhooks=True,
    )
    async with asgi_client(build_sim_app(settings, clock=clock)) as client:
        yield Sim(client, clock)


async def test_writes_hit_their_limit_with_retry_after_while_reads_go_on(sim: Sim) -> None:
    for env in (STAGING, DEV):
        r = await sim.client.post(f"{API}/environments/{env}/restart", headers=RW)
        assert r.status_code == 202
    assert r.headers["X-RateLimit-Limit"] == "2"
    assert r.headers["X-RateLimit-Remaining"] == "0"
    r = await sim.client.post(f"{API}/environments/{STAGING}/deploy", headers=RW)
    assert r.status_code == 429
    assert r.headers["Retry-After"] == "45"
    assert r.headers["X-RateLimit-Remaining"] == "0"
    assert r.json()["error"] == "rate_limit_exceeded"
    assert r.json()["retry_after"] == 45
    read = await sim.client.get(f"{API}/org", headers=RW)
    assert read.status_code == 200
    assert read.headers["X-RateLimit-Limit"] == "4"
    assert read.headers["X-RateLimit-Remaining"] == "3"
    sim.clock.advance(45)  # the next calendar minute
    r = await sim.client.post(f"{API}/environments/{STAGING}/deploy", headers=RW)
    assert r.status_code != 429


async def test_reads_have_their_own_limit_per_key(sim: Sim) -> None:
    for _ in range(4):
        assert (await sim.client.get(f"{API}/org", headers=RO)).status_code == 200
    r = await sim.client.get(f"{API}/org", headers=RO)
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) == r.json()["retry_after"] == 45
    assert (await sim.client.get(f"{API}/org", headers=RW)).status_code == 200  # other key


async def test_webhook_changes_have_an_extra_sliding_limit(sim: Sim) -> None:
    body = {"url": "http://127.0.0.1:9/hook", "events": ["deploy.completed"]}
    first = await sim.client.post(f"{API}/webhooks", headers=RW, json=body)
    assert first.status_code == 201
    second = await sim.client.delete(f"{API}/webhooks/{first.json()['id']}", headers=RW)
    assert second.status_code == 204
    sim.clock.advance(50)  # a new calendar minute for the write limit, not 60 s for webhooks
    r = await sim.client.post(f"{API}/webhooks", headers=RW, json=body)
    assert r.status_code == 429
    assert r.json()["detail"]["error"] == "webhook_mutation_rate_limit"
    assert r.json()["detail"]["retry_after"] == 10
    assert r.headers["Retry-After"] == "10"
    sim.clock.advance(10)
    assert (await sim.client.post(f"{API}/webhooks", headers=RW, json=body)).status_code == 201


async def test_forced_and_bare_429(sim: Sim) -> None:
    await sim.client.post("/_sim/faults", json={"force_429": 2})
    first = await sim.client.get(f"{API}/org", headers=RW)
    assert first.status_code == 429
    assert first.headers["Retry-After"] == "45"
    await sim.client.post("/_sim/faults", json={"bare_429": True})
    bare = await sim.client.get(f"{API}/org", headers=RW)
    assert bare.status_code == 429
    assert "retry-after" not in bare.headers
    assert not [h for h in bare.headers if h.lower().startswith("x-ratelimit")]
    assert bare.json()["retry_after"] == 45
    assert (await sim.client.get(f"{API}/org", headers=RW)).status_code == 200
    assert (await sim.client.get("/_sim/faults")).json()["force_429"] == 0


async def test_error_next_answers_5xx_and_queues_nothing(sim: Sim) -> None:
    await sim.client.post("/_sim/faults", json={"error_next": 2})
    write = await sim.client.post(f"{API}/environments/{STAGING}/deploy", headers=RW)
    assert write.status_code == 503
    assert write.json()["detail"]["error"] == "enqueue_failed"
    assert write.headers["Retry-After"] == "1"
    read = await sim.client.get(f"{API}/environments/{STAGING}/deployments", headers=RW)
    assert read.status_code == 500
    assert read.json()["error"] == "internal_error"
    page = (await sim.client.get(f"{API}/environments/{STAGING}/deployments", headers=RW)).json()
    assert page["pagination"]["total"] == 1


async def test_error_rate_one_fails_everything_and_zero_nothing(sim: Sim) -> None:
    await sim.client.post("/_sim/faults", json={"error_rate": 1})
    assert (await sim.client.get(f"{API}/org", headers=RW)).status_code == 500
    await sim.client.post("/_sim/faults", json={"error_rate": 0})
    assert (await sim.client.get(f"{API}/org", headers=RW)).status_code == 200


async def test_latency_is_added_to_answers(sim: Sim) -> None:
    await sim.client.post("/_sim/faults", json={"latency_ms": 60})
    started = time.perf_counter()
    assert (await sim.client.get(f"{API}/org", headers=RW)).status_code == 200
    assert time.perf_counter() - started >= 0.06


async def test_bad_fault_values_are_refused(sim: Sim) -> None:
    for bad in (
        {"error_rate": 2},
        {"projects_pagination": "pages"},
        {"nope": 1},
        {"force_429": -1},
    ):
        r = await sim.client.post("/_sim/faults", json=bad)
        assert r.status_code == 400
        assert isinstance(r.json()["detail"], str)
    assert (await sim.client.get("/_sim/faults")).json() == {
        "latency_ms": 0,
        "error_rate": 0.0,
        "error_next": 0,
        "force_429": 0,
        "bare_429": False,
        "fail_next_deploys": 0,
        "fail_next_module_updates": 0,
        "fail_next_backups": 0,
        "fail_next_restores": 0,
        "target_unreachable": 0,
        "lose_next_answers": 0,
        "projects_pagination": "cursor",
    }


async def test_projects_answer_in_every_documented_shape(sim: Sim) -> None:
    async def projects(shape: str, params: dict[str, str]) -> object:
        await sim.client.post("/_sim/faults", json={"projects_pagination": shape})
        sim.clock.advance(60)  # keep clear of the small read limit
        r = await sim.client.get(f"{API}/projects", headers=RW, params=params)
        assert r.status_code == 200
        return r.json()

    page = await projects("page", {"page": "2", "page_size": "1"})
    assert page == {
        "items": [page["items"][0]],  # type: ignore[index]
        "total": 2,
        "page": 2,
        "page_size": 1,
        "pages": 2,
    }
    assert page["items"][0]["name"] == "Globex ERP"  # type: ignore[index]
    offset = await projects("offset", {"limit": "1", "offset": "0"})
    assert offset["has_more"] is True  # type: ignore[index]
    assert (offset["total"], offset["limit"], offset["offset"]) == (2, 1, 0)  # type: ignore[index]
    array = await projects("array", {})
    assert isinstance(array, list)
    assert [p["name"] for p in array] == ["Acme Shop", "Globex ERP"]
    cursor = await projects("cursor", {})
    assert set(cursor) == {"data", "pagination"}  # type: ignore[arg-type]


async def test_reset_turns_faults_off_and_reseed_restores_data(sim: Sim) -> None:
    stop = await sim.client.post(f"{API}/environments/{STAGING}/stop", headers=RW)
    assert stop.status_code == 202
    await sim.client.post("/_sim/faults", json={"error_next": 5, "latency_ms": 1})
    assert (await sim.client.post("/_sim/reset", json={})).json() == {
        "ok": True,
        "reseeded": False,
    }
    assert (await sim.client.get("/_sim/faults")).json()["error_next"] == 0
    assert (await sim.client.get("/_sim/requests")).json() == {"requests": []}
    page = (await sim.client.get(f"{API}/environments/{STAGING}/deployments", headers=RW)).json()
    assert page["pagination"]["total"] == 2
    await sim.client.post("/_sim/reset", json={"reseed": True})
    page = (await sim.client.get(f"{API}/environments/{STAGING}/deployments", headers=RW)).json()
    assert page["pagination"]["total"] == 1


async def test_request_log_records_what_clients_send(sim: Sim) -> None:
    headers = {**RW, "Idempotency-Key": "abc"}
    await sim.client.post(
        f"{API}/environments/{STAGING}/deploy?x=1", headers=headers, json={"update_modules": []}
    )
    (entry,) = (await sim.client.get("/_sim/requests")).json()["requests"]
    assert entry["method"] == "POST"
    assert entry["path"] == f"{API}/environments/{STAGING}/deploy"
    assert entry["query"] == {"x": "1"}
    assert entry["idempotency_key"] == "abc"
    assert entry["x_idempotency_key"] is None
    assert entry["body"] == {"update_modules": []}
    assert entry["tier"] == "full_access"
    assert entry["status"] == 202
    later = (await sim.client.get("/_sim/requests", params={"since": entry["seq"]})).json()
    assert later == {"requests": []}
