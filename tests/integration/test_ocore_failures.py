"""oCore's refusals and outages through the adapter: the right error, the right retries, and a
control call whose answer was lost is never sent twice."""

from __future__ import annotations

import pytest

from oec_chatops.ocore import LACKS_MANAGE, OcoreOutcomeUnknown
from oec_chatops.oec.errors import (
    OecAuthError,
    OecForbidden,
    OecNotFound,
    OecRateLimited,
    OecServerError,
    OecTimeout,
)
from tests.support.ocore_helpers import (
    FULL_TOKEN,
    READ_TOKEN,
    SHOP_PROD,
    UNKNOWN_TOKEN,
    OcoreStack,
)


async def test_a_token_without_manage_instances_reads_but_is_told_why_it_cannot_act(
    ocore: OcoreStack,
) -> None:
    reader = ocore.adapter_with(READ_TOKEN)
    assert (await reader.get_environment(SHOP_PROD)).name == "shop-prod"
    with pytest.raises(OecForbidden) as caught:
        await reader.action("restart", SHOP_PROD, idempotency_key="k")
    assert LACKS_MANAGE in caught.value.message
    assert "manage:instances" in caught.value.message
    assert caught.value.status == 403
    assert (await ocore.adapter.get_environment(SHOP_PROD)).status == "running"


async def test_an_unknown_token_is_an_auth_error(ocore: OcoreStack) -> None:
    stranger = ocore.adapter_with(UNKNOWN_TOKEN)
    with pytest.raises(OecAuthError) as caught:
        await stranger.list_all_environments()
    assert caught.value.status == 401
    assert "oCore refused the token" in caught.value.message
    assert "Invalid or missing token" in caught.value.message


async def test_an_unknown_instance_is_not_found(ocore: OcoreStack) -> None:
    with pytest.raises(OecNotFound) as caught:
        await ocore.adapter.get_environment_status("no-such-instance")
    assert "oCore does not know that instance" in caught.value.message


async def test_429_waits_the_retry_after_then_succeeds(ocore: OcoreStack) -> None:
    await ocore.faults(force_429=1, retry_after=7)
    envs = await ocore.adapter.list_all_environments()
    assert len(envs) == 5
    assert ocore.clock.slept == [7.0]
    assert [r["status"] for r in await ocore.requests()] == [429, 200]


async def test_a_control_call_is_resent_after_429_since_nothing_ran(ocore: OcoreStack) -> None:
    await ocore.faults(force_429=1, retry_after=2)
    await ocore.adapter.action("restart", SHOP_PROD, idempotency_key="k")
    assert ocore.clock.slept == [2.0]
    assert [r["status"] for r in await ocore.requests("POST")] == [429, 202]


async def test_a_retry_after_longer_than_the_cap_is_raised_with_its_wait(
    ocore: OcoreStack,
) -> None:
    await ocore.faults(force_429=1, retry_after=120)
    with pytest.raises(OecRateLimited) as caught:
        await ocore.adapter.get_environment(SHOP_PROD)
    assert caught.value.retry_after == 120.0
    assert ocore.clock.slept == []


async def test_5xx_is_retried_for_reads_with_capped_backoff(ocore: OcoreStack) -> None:
    await ocore.faults(error_next=2)
    assert (await ocore.adapter.get_environment(SHOP_PROD)).status == "running"
    assert [r["status"] for r in await ocore.requests()] == [500, 500, 200]
    assert ocore.clock.slept == [0.375, 0.75]  # equal jitter at rand=0.5: 0.5 s, then 1 s


async def test_5xx_past_the_attempts_is_a_server_error(ocore: OcoreStack) -> None:
    await ocore.faults(error_next=3)
    with pytest.raises(OecServerError) as caught:
        await ocore.adapter.get_environment(SHOP_PROD)
    assert caught.value.status == 500
    assert len(await ocore.requests()) == 3


async def test_a_control_whose_answer_is_lost_is_not_sent_again(ocore: OcoreStack) -> None:
    await ocore.faults(lose_next_answers=1)
    with pytest.raises(OcoreOutcomeUnknown) as caught:
        await ocore.adapter.action("restart", SHOP_PROD, idempotency_key="k")
    assert "may have been sent" in caught.value.message
    assert caught.value.status == 504
    posts = await ocore.requests("POST")
    assert len(posts) == 1  # carried out once, never re-sent
    assert (await ocore.adapter.get_environment(SHOP_PROD)).status == "restarting"


async def test_a_control_that_times_out_is_not_sent_again(ocore: OcoreStack) -> None:
    slow = ocore.adapter_with(FULL_TOKEN, timeout=0.2)
    await ocore.faults(latency_ms=600)
    with pytest.raises(OcoreOutcomeUnknown) as caught:
        await slow.action("stop", SHOP_PROD, idempotency_key="k")
    assert "may have been sent" in caught.value.message
    assert caught.value.status is None
    await ocore.faults(latency_ms=0)
    assert len(await ocore.requests("POST")) == 1


async def test_a_read_that_times_out_is_retried_then_reported(ocore: OcoreStack) -> None:
    slow = ocore.adapter_with(FULL_TOKEN, timeout=0.2, max_attempts=2)
    await ocore.faults(latency_ms=600)
    with pytest.raises(OecTimeout):
        await slow.get_environment(SHOP_PROD)
    await ocore.faults(latency_ms=0)
    assert len(await ocore.requests("GET")) == 2


async def test_plain_text_error_bodies_are_quoted(ocore: OcoreStack) -> None:
    await ocore.faults(plain_text_errors=True)
    with pytest.raises(OecNotFound) as caught:
        await ocore.adapter.get_environment("missing")
    assert "(oCore said: Instance not found)" in caught.value.message
