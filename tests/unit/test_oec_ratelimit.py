"""The client's own limiter: separate per-key budgets, corrected from headers, waits on the clock."""

from __future__ import annotations

import asyncio

import httpx

from oec_chatops.clock import ManualClock
from oec_chatops.oec.ratelimit import Budget, RateLimiter, RateLimitHeaders

MINUTE = 1_767_225_600.0  # a full minute: ManualClock's default start


async def test_the_21st_write_in_a_minute_waits_for_the_next_minute() -> None:
    clock = ManualClock(MINUTE + 10)
    limiter = RateLimiter(clock)
    for _ in range(20):
        assert (await limiter.acquire("rw", Budget.WRITE)).waited == 0
    ticket = await limiter.acquire("rw", Budget.WRITE)
    assert clock.slept == [50.0]
    assert ticket.waited == 50.0
    assert ticket.window_start == MINUTE + 60


async def test_reads_writes_and_keys_are_counted_separately() -> None:
    clock = ManualClock(MINUTE)
    limiter = RateLimiter(clock)
    for _ in range(20):
        await limiter.acquire("rw", Budget.WRITE)
    for _ in range(120):
        await limiter.acquire("rw", Budget.READ)
    for _ in range(120):
        await limiter.acquire("ro", Budget.READ)
    assert clock.slept == []


async def test_headers_lower_the_limit_and_spend_the_remaining() -> None:
    clock = ManualClock(MINUTE)
    limiter = RateLimiter(clock)
    ticket = await limiter.acquire("rw", Budget.READ)
    limiter.observe("rw", Budget.READ, ticket, RateLimitHeaders(limit=20, remaining=0, window=60))
    assert limiter.limit("rw", Budget.READ) == 20
    await limiter.acquire("rw", Budget.READ)
    assert clock.slept == [60.0]


async def test_remaining_from_an_old_window_is_ignored() -> None:
    clock = ManualClock(MINUTE)
    limiter = RateLimiter(clock)
    ticket = await limiter.acquire("rw", Budget.WRITE)
    clock.advance(60)
    await limiter.acquire("rw", Budget.WRITE)
    limiter.observe("rw", Budget.WRITE, ticket, RateLimitHeaders(remaining=0))
    for _ in range(19):
        await limiter.acquire("rw", Budget.WRITE)
    assert clock.slept == []


async def test_a_pause_holds_requests_until_its_end_then_counting_resumes() -> None:
    clock = ManualClock(MINUTE + 30)
    limiter = RateLimiter(clock)
    ticket = await limiter.acquire("rw", Budget.WRITE)
    limiter.observe("rw", Budget.WRITE, ticket, RateLimitHeaders(remaining=0), refused=True)
    limiter.pause("rw", Budget.WRITE, until=MINUTE + 37)
    limiter.pause("rw", Budget.WRITE, until=MINUTE + 33)  # a shorter pause never shortens it
    await limiter.acquire("rw", Budget.WRITE)
    assert clock.slept == [7.0]
    await limiter.acquire("rw", Budget.READ)
    assert clock.slept == [7.0]


async def test_concurrent_waiters_queue_in_order() -> None:
    clock = ManualClock(MINUTE)
    limiter = RateLimiter(clock)
    order: list[tuple[int, float]] = []

    async def one(i: int) -> None:
        await limiter.acquire("rw", Budget.WEBHOOK)
        order.append((i, clock.time() - MINUTE))

    await asyncio.gather(*(one(i) for i in range(25)))
    assert [i for i, _ in order] == list(range(25))
    assert [t for _, t in order[:10]] == [0.0] * 10
    assert [t for _, t in order[10:20]] == [60.0] * 10
    assert [t for _, t in order[20:]] == [120.0] * 5


def test_headers_are_read_leniently() -> None:
    seen = RateLimitHeaders.from_headers(
        httpx.Headers(
            {"X-RateLimit-Limit": "120", "X-RateLimit-Remaining": "0", "X-RateLimit-Window": "60"}
        )
    )
    assert seen == RateLimitHeaders(limit=120, remaining=0, window=60.0)
    junk = RateLimitHeaders.from_headers(
        httpx.Headers(
            {"X-RateLimit-Limit": "0", "X-RateLimit-Remaining": "-1", "X-RateLimit-Window": "x"}
        )
    )
    assert junk == RateLimitHeaders()
