"""Task polling: poll_url joining, the §9.7 pace on the injected clock, updates, and timeouts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from oec_chatops.clock import ManualClock
from oec_chatops.oec.client import OecClient
from oec_chatops.oec.errors import OecContractError, OecNotFound, OecWaitTimeout
from oec_chatops.oec.models import Task
from tests.support.oec_mock import BASE, RW, answered_by


def task(status: str, progress: float | None = None, step: str | None = None) -> dict[str, Any]:
    return {
        "id": "t1",
        "type": "deploy",
        "status": status,
        "progress_percent": progress,
        "current_step": step,
    }


class TaskServer:
    """Plays a task's states, one per poll; the last one repeats."""

    def __init__(
        self, *states: dict[str, Any] | int, headers: dict[str, str] | None = None
    ) -> None:
        self._states: Iterator[dict[str, Any] | int] = iter(states)
        self._last: dict[str, Any] | int = states[-1]
        self.headers = headers or {}
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        state = next(self._states, self._last)
        if isinstance(state, int):
            return httpx.Response(state, json={"detail": {"error": "boom", "message": "Boom."}})
        return httpx.Response(200, json=state, headers=self.headers)


def client_for(server: TaskServer, clock: ManualClock, **kwargs: Any) -> OecClient:
    return answered_by(server, clock=clock, **kwargs)


@pytest.mark.parametrize(
    ("ref", "url"),
    [
        ("t1", f"{BASE}/deployments/t1"),
        ("/api/public/v1/deployments/t1", f"{BASE}/deployments/t1"),
        (f"{BASE}/deployments/t1", f"{BASE}/deployments/t1"),
        ("a/../b", f"{BASE}/deployments/a%2F..%2Fb"),
    ],
)
async def test_get_task_by_id_or_poll_url(ref: str, url: str) -> None:
    server = TaskServer(task("running"))
    async with client_for(server, ManualClock()) as client:
        got = await client.get_task(ref)
    assert got.id == "t1"
    assert str(server.requests[0].url) == url


async def test_a_relative_poll_url_joins_the_host_not_the_base_path() -> None:
    server = TaskServer(task("queued"))
    client = OecClient(
        base_url="https://gw.test:8443/oec/api/public/v1/",
        rw_key=SecretStr(RW),
        clock=ManualClock(),
        transport=httpx.MockTransport(server),
    )
    async with client:
        await client.get_task("/api/public/v1/deployments/t1")
    assert str(server.requests[0].url) == "https://gw.test:8443/api/public/v1/deployments/t1"


@pytest.mark.parametrize(
    "ref", ["https://evil.test/api/public/v1/deployments/t1", "http://api.oec.test/x"]
)
async def test_a_poll_url_on_another_origin_is_not_requested(ref: str) -> None:
    server = TaskServer(task("queued"))
    async with client_for(server, ManualClock()) as client:
        with pytest.raises(OecContractError, match="another host"):
            await client.get_task(ref)
    assert server.requests == []


async def test_wait_for_task_polls_at_the_documented_pace() -> None:
    states = [task("queued")] + [task("running", 10 * i, "build") for i in range(1, 9)]
    server = TaskServer(*states, task("completed", 100, "done"))
    clock = ManualClock()
    async with client_for(server, clock) as client:
        done = await client.wait_for_task("t1")
    assert done.status == "completed"
    assert len(server.requests) == 10
    # 5 s while under 30 s elapsed (0, 5, ..., 25), then 10 s.
    assert clock.slept == [5.0] * 6 + [10.0] * 3


async def test_on_update_sees_every_change_once() -> None:
    server = TaskServer(
        task("queued"),
        task("running", 20, "build"),
        task("running", 20, "build"),
        task("running", 60, "migrate"),
        task("failed", 60, "migrate"),
    )
    updates: list[tuple[str, float | None]] = []

    async def on_update(t: Task) -> None:
        updates.append((t.status, t.progress_percent))

    async with client_for(server, ManualClock()) as client:
        final = await client.wait_for_task("t1", on_update=on_update)
    assert final.status == "failed"
    assert updates == [("queued", None), ("running", 20), ("running", 60), ("failed", 60)]


async def test_a_low_read_limit_slows_polling_to_a_fifth_of_it() -> None:
    server = TaskServer(
        task("queued"),
        task("running"),
        task("running"),
        task("completed"),
        headers={"X-RateLimit-Limit": "20", "X-RateLimit-Remaining": "19"},
    )
    clock = ManualClock()
    async with client_for(server, clock) as client:
        await client.wait_for_task("t1")
    assert clock.slept == [15.0, 15.0, 15.0]


async def test_wait_for_task_times_out_with_the_last_status() -> None:
    server = TaskServer(task("running"))
    clock = ManualClock()
    async with client_for(server, clock) as client:
        with pytest.raises(OecWaitTimeout) as info:
            await client.wait_for_task("t1", timeout=60)
    assert info.value.task_id == "t1"
    assert info.value.last_status == "running"
    assert sum(clock.slept) == 60.0
    assert "still running" in str(info.value)


async def test_a_transient_failure_during_the_wait_does_not_end_it() -> None:
    server = TaskServer(task("running"), 503, task("completed"))
    clock = ManualClock()
    async with client_for(server, clock, max_attempts=1) as client:
        done = await client.wait_for_task("t1")
    assert done.status == "completed"
    assert len(server.requests) == 3


async def test_a_task_that_disappears_ends_the_wait() -> None:
    server = TaskServer(task("running"), 404)
    async with client_for(server, ManualClock()) as client:
        with pytest.raises(OecNotFound):
            await client.wait_for_task("t1")


async def test_a_long_rate_limit_during_the_wait_holds_the_next_poll() -> None:
    blocked = httpx.Response(
        429, json={"detail": {"error": "ip_blocked", "message": "Blocked for 15 minutes."}}
    )
    answers = iter([blocked])

    def handler(request: httpx.Request) -> httpx.Response:
        return next(answers, None) or httpx.Response(200, json=task("completed"))

    clock = ManualClock()
    client = OecClient(
        base_url=BASE, rw_key=SecretStr(RW), clock=clock, transport=httpx.MockTransport(handler)
    )
    async with client:
        done = await client.wait_for_task("t1", timeout=3600)
    assert done.status == "completed"
    assert clock.slept == [900.0]
