"""The deployERP simulator speaks the contract's §3 exactly: pages, errors, limits, replays."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from oec_chatops.oec.errors import OecTimeout
from tests.support.derp_helpers import WRITE_KEY, derp_stack, derp_with_receiver

AUTH = {"Authorization": f"Bearer {WRITE_KEY}"}


async def test_pagination_sort_and_order_are_as_pinned() -> None:
    async with derp_stack(extra_instances=40) as derp:

        async def page(**query: Any) -> Any:
            return await derp.admin.get("/v1/instances", params=query, headers=AUTH)

        last = (await page(page=3)).json()
        assert len(last["data"]) == 5
        assert last["meta"] == {"page": 3, "per_page": 20, "total": 45, "total_pages": 3}
        newest = (await page(per_page=1)).json()["data"][0]["name"]
        oldest = (await page(per_page=1, order="asc")).json()["data"][0]["name"]
        assert (newest, oldest) == ("load-040", "shop-prod")
        by_name = (await page(per_page=2, sort="name", order="asc")).json()["data"]
        assert [i["name"] for i in by_name] == ["crm-prod", "crm-staging"]
        for bad in ({"per_page": 101}, {"page": 0}, {"sort": "owner"}, {"order": "up"}):
            refused = await page(**bad)
            assert refused.status_code == 422
            assert refused.json()["error"]["code"] == "validation_error"
            assert set(refused.json()["error"]["details"]) == set(bad)


async def test_actions_conflict_and_replay_by_idempotency_key() -> None:
    async with derp_stack() as derp:
        url = "/v1/instances/ins_shop_dev/restart"
        headers = {**AUTH, "Idempotency-Key": str(uuid.uuid4())}
        first = await derp.admin.post(url, headers=headers)
        again = await derp.admin.post(url, headers=headers)
        assert first.status_code == again.status_code == 202
        assert first.json() == again.json()
        assert again.headers["idempotent-replayed"] == "true"
        other = await derp.admin.post(url, headers={**AUTH, "Idempotency-Key": "k2"})
        assert other.status_code == 409
        assert other.json()["error"]["details"]["action_id"] == first.json()["data"]["id"]
        assert len(derp.state.actions) == 1


async def test_rate_limit_headers_and_the_burst_429() -> None:
    async with derp_stack(hourly_limit=100, burst_limit=2) as derp:
        answers = [await derp.admin.get("/v1/servers", headers=AUTH) for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 429]
        assert answers[0].headers["x-ratelimit-limit"] == "100"
        assert answers[1].headers["x-ratelimit-remaining"] == "98"
        assert int(answers[0].headers["x-ratelimit-reset"]) == 1_767_225_600 + 3600
        assert answers[2].headers["retry-after"] == "60"
        assert answers[2].json()["error"]["code"] == "rate_limit_exceeded"


async def test_server_events_emitted_through_the_controls_are_delivered() -> None:
    async with derp_with_receiver(server_names={"srv_x": "ap-1"}) as (derp, receiver):
        server = {"id": "srv_x", "name": "ap-1", "provider": "aws", "region": "ap-south-1"}
        emitted = await derp.admin.post(
            "/_sim/emit", json={"event": "server.created", "data": {"server": server}}
        )
        [n] = await receiver.notified(1)
        assert n.delivery_id == emitted.json()["id"]
        assert n.event.event == "server.created"
        assert n.event.data.message == "Server ap-1 (aws, ap-south-1) was provisioned."


async def test_latency_past_the_timeout_is_a_timeout_after_the_retries() -> None:
    async with derp_stack() as derp:
        await derp.faults(latency_ms=400)
        platform = derp.platform(timeout=0.1, max_attempts=2)
        with pytest.raises(OecTimeout) as caught:
            await platform.get_environment("ins_shop_prod")
        assert str(caught.value) == (
            "deployERP did not answer GET /instances/{instance_id} within 0.1 s."
        )
        assert len(derp.clock.slept) == 1
