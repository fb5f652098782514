"""deployERP's hourly budget and per-minute burst: the adapter waits on its clock instead of
meeting a 429, and a 429 it meets anyway is honoured for its `Retry-After`."""

from __future__ import annotations

import pytest

from oec_chatops.oec.errors import OecRateLimited
from oec_chatops.services.explain import explain
from tests.support.derp_helpers import derp_stack


async def test_the_burst_is_derived_from_the_hourly_limit_and_waited_for() -> None:
    # 50 an hour → a burst of 5 a minute, as the plan table scales (1,000 → 100).
    async with derp_stack(hourly_limit=50, burst_limit=5) as derp:
        platform = derp.platform()
        for _ in range(8):
            await platform.get_environment("ins_shop_prod")
        assert platform.read_limit() == 5
        statuses = [r["status"] for r in await derp.requests()]
        assert statuses == [200] * 8
        assert len(derp.clock.slept) == 1
        assert 59 < derp.clock.slept[0] <= 60


async def test_a_spent_hourly_budget_waits_for_the_reset() -> None:
    async with derp_stack(hourly_limit=6, burst_limit=100) as derp:
        platform = derp.platform(burst_per_minute=100)
        for _ in range(8):
            await platform.get_environment("ins_shop_prod")
        assert [r["status"] for r in await derp.requests()] == [200] * 8
        # The simulator starts at 00:15; the hour resets at 01:00.
        assert derp.clock.slept == [pytest.approx(45 * 60)]


async def test_a_429_is_honoured_for_its_retry_after() -> None:
    async with derp_stack() as derp:
        await derp.faults(force_429=1, retry_after=7)
        assert (await derp.platform().get_environment("ins_shop_prod")).name == "shop-prod"
        assert [r["status"] for r in await derp.requests()] == [429, 200]
        assert derp.clock.slept == [7]


async def test_a_429_longer_than_the_retry_budget_is_told_with_its_wait() -> None:
    async with derp_stack() as derp:
        await derp.faults(force_429=1, retry_after=900)
        with pytest.raises(OecRateLimited) as caught:
            await derp.platform(max_retry_wait=120).get_environment("ins_shop_prod")
        assert caught.value.retry_after == 900
        assert explain(caught.value).message.endswith("retry in 900 s.")
        assert derp.clock.slept == []


async def test_read_limit_is_per_minute_from_the_hourly_header_or_the_fallback() -> None:
    async with derp_stack(hourly_limit=5000, burst_limit=500) as derp:
        platform = derp.platform()
        assert platform.read_limit() == 100  # Starter's burst until an answer says otherwise
        await platform.list_projects()
        assert platform.read_limit() == 500
        assert derp.platform(burst_per_minute=42).read_limit() == 42
