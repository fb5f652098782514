"""Shared integration fixtures: the fake Slack on its own (on a ManualClock, served on loopback
or reached in-process over ASGI), the webhook-fed stack `hooks`, the whole stack on a
`SteppedClock` (`stepped_stack`, moved by `stepped`) and the playground's `page`. A module
that needs another one overrides it by name."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from oec_chatops.clock import ManualClock
from oec_chatops.playground import FakeSlack, build_fake_slack_app, serve_on_loopback
from tests.support.fake_slack import demo_fake
from tests.support.playground import PageClient, running_demo
from tests.support.stack import Stack, running_stack, sim_settings
from tests.support.stepped_clock import SteppedClock
from tests.support.webhook_helpers import webhook_stack


@pytest.fixture
def clock() -> ManualClock:
    """The fake Slack's clock: trigger ids, response_urls and rate windows expire on it."""
    return ManualClock()


@pytest.fixture
def fake(clock: ManualClock) -> FakeSlack:
    return demo_fake(clock)


@pytest.fixture
async def fake_url(fake: FakeSlack) -> AsyncIterator[str]:
    """The fake served by uvicorn on 127.0.0.1 (its base URL, without `/api/`)."""
    async with serve_on_loopback(build_fake_slack_app(fake)) as url:
        yield url


@pytest.fixture
async def fake_http(fake: FakeSlack) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the fake's app in-process, for its admin routes and form bodies."""
    transport = httpx.ASGITransport(app=build_fake_slack_app(fake))
    async with httpx.AsyncClient(transport=transport, base_url="http://fake.test") as client:
        yield client


@pytest.fixture
async def hooks(tmp_path: Path) -> AsyncIterator[Stack]:
    """The whole stack fed only by the webhook deliveries a test signs: the simulator sends
    none, and its tasks take ten minutes, so a deployment moves only when a delivery says so."""
    async with webhook_stack(tmp_path, sim=sim_settings(task_seconds=600)) as s:
        yield s


@pytest.fixture
async def page(tmp_path: Path) -> AsyncIterator[PageClient]:
    """The playground's demo running on loopback, and a client on its page and routes."""
    async with running_demo(tmp_path) as client:
        yield client


@pytest.fixture
def stepped() -> SteppedClock:
    """The clock of `stepped_stack`: time passes only when the test moves it."""
    return SteppedClock()


@pytest.fixture
async def stepped_stack(tmp_path: Path, stepped: SteppedClock) -> AsyncIterator[Stack]:
    """The whole stack on one `SteppedClock`: the simulator's tasks, the bot's polls and waits
    and the fake Slack's limits move only as the test moves time, so nothing waits for real."""
    async with running_stack(tmp_path, clock=stepped, slack_clock=stepped) as s:
        yield s
