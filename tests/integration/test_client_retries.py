"""What is retried, how long the client waits (on the injected clock), and with which key."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from oec_chatops.clock import ManualClock
from oec_chatops.context import request_id_var
from oec_chatops.oec.client import OecClient
from oec_chatops.oec.errors import (
    OecConflict,
    OecRateLimited,
    OecRequestError,
    OecServerError,
    OecTimeout,
)
from tests.support.oec_mock import answered_by

MINUTE = 1_767_225_600.0

Step = Callable[[httpx.Request], httpx.Response]

ACCEPTED = {
    "task_id": "t1",
    "status": "queued",
    "environment_id": "e1",
    "poll_url": "/api/public/v1/deployments/t1",
}
PROJECTS = {
    "data": [{"id": "p1", "name": "Shop"}],
    "pagination": {"has_more": False, "next_cursor": None},
}


def ok(body: Any = PROJECTS, status: int = 200) -> Step:
    return lambda request: httpx.Response(status, json=body)


def fail(status: int, body: Any = None, headers: dict[str, str] | None = None) -> Step:
    return lambda request: httpx.Response(status, json=body or {}, headers=headers or {})


def timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("read timed out", request=request)


def refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


class Script:
    """A fake oec.sh that plays its answers in order and records what it was sent."""

    def __init__(self, *steps: Step) -> None:
        self._steps: Iterator[Step] = iter(steps)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return next(self._steps)(request)


class Notices:
    def __init__(self) -> None:
        self.seen: list[tuple[str, float]] = []

    async def __call__(self, reason: str, wait: float) -> None:
        self.seen.append((reason, wait))


def client_for(script: Script, clock: ManualClock, **kwargs: Any) -> OecClient:
    return answered_by(script, clock=clock, **kwargs)


async def test_429_then_success_waits_exactly_retry_after() -> None:
    clock, notices = ManualClock(), Notices()
    script = Script(fail(429, {"error": "rate_limit_exceeded"}, {"Retry-After": "7"}), ok())
    async with client_for(script, clock, on_retry=notices) as client:
        projects = await client.list_projects()
    assert [p.id for p in projects] == ["p1"]
    assert clock.slept == [7.0]
    assert notices.seen == [("rate_limited", 7.0)]
    assert len(script.requests) == 2


async def test_429_with_an_http_date() -> None:
    clock = ManualClock(MINUTE)
    retry_at = "Thu, 01 Jan 2026 00:00:20 GMT"
    script = Script(fail(429, None, {"Retry-After": retry_at}), ok())
    async with client_for(script, clock) as client:
        await client.list_projects()
    assert clock.slept == [20.0]


async def test_429_without_headers_waits_until_past_the_next_minute() -> None:
    clock = ManualClock(MINUTE + 15)
    script = Script(
        fail(429, {"detail": {"error": "rate_limit_exceeded", "message": "Slow."}}), ok()
    )
    async with client_for(script, clock) as client:
        await client.list_projects()
    assert clock.slept == [46.0]


@pytest.mark.parametrize(
    ("headers", "body", "wait"),
    [
        ({"X-RateLimit-Reset": str(int(MINUTE) + 12)}, {"retry_after": 30}, 12.0),
        ({}, {"error": "rate_limit_exceeded", "retry_after": 30}, 30.0),
        ({}, {"detail": {"error": "webhook_mutation_rate_limit", "message": "10/min"}}, 60.0),
        ({}, {"detail": {"error": "target_rate_limit", "message": "6/min", "retry_after": 9}}, 9.0),
    ],
)
async def test_429_wait_order(headers: dict[str, str], body: dict[str, Any], wait: float) -> None:
    clock = ManualClock(MINUTE)
    script = Script(fail(429, body, headers), ok())
    async with client_for(script, clock) as client:
        await client.list_projects()
    assert clock.slept == [wait]


async def test_a_wait_longer_than_max_retry_wait_goes_to_the_caller() -> None:
    clock = ManualClock(MINUTE)
    script = Script(fail(429, {"detail": {"error": "ip_blocked", "message": "Blocked."}}))
    async with client_for(script, clock) as client:
        with pytest.raises(OecRateLimited) as info:
            await client.list_projects()
    assert info.value.retry_after == 900.0
    assert info.value.code == "ip_blocked"
    assert clock.slept == []
    assert len(script.requests) == 1


async def test_429_on_every_attempt_gives_up_after_max_attempts() -> None:
    clock = ManualClock(MINUTE)
    script = Script(*[fail(429, None, {"Retry-After": "2"})] * 3)
    async with client_for(script, clock, max_attempts=3) as client:
        with pytest.raises(OecRateLimited) as info:
            await client.list_projects()
    assert clock.slept == [2.0, 2.0]
    assert info.value.retry_after == 2.0
    assert len(script.requests) == 3


async def test_a_timed_out_get_is_retried_with_backoff() -> None:
    clock, notices = ManualClock(), Notices()
    script = Script(timeout, refused, ok())
    async with client_for(script, clock, on_retry=notices) as client:
        await client.list_projects()
    assert len(script.requests) == 3
    assert [reason for reason, _ in notices.seen] == ["timeout", "connection_error"]
    first, second = clock.slept
    assert 0.25 <= first <= 0.5
    assert 0.5 <= second <= 1.0


async def test_timeouts_on_every_attempt_raise_oec_timeout() -> None:
    script = Script(timeout, timeout, timeout, timeout)
    async with client_for(script, ManualClock(), timeout=2.5) as client:
        with pytest.raises(OecTimeout) as info:
            await client.get_environment("e1")
    assert len(script.requests) == 4
    assert "within 2.5 s" in str(info.value)
    assert info.value.endpoint == "GET /environments/{env_id}"
    assert isinstance(info.value.__cause__, httpx.ReadTimeout)


async def test_a_post_without_idempotency_key_is_never_retried() -> None:
    clock = ManualClock()
    for step, error in (
        (timeout, OecTimeout),
        (refused, OecRequestError),
        (fail(503), OecServerError),
    ):
        script = Script(step, ok({"success": True}))
        async with client_for(script, clock) as client:
            with pytest.raises(error):
                await client.test_webhook("w1")
        assert len(script.requests) == 1
    assert clock.slept == []


async def test_a_failed_action_is_retried_with_the_same_idempotency_key() -> None:
    clock = ManualClock()
    script = Script(
        timeout,
        fail(503, {"detail": {"error": "enqueue_failed"}}, {"Retry-After": "3"}),
        ok(ACCEPTED, 202),
    )
    token = request_id_var.set("req_retry001")
    try:
        async with client_for(script, clock) as client:
            accepted = await client.deploy("e1", idempotency_key="intent-42")
    finally:
        request_id_var.reset(token)
    assert accepted.task_id == "t1"
    assert [r.headers["Idempotency-Key"] for r in script.requests] == ["intent-42"] * 3
    assert all("X-Idempotency-Key" not in r.headers for r in script.requests)
    assert [r.headers["X-Request-ID"] for r in script.requests] == ["req_retry001"] * 3
    assert clock.slept[1] == 3.0


async def test_concurrent_action_waits_five_seconds_and_resends_the_same_key() -> None:
    clock, notices = ManualClock(), Notices()
    busy = {"detail": {"error": "concurrent_action", "message": "Being queued."}}
    script = Script(fail(409, busy), ok(ACCEPTED, 202))
    async with client_for(script, clock, on_retry=notices) as client:
        accepted = await client.restart("e1", idempotency_key="intent-7")
    assert accepted.task_id == "t1"
    assert clock.slept == [5.0]
    assert notices.seen == [("concurrent_action", 5.0)]
    assert [r.headers["Idempotency-Key"] for r in script.requests] == ["intent-7", "intent-7"]


async def test_task_in_progress_is_not_retried() -> None:
    clock = ManualClock()
    busy = {"detail": {"error": "task_in_progress", "message": "Busy.", "task_id": "t0"}}
    script = Script(fail(409, busy), ok(ACCEPTED, 202))
    async with client_for(script, clock) as client:
        with pytest.raises(OecConflict):
            await client.stop("e1", idempotency_key="intent-8")
    assert len(script.requests) == 1
    assert clock.slept == []


async def test_a_webhook_create_is_retried_with_its_x_idempotency_key() -> None:
    clock = ManualClock()
    created = {
        "id": "w1",
        "url": "https://bot.test/hook",
        "events": ["deploy.completed"],
        "secret": "whsec_x",
    }
    script = Script(fail(500), ok(created, 201))
    async with client_for(script, clock) as client:
        hook = await client.create_webhook(
            url="https://bot.test/hook", events=["deploy.completed"], idempotency_key="hook-1"
        )
    assert hook.id == "w1"
    assert [r.headers["X-Idempotency-Key"] for r in script.requests] == ["hook-1", "hook-1"]
    assert all("Idempotency-Key" not in r.headers for r in script.requests)


async def test_a_failing_retry_hook_does_not_break_the_request() -> None:
    async def broken(reason: str, wait: float) -> None:
        raise RuntimeError("slack is down")

    script = Script(fail(429, None, {"Retry-After": "1"}), ok())
    async with client_for(script, ManualClock(), on_retry=broken) as client:
        assert len(await client.list_projects()) == 1
