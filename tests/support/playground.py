"""The demo `oec-chatops serve` runs, driven the way the playground page drives it: over HTTP.

`running_demo()` starts `embedded_demo` (bot, simulator and playground on free loopback ports)
with a short task time; `PageClient` calls the page's routes as the page's JavaScript does and
reads back what a person sees, waiting on the fake Slack's change feed rather than on a timer.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from oec_chatops.config import load_settings
from oec_chatops.entrypoints.embedded import Demo, embedded_demo
from oec_chatops.playground import page_state
from tests.support.blocks import texts

DEV, LEAD, ADMIN = "U0DEV1", "U0LEAD1", "U0ADMIN"
DEPLOYS = "C0DEPLOYS"
Item = dict[str, Any]


@dataclass
class PageClient:
    demo: Demo
    http: httpx.AsyncClient

    async def command(self, text: str, *, user: str = DEV, channel: str = DEPLOYS) -> Any:
        r = await self.http.post(
            "/_play/command", json={"user": user, "channel": channel, "text": text}
        )
        assert r.status_code == 200, r.text
        return r.json()

    async def click(self, item: Item, action_id: str, *, user: str, channel: str = DEPLOYS) -> Any:
        r = await self.http.post(
            "/_play/click",
            json={
                "user": user,
                "channel": channel,
                "ts": item["ts"],
                "action_id": action_id,
                "ephemeral": item["kind"] == "ephemeral",
            },
        )
        assert r.status_code == 200, r.text
        return r.json()

    async def state(self, *, user: str = DEV, channel: str = DEPLOYS) -> dict[str, Any]:
        r = await self.http.get("/_play/state", params={"user": user, "channel": channel})
        assert r.status_code == 200, r.text
        return dict(r.json())

    async def wait_for_item(
        self,
        predicate: Callable[[Item], bool],
        *,
        user: str = DEV,
        channel: str = DEPLOYS,
        timeout: float = 8.0,
    ) -> Item:
        """The first timeline item (or reply) the person sees that matches, once it exists."""
        found: list[Item] = []

        def seen(_: object) -> bool:
            state = page_state(self.demo.fake, user_id=user, channel_id=channel)
            for item in state["timeline"]:
                for candidate in (item, *item["replies"]):
                    if predicate(candidate):
                        found.append(candidate)
                        return True
            return False

        await self.demo.fake.wait_for(seen, timeout=timeout)
        return found[0]


def text_of(item: Item) -> str:
    """Every text in an item's blocks (and its fallback), for plain substring checks."""
    return texts({"text": str(item.get("text", "")), "blocks": item.get("blocks", [])})


def header_is(title: str) -> Callable[[Item], bool]:
    def check(item: Item) -> bool:
        return any(b.get("type") == "header" and b["text"]["text"] == title for b in item["blocks"])

    return check


@contextlib.asynccontextmanager
async def running_demo(tmp_path: Path, *, task_seconds: float = 0.3) -> AsyncIterator[PageClient]:
    settings = load_settings({"OEC_CHATOPS_DB": str(tmp_path / "demo.db")})
    async with (
        embedded_demo(settings, port=0, task_seconds=task_seconds, grace=0.5) as demo,
        httpx.AsyncClient(base_url=demo.playground_url, timeout=10.0) as http,
    ):
        yield PageClient(demo, http)
