"""The tracker spends API reads only on deployments some channel shows.

Polls come out of the read budget slash commands need: a task heard of only through a webhook
for an environment no channel subscribes to is shown nowhere and must cost nothing. Asserted on
the simulator's request log, over real HTTP.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.support.stack import ADMIN, CHANNEL, Stack, sim_settings
from tests.support.webhook_helpers import (
    command,
    deliver,
    deployment_messages,
    new_task,
    task_data,
    webhook_stack,
)


async def _reads_of(stack: Stack, task_id: str) -> int:
    return sum(1 for r in await stack.sim_requests() if task_id in r["path"])


async def test_only_a_deployment_shown_in_a_channel_is_polled(tmp_path: Path) -> None:
    async with webhook_stack(
        tmp_path, sim=sim_settings(task_seconds=600), subscribe=False, poll_seconds=0.05
    ) as stack:
        answer = await command(
            stack, "subscribe acme-shop/staging", user_id=ADMIN, channel_id=CHANNEL
        )
        assert "staging" in answer
        shown = new_task(stack, "acme-shop/staging")
        unseen = new_task(stack, "acme-shop/production")  # no channel subscribes to it
        for label, task_id in (("acme-shop/production", unseen), ("acme-shop/staging", shown)):
            r = await deliver(stack, "deploy.started", task_data(stack, label, task_id, "running"))
            assert r.status_code == 200, r.text
        await stack.fake.wait_for(lambda f: deployment_messages(f, CHANNEL, shown))

        async with asyncio.timeout(10):
            while await _reads_of(stack, shown) < 3:  # noqa: ASYNC110 - polls the simulator over HTTP
                await asyncio.sleep(0.02)
        assert await _reads_of(stack, unseen) == 0, "the unseen one costs no read"
        assert stack.c.store.deployments.get(unseen) is not None  # it is known, just not polled
