"""The local budget: the hourly count from headers, the burst, and 429 pauses, on a ManualClock."""

from __future__ import annotations

import pytest

from oec_chatops.clock import ManualClock
from oec_chatops.deployerp.budget import Budget, LimitHeaders
from oec_chatops.deployerp.settings import DerpSettings

T0 = 1_767_225_600.0


def headers(limit: int, remaining: int, reset: float) -> LimitHeaders:
    return LimitHeaders.read(
        {
            "x-ratelimit-limit": str(limit),
            "x-ratelimit-remaining": str(remaining),
            "x-ratelimit-reset": str(int(reset)),
        },
        now=T0,
    )


async def test_a_spent_hour_waits_for_reset_then_adopts_the_new_window() -> None:
    clock = ManualClock(T0)
    budget = Budget(clock, DerpSettings())
    assert await budget.acquire() == 0
    budget.observe(headers(1000, 0, T0 + 120), now=T0)
    assert await budget.acquire() == pytest.approx(120)
    budget.observe(headers(1000, 999, T0 + 3720), now=clock.time())
    assert await budget.acquire() == 0


async def test_an_older_answer_never_raises_the_count_within_a_window() -> None:
    clock = ManualClock(T0)
    budget = Budget(clock, DerpSettings(burst_per_minute=100))
    budget.observe(headers(1000, 1, T0 + 60), now=T0)
    budget.observe(headers(1000, 5, T0 + 60), now=T0)  # arrived late, counted earlier
    assert await budget.acquire() == 0
    assert await budget.acquire() == pytest.approx(60)


async def test_the_burst_is_a_sliding_minute_and_a_429_pauses_everyone() -> None:
    clock = ManualClock(T0)
    budget = Budget(clock, DerpSettings(burst_per_minute=2))
    assert [await budget.acquire() for _ in range(3)] == [0, 0, pytest.approx(60)]
    budget.pause(30)
    assert await budget.acquire() == pytest.approx(30)


def test_the_burst_follows_the_hourly_limit_unless_configured() -> None:
    budget = Budget(ManualClock(T0), DerpSettings())
    assert budget.burst == 100
    budget.observe(headers(5000, 4999, T0 + 60), now=T0)
    assert budget.burst == 500
    assert Budget(ManualClock(T0), DerpSettings(burst_per_minute=7)).burst == 7


def test_settings_refuse_values_the_api_would_refuse() -> None:
    with pytest.raises(ValueError, match="page_size"):
        DerpSettings(page_size=101)
