"""A channel's messages arrive in the order their events did, across a Slack outage.

Slack is behind a `ConnectionGate`: shut, every connection is refused (nothing can have been
posted). Twenty status changes of one environment arrive as signed webhooks while it is shut,
the `ManualClock` moves through the backoff, Slack comes back, and the channel must show the
twenty in arrival order: a post that cannot be sent holds the later posts of its channel.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from oec_chatops.clock import ManualClock
from oec_chatops.playground.connection_gate import ConnectionGate
from tests.support.stack import CHANNEL, sim_settings
from tests.support.webhook_helpers import (
    advance,
    deliver,
    env_data,
    until,
    webhook_stack,
)

STAGING = "acme-shop/staging"
CHANGES = 20


async def test_an_outage_delays_a_channels_messages_but_never_reorders_them(
    tmp_path: Path,
) -> None:
    gate = ConnectionGate()
    async with (
        gate.serving() as slack_via_gate,
        webhook_stack(
            tmp_path,
            clock=ManualClock(start=time.time()),
            sim=sim_settings(task_seconds=600),
            environ={"SLACK_API_URL": f"{slack_via_gate}/api/"},
        ) as hooks,
    ):
        gate.target = hooks.slack_url
        await gate.shut()
        env = env_data(hooks, STAGING)
        for n in range(CHANGES):
            data = {**env, "previous_status": f"step-{n - 1}", "status": f"step-{n}"}
            r = await deliver(hooks, "environment.status_changed", data)
            assert r.status_code == 200, r.text
            # A minute of outage: the bot keeps trying while the changes come in.
            advance(hooks, 3)
            await asyncio.sleep(0.1)

        def oldest() -> dict[str, object]:
            return dict(
                hooks.c.store.conn.execute(
                    "SELECT * FROM outbox WHERE channel_id = ? ORDER BY id LIMIT 1", (CHANNEL,)
                ).fetchone()
            )

        await until(lambda: oldest()["last_error"], what="the oldest was tried")
        assert hooks.fake.calls() == [], "nothing reached Slack while it refused connections"
        assert oldest()["inflight_at"] is None, "a refused connection proves nothing was posted"

        await gate.open()
        for _ in range(400):
            if len(hooks.fake.messages(CHANNEL)) == CHANGES:
                break
            advance(hooks, 1)
            await asyncio.sleep(0.01)
        texts = [m.text for m in hooks.fake.messages(CHANNEL)]
        assert [t.rsplit("step-", 1)[-1] for t in texts] == [str(n) for n in range(CHANGES)]
        assert len(hooks.fake.calls("chat.postMessage")) == CHANGES
        assert int(oldest()["attempts"]) >= 3, "the oldest was tried again and again"
