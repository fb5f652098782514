"""Webhooks: the URL rule, signed deliveries to a real loopback receiver, retries, ping, rotation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from oec_chatops.clock import ManualClock, SystemClock
from oec_chatops.sim import SimSettings, build_sim_app
from oec_chatops.sim.seed import seed_id
from tests.support.sim_helpers import (
    API,
    RO,
    RO_KEY,
    RW,
    RW_KEY,
    Receiver,
    asgi_client,
    eventually,
    serve,
)

ACME = seed_id("project/acme-shop")
GLOBEX = seed_id("project/globex-erp")
STAGING = seed_id("env/acme-shop/staging")
TASK_SECONDS = 10.0
DEPLOY_EVENTS = ["deploy.started", "deploy.completed", "deploy.failed", "deploy.cancelled"]
DATA_KEYS = {
    "task_id",
    "environment_id",
    "environment_name",
    "project_id",
    "project_name",
    "status",
    "type",
    "branch",
    "triggered_by",
    "started_at",
    "completed_at",
    "duration_seconds",
    "error_message",
    "url",
}


@dataclass
class Live:
    api: httpx.AsyncClient
    clock: ManualClock
    receiver: Receiver
    hook_url: str

    async def create_webhook(self, events: list[str]) -> dict[str, Any]:
        r = await self.api.post(
            f"{API}/webhooks",
            headers={**RW, "X-Idempotency-Key": f"hook-{len(events)}"},
            json={"url": self.hook_url, "events": events, "description": "chatops"},
        )
        assert r.status_code == 201
        created: dict[str, Any] = r.json()
        self.receiver.secrets = [created["secret"]]
        return created

    async def deliveries(self) -> list[dict[str, Any]]:
        body = (await self.api.get("/_sim/deliveries")).json()
        items: list[dict[str, Any]] = body["deliveries"]
        return items

    async def settled(self) -> None:
        """Wait until the simulator has recorded the outcome of every attempt sent so far."""

        async def recorded() -> bool:
            attempts = sum(d["attempt_count"] for d in await self.deliveries())
            return attempts >= len(self.receiver.received)

        await eventually(recorded)


@pytest.fixture
async def live() -> AsyncIterator[Live]:
    """The simulator and a receiver, both under uvicorn on 127.0.0.1, sharing a ManualClock."""
    clock = ManualClock()
    receiver = Receiver(secret="unset", clock=clock)
    settings = SimSettings(
        rw_keys=(RW_KEY,),
        ro_keys=(RO_KEY,),
        allow_loopback_webhooks=True,
        task_seconds=TASK_SECONDS,
        delivery_attempts=3,
        delivery_backoff=1.0,
    )
    async with (
        serve(receiver.app) as hook_base,
        serve(build_sim_app(settings, clock=clock)) as sim_base,
        httpx.AsyncClient(base_url=sim_base) as api,
    ):
        yield Live(api, clock, receiver, f"{hook_base}/hook")


async def test_signed_deliveries_reach_the_receiver_in_order(live: Live) -> None:
    hook = await live.create_webhook([*DEPLOY_EVENTS, "environment.status_changed"])
    assert hook["secret"].startswith("whsec_")
    listed = (await live.api.get(f"{API}/webhooks/{hook['id']}", headers=RO)).json()
    assert "secret" not in listed
    accepted = (await live.api.post(f"{API}/environments/{STAGING}/deploy", headers=RW)).json()
    live.clock.advance(TASK_SECONDS)
    got = await live.receiver.wait_for(4)
    assert [(g.event, g.payload["data"]["status"]) for g in got] == [
        ("deploy.started", "running"),
        ("environment.status_changed", "deploying"),
        ("deploy.completed", "completed"),
        ("environment.status_changed", "running"),
    ]
    assert all(g.delivery_id == g.payload["id"] for g in got)
    assert len({g.delivery_id for g in got}) == 4
    await live.settled()
    completed = got[2].payload
    assert set(completed) == {"id", "event", "timestamp", "data"}
    assert set(completed["data"]) == DATA_KEYS
    assert completed["data"]["task_id"] == accepted["task_id"]
    assert completed["data"]["project_name"] == "Acme Shop"
    assert completed["data"]["environment_name"] == "staging"
    assert completed["data"]["triggered_by"] == "api"
    assert completed["data"]["duration_seconds"] == pytest.approx(9.0)
    assert got[3].payload["data"]["previous_status"] == "deploying"
    history = (await live.api.get(f"{API}/webhooks/{hook['id']}/deliveries", headers=RO)).json()
    assert next(d["event"] for d in history) == "environment.status_changed"  # newest first
    assert {(d["status"], d["attempt_count"], d["response_status"]) for d in history} == {
        ("delivered", 1, 200)
    }
    after = (await live.api.get(f"{API}/webhooks/{hook['id']}", headers=RO)).json()
    assert after["failure_count"] == 0
    assert after["last_triggered_at"] is not None


async def test_a_failed_attempt_is_retried_with_the_same_id_and_holds_back_the_next(
    live: Live,
) -> None:
    hook = await live.create_webhook(["deploy.completed"])
    live.receiver.fail_first = 1
    r = await live.api.post(
        "/_sim/emit",
        json={"event": "custom.unknown", "data": {"n": 1}, "webhook_ids": [hook["id"]]},
    )
    first_id = r.json()["delivery_ids"][0]
    r = await live.api.post(
        "/_sim/emit",
        json={"event": "custom.unknown", "data": {"n": 2}, "webhook_ids": [hook["id"]]},
    )
    second_id = r.json()["delivery_ids"][0]
    (failed,) = await live.receiver.wait_for(1)
    assert (failed.delivery_id, failed.answered) == (first_id, 500)
    state = {d["delivery_id"]: d for d in await live.deliveries()}
    assert (state[first_id]["status"], state[first_id]["attempt_count"]) == ("retrying", 1)
    assert (state[second_id]["status"], state[second_id]["attempt_count"]) == ("pending", 0)
    live.clock.advance(1.0)  # delivery_backoff
    got = await live.receiver.wait_for(3)
    assert [(g.delivery_id, g.answered) for g in got] == [
        (first_id, 500),
        (first_id, 200),
        (second_id, 200),
    ]
    assert got[1].payload == got[0].payload
    assert got[1].signature_timestamp == got[0].signature_timestamp + 1
    assert got[0].payload["event"] == "custom.unknown"
    assert got[2].payload["data"] == {"n": 2}
    await live.settled()
    state = {d["delivery_id"]: d for d in await live.deliveries()}
    assert [a["ok"] for a in state[first_id]["attempts"]] == [False, True]
    assert state[first_id]["attempts"][0]["response_status"] == 500


async def test_deliveries_give_up_after_the_configured_attempts(live: Live) -> None:
    hook = await live.create_webhook(["deploy.completed"])
    live.receiver.fail_first = 99
    await live.api.post("/_sim/emit", json={"event": "deploy.completed", "data": {}})
    await live.receiver.wait_for(1)
    live.clock.advance(1.0)
    await live.receiver.wait_for(2)
    live.clock.advance(2.0)  # the backoff doubles
    got = await live.receiver.wait_for(3)
    assert len({g.delivery_id for g in got}) == 1
    await live.settled()
    history = (await live.api.get(f"{API}/webhooks/{hook['id']}/deliveries", headers=RO)).json()
    assert [(d["status"], d["attempt_count"]) for d in history] == [("failed", 3)]
    after = (await live.api.get(f"{API}/webhooks/{hook['id']}", headers=RO)).json()
    assert after["failure_count"] == 3


async def test_ping_and_secret_rotation(live: Live) -> None:
    hook = await live.create_webhook(["deploy.completed"])
    ok = (await live.api.post(f"{API}/webhooks/{hook['id']}/test", headers=RW)).json()
    assert ok["success"] is True
    assert ok["status_code"] == 200
    assert ok["message"]
    assert live.receiver.received[-1].event == "ping"
    rotated = (await live.api.post(f"{API}/webhooks/{hook['id']}/rotate-secret", headers=RW)).json()
    assert rotated["secret"] != hook["secret"]
    refused = (await live.api.post(f"{API}/webhooks/{hook['id']}/test", headers=RW)).json()
    assert refused["success"] is False
    assert refused["status_code"] == 401
    assert live.receiver.rejected == ["bad_signature"]
    live.receiver.secrets = [rotated["secret"]]
    again = (await live.api.post(f"{API}/webhooks/{hook['id']}/test", headers=RW)).json()
    assert again["success"] is True
    history = (await live.api.get(f"{API}/webhooks/{hook['id']}/deliveries", headers=RO)).json()
    assert history == []  # pings leave no delivery record


async def test_a_real_clock_task_finishes_and_is_delivered_quickly() -> None:
    clock = SystemClock()
    receiver = Receiver(secret="whsec_fixed-for-this-test", clock=clock)
    settings = SimSettings(
        rw_keys=(RW_KEY,),
        webhook_secret="whsec_fixed-for-this-test",
        allow_loopback_webhooks=True,
        task_seconds=0.3,
    )
    async with (
        serve(receiver.app) as hook_base,
        serve(build_sim_app(settings)) as sim_base,
        httpx.AsyncClient(base_url=sim_base) as api,
    ):
        created = await api.post(
            f"{API}/webhooks",
            headers=RW,
            json={"url": f"{hook_base}/hook", "events": ["deploy.completed"]},
        )
        assert created.json()["secret"] == "whsec_fixed-for-this-test"
        await api.post(f"{API}/environments/{STAGING}/restart", headers=RW)
        (done,) = await receiver.wait_for(1, timeout=3.0)
    assert done.payload["data"]["type"] == "restart"
    assert done.payload["data"]["status"] == "completed"


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/oec",
        "https://127.0.0.1/hook",
        "https://localhost:8443/hook",
        "https://10.1.2.3/hook",
        "https://192.168.1.10/hook",
        "https://[::1]/hook",
        "https://169.254.169.254/latest",
        "https://intranet/hook",
        "http://127.0.0.1:8080/hook",
        "ftp://hooks.example.com/",
        "hooks.example.com/no-scheme",
    ],
)
async def test_webhook_urls_must_be_public_https(url: str) -> None:
    app = build_sim_app(SimSettings(rw_keys=(RW_KEY,)), clock=ManualClock())
    async with asgi_client(app) as client:
        r = await client.post(
            f"{API}/webhooks", headers=RW, json={"url": url, "events": ["deploy.completed"]}
        )
    assert r.status_code == 422
    (item,) = r.json()["detail"]
    assert item["loc"] == ["body", "url"]


async def test_loopback_allowance_and_webhook_validation() -> None:
    settings = SimSettings(
        rw_keys=(RW_KEY,), allow_loopback_webhooks=True, webhook_mutation_limit=50, write_limit=50
    )
    async with asgi_client(build_sim_app(settings, clock=ManualClock())) as client:

        async def create(body: dict[str, Any]) -> httpx.Response:
            return await client.post(f"{API}/webhooks", headers=RW, json=body)

        events = ["deploy.completed"]
        assert (await create({"url": "https://hooks.example.com/x", "events": events})).is_success
        assert (await create({"url": "http://127.0.0.1:8080/h", "events": events})).is_success
        assert (await create({"url": "http://localhost/h", "events": events})).is_success
        assert (await create({"url": "http://10.0.0.1/h", "events": events})).status_code == 422
        assert (
            await create({"url": "http://hooks.example.com/", "events": events})
        ).status_code == 422
        unknown = await create({"url": "https://hooks.example.com/", "events": ["deploy.done"]})
        assert unknown.status_code == 422
        assert unknown.json()["detail"][0]["loc"] == ["body", "events", 0]
        empty = await create({"url": "https://hooks.example.com/", "events": []})
        assert empty.status_code == 422
        fmt = await create({"url": "https://h.example.com/", "events": events, "format": "xml"})
        assert fmt.status_code == 422
        page = (await client.get(f"{API}/webhooks", headers=RW, params={"limit": "2"})).json()
        assert (page["total"], page["limit"], page["offset"], page["has_more"]) == (3, 2, 0, True)
        hook_id = page["items"][0]["id"]
        bad = await client.patch(
            f"{API}/webhooks/{hook_id}", headers=RW, json={"url": "https://10.0.0.1/"}
        )
        assert bad.status_code == 422
        patched = await client.patch(
            f"{API}/webhooks/{hook_id}", headers=RW, json={"is_active": False, "description": "x"}
        )
        assert (patched.json()["is_active"], patched.json()["description"]) == (False, "x")


async def test_deliveries_follow_project_scope_activity_and_subscriptions() -> None:
    clock = ManualClock()
    settings = SimSettings(rw_keys=(RW_KEY,), task_seconds=TASK_SECONDS)
    app = build_sim_app(settings, clock=clock)
    state = app.state.sim
    every = ["*"]
    acme = state.add_webhook("https://a.example.com/h", every, "s1", project_id=ACME)
    globex = state.add_webhook("https://g.example.com/h", every, "s2", project_id=GLOBEX)
    created_only = state.add_webhook("https://c.example.com/h", ["environment.created"], "s3")
    async with asgi_client(app) as client:
        inactive = await client.post(
            "/_sim/webhooks",
            json={"url": "https://i.example.com/h", "events": ["*"], "secret": "s4"},
        )
        assert inactive.status_code == 201
        state.webhooks.webhooks[inactive.json()["id"]].is_active = False
        await client.post(f"{API}/environments/{STAGING}/deploy", headers=RW)
        await client.post(f"{API}/projects/{ACME}/environments", headers=RW, json={"name": "qa"})
        clock.advance(TASK_SECONDS)
        await client.post("/_sim/tick")
        deliveries = (await client.get("/_sim/deliveries")).json()["deliveries"]
    by_hook: dict[str, list[str]] = {}
    for d in deliveries:
        by_hook.setdefault(d["webhook_id"], []).append(d["event"])
        assert d["status"] == "pending"  # no lifespan here: nothing is sent
    assert by_hook[acme["id"]][0] == "environment.created"
    assert by_hook[acme["id"]].count("deploy.completed") == 2
    assert by_hook[acme["id"]][-1] == "environment.ready"
    assert by_hook[created_only["id"]] == ["environment.created"]
    assert globex["id"] not in by_hook
    assert inactive.json()["id"] not in by_hook
