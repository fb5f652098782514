"""The client's own limiter: separate per-key budgets, corrected from headers, waits on the clock."""

from __future__ import annotations

import asyncio

import httpx

from oec_chatops.clock import ManualClock
from oec_chatops.context import wait_notice_var
from oec_chatops.oec.ratelimit import (
    Budget,
    RateLimiter,
    RateLimitHeaders,
    _Bucket,
    expected_wait,
)

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


class HeldClock(ManualClock):
    """A ManualClock whose sleepers wait until `go` is set: requests arrive while one sleeps."""

    def __init__(self, start: float) -> None:
        super().__init__(start)
        self.go = asyncio.Event()

    async def sleep(self, seconds: float) -> None:
        await self.go.wait()
        await super().sleep(seconds)


async def test_each_waiter_is_told_at_once_how_long_its_own_turn_takes() -> None:
    clock = HeldClock(MINUTE + 10)
    limiter = RateLimiter(clock, limits={Budget.WRITE: 2})
    told: list[tuple[str, float]] = []
    wait_notice_var.set(lambda reason, seconds: told.append((reason, seconds)))
    await limiter.acquire("rw", Budget.WRITE)
    await limiter.acquire("rw", Budget.WRITE)
    assert told == []  # a free slot: nothing to say

    # Five more arrive together: two fit the next window, two the one after, one the third.
    waiters = [asyncio.create_task(limiter.acquire("rw", Budget.WRITE)) for _ in range(5)]
    await asyncio.sleep(0)
    assert [seconds for reason, seconds in told] == [50.0, 50.0, 110.0, 110.0, 170.0]
    assert {reason for reason, _ in told} == {"budget"}
    clock.go.set()
    tickets = await asyncio.gather(*waiters)
    assert [t.window_start - MINUTE for t in tickets] == [60, 60, 120, 120, 180]


def test_the_expected_wait_counts_the_slots_left_and_a_pause() -> None:
    bucket = _Bucket(limit=3, window_start=MINUTE, used=1)
    assert expected_wait(bucket, now=MINUTE + 30, ahead=1) == 0.0  # the third slot is free
    assert expected_wait(bucket, now=MINUTE + 30, ahead=2) == 30.0
    assert expected_wait(bucket, now=MINUTE + 30, ahead=4) == 30.0
    assert expected_wait(bucket, now=MINUTE + 30, ahead=5) == 90.0
    bucket.paused_until = MINUTE + 75  # a 429 said: nothing before then
    assert expected_wait(bucket, now=MINUTE + 30, ahead=0) == 45.0
