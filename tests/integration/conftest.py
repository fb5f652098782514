"""Fixtures for the tests of the fake Slack itself: the fake on a ManualClock, served on
loopback or reached in-process over ASGI. A module that needs another fake overrides them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from oec_chatops.clock import ManualClock
from oec_chatops.playground import FakeSlack, build_fake_slack_app, serve_on_loopback
from tests.support.fake_slack import demo_fake


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
