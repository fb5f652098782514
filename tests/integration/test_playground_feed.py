"""The page's live feed: server-sent events from the fake Slack's changes, over a real socket."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx

from oec_chatops.playground import FakeSlack, seed_demo_workspace
from oec_chatops.playground.page_feed import QUEUE_SIZE, change_events
from tests.support.playground import DEV, running_demo


async def _events(response: httpx.Response) -> AsyncIterator[tuple[str, Any]]:
    """(event, data) pairs from an SSE response; comments come out as ("comment", text)."""
    event, data = "message", ""
    async for line in response.aiter_lines():
        if line.startswith(":"):
            yield "comment", line[1:].strip()
        elif line.startswith("event:"):
            event = line.partition(":")[2].strip()
        elif line.startswith("data:"):
            data = line.partition(":")[2].strip()
        elif line == "" and data:
            yield event, json.loads(data)
            event, data = "message", ""


async def test_the_feed_says_hello_then_sends_each_visible_change(tmp_path: Path) -> None:
    async with (
        running_demo(tmp_path) as page,
        page.http.stream("GET", "/_play/events") as response,
    ):
        assert response.headers["content-type"].startswith("text/event-stream")
        events = _events(response)
        kind, hello = await anext(events)
        assert kind == "hello"
        assert hello["version"] == page.demo.fake.version

        await page.command("/oec envs")

        seen: list[dict[str, Any]] = []
        async with asyncio.timeout(5):
            async for kind, data in events:
                assert kind == "change"
                seen.append(data)
                if data["kind"] == "ephemeral.posted":
                    break
        assert seen[-1]["user"] == DEV
        assert seen[-1]["channel"] == "C0DEPLOYS"
        assert "call" not in {c["kind"] for c in seen}  # API calls change nothing on screen
        assert [c["version"] for c in seen] == sorted(c["version"] for c in seen)


async def test_the_feed_ends_when_the_playground_closes(tmp_path: Path) -> None:
    async with (
        running_demo(tmp_path) as page,
        page.http.stream("GET", "/_play/events") as response,
    ):
        events = _events(response)
        assert (await anext(events))[0] == "hello"

        await page.demo.playground.aclose()

        async with asyncio.timeout(2):
            rest = [e async for e in events]
        assert rest == []


async def test_a_feed_that_falls_behind_is_told_to_read_everything_again() -> None:
    fake = seed_demo_workspace(FakeSlack())
    closing = asyncio.Event()
    feed = change_events(fake, closing=closing)
    assert b"event: hello" in await anext(feed)

    for n in range(QUEUE_SIZE + 1):
        fake.add_channel(f"C0FLOOD{n}", f"flood-{n}")
    fake.add_channel("C0AFTER", "after")

    assert (await anext(feed)).startswith(b"event: resync")
    assert b'"channel":"C0AFTER"' in await anext(feed)
    closing.set()
    assert [chunk async for chunk in feed] == []


async def test_a_quiet_feed_sends_keepalive_comments() -> None:
    fake = seed_demo_workspace(FakeSlack())
    closing = asyncio.Event()
    feed = change_events(fake, closing=closing, keepalive=0.01)
    await anext(feed)

    assert await anext(feed) == b": keepalive\n\n"
    await feed.aclose()
