"""The client's own rate limiter seen from a fake oec.sh: bursts queue on the clock, not on 429s."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from pydantic import SecretStr

from oec_chatops.clock import ManualClock
from oec_chatops.oec.client import OecClient
from tests.support.oec_mock import BASE, RW, answered_by

RO = "oec_live_ro_" + "o" * 43
MINUTE = 1_767_225_600.0
ACCEPTED = {"task_id": "t1", "status": "queued", "environment_id": "e1"}


class FakeOec:
    """Answers actions with 202 and reads with one project; notes the clock time of each call."""

    def __init__(self, clock: ManualClock, headers: dict[str, str] | None = None) -> None:
        self.clock = clock
        self.headers = headers or {}
        self.calls: list[tuple[str, float]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append((request.method, self.clock.time() - MINUTE))
        if request.method == "POST":
            return httpx.Response(202, json=ACCEPTED)
        body: Any = {"id": "e1", "name": "staging", "status": "running"}
        return httpx.Response(200, json=body, headers=self.headers)


def client_for(fake: FakeOec, **kwargs: Any) -> OecClient:
    return answered_by(fake, clock=fake.clock, **kwargs)


async def test_the_21st_write_in_a_minute_is_queued_to_the_next_minute() -> None:
    fake = FakeOec(ManualClock(MINUTE))
    async with client_for(fake) as client:
        for i in range(21):
            await client.restart("e1", idempotency_key=f"k{i}")
    assert fake.clock.slept == [60.0]
    assert [t for _, t in fake.calls[:20]] == [0.0] * 20
    assert fake.calls[20] == ("POST", 60.0)


async def test_a_concurrent_burst_queues_instead_of_failing() -> None:
    fake = FakeOec(ManualClock(MINUTE + 40))
    async with client_for(fake) as client:
        results = await asyncio.gather(
            *(client.start("e1", idempotency_key=f"k{i}") for i in range(25))
        )
    assert len(results) == 25
    times = sorted(t for _, t in fake.calls)
    assert times[:20] == [40.0] * 20
    assert times[20:] == [60.0] * 5


async def test_reads_are_not_held_up_by_a_write_queue() -> None:
    fake = FakeOec(ManualClock(MINUTE))
    async with client_for(fake) as client:
        for i in range(20):
            await client.stop("e1", idempotency_key=f"k{i}")
        for _ in range(30):
            await client.get_environment("e1")
    assert fake.clock.slept == []


async def test_remaining_zero_from_the_server_holds_the_next_read() -> None:
    fake = FakeOec(
        ManualClock(MINUTE + 50),
        {"X-RateLimit-Limit": "120", "X-RateLimit-Remaining": "0", "X-RateLimit-Window": "60"},
    )
    async with client_for(fake) as client:
        await client.get_environment("e1")
        await client.get_environment("e1")
    assert fake.clock.slept == [10.0]
    assert [t for _, t in fake.calls] == [50.0, 60.0]


async def test_a_rate_limited_key_holds_its_other_requests_for_the_same_wait() -> None:
    clock = ManualClock(MINUTE)
    answers = iter([429, 200, 200])
    times: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        times.append(clock.time() - MINUTE)
        status = next(answers)
        if status == 429:
            return httpx.Response(
                429, json={"error": "rate_limit_exceeded"}, headers={"Retry-After": "9"}
            )
        return httpx.Response(200, json={"id": "e1", "name": "staging"})

    client = OecClient(
        base_url=BASE, rw_key=SecretStr(RW), clock=clock, transport=httpx.MockTransport(handler)
    )
    async with client:
        await client.get_environment("e1")
        await client.get_environment("e1")
    assert times == [0.0, 9.0, 9.0]


async def test_queries_use_the_read_only_key_budget() -> None:
    fake = FakeOec(ManualClock(MINUTE), {"X-RateLimit-Limit": "120"})
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"])
        return fake(request)

    client = OecClient(
        base_url=BASE,
        rw_key=SecretStr(RW),
        ro_key=SecretStr(RO),
        clock=fake.clock,
        transport=httpx.MockTransport(handler),
    )
    async with client:
        for _ in range(120):
            await client.get_environment("e1")
        await client.get_environment("e1")
        await client.deploy("e1", idempotency_key="k")
    assert fake.clock.slept == [60.0]
    assert seen[:121] == [f"Bearer {RO}"] * 121
    assert seen[121] == f"Bearer {RW}"
