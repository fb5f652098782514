"""deployERP's signed webhooks become channel messages, like oec.sh's.

The deployERP simulator delivers for real (Standard Webhooks signing) to the bot's
`/webhooks/derp`; the channel subscribed with `/oec subscribe derp:eu-1/*` hears the deploy
and the backup, once each even when the simulator sends a delivery again.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from oec_chatops.playground import FakeSlack, Message
from tests.support.commands_helpers import ask, deployment_messages, final_word, render
from tests.support.hosts import hosts_stack
from tests.support.stack import ADMIN, CHANNEL, DEV


def events_posted(fake: FakeSlack, name: str) -> list[Message]:
    return [m for m in deployment_messages(fake) if f"`{name}`" in render(m.blocks)]


async def test_a_deployerp_deploy_and_backup_reach_the_subscribed_channel(tmp_path: Path) -> None:
    async with hosts_stack(tmp_path, subscribe=False) as h:
        s = h.stack
        answer = await ask(s, "subscribe derp:eu-1/*", user_id=ADMIN)
        assert "derp:eu-1" in answer.text

        await s.agent.command("deploy derp:eu-1/shop-staging", user_id=DEV, channel_id=CHANNEL)
        (event,) = await s.fake.wait_for(lambda f: events_posted(f, "deploy.completed"), timeout=15)
        assert "derp:eu-1/shop-staging" in final_word(event)

        r = await s.http.post(
            f"{h.derp_url}/_sim/emit",
            json={
                "event": "backup.completed",
                "data": {
                    "backup": {
                        "id": "bkp_test_1",
                        "instance_id": "ins_shop_staging",
                        "status": "completed",
                        "size_bytes": 1048576,
                        "created_at": "2026-01-01T00:00:00Z",
                    }
                },
            },
        )
        r.raise_for_status()
        (backup,) = await s.fake.wait_for(lambda f: events_posted(f, "backup.completed"))
        assert "backup of `derp:eu-1/shop-staging` completed" in final_word(backup)

        # deployERP sends the same event again (a retry): stored once, posted once.
        resent = await s.http.post(f"{h.derp_url}/_sim/deliveries/{r.json()['id']}/resend")
        resent.raise_for_status()
        for _ in range(200):
            metrics = (await s.http.get(f"{s.bot_url}/metrics")).text
            if 'oec_chatops_webhook_deliveries_total{outcome="duplicate"} 1.0' in metrics:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the resent delivery never reached the bot")
        assert len(events_posted(s.fake, "backup.completed")) == 1


async def test_a_delivery_not_signed_with_the_platforms_secret_is_refused(tmp_path: Path) -> None:
    async with hosts_stack(tmp_path, subscribe=False) as h:
        s = h.stack
        body = b'{"id": "evt_forged", "event": "backup.failed", "data": {}}'
        r = await s.http.post(
            f"{s.bot_url}/webhooks/derp",
            content=body,
            headers={
                "webhook-id": "msg_1",
                "webhook-timestamp": str(int(s.c.clock.time())),
                "webhook-signature": "v1,bm90IHRoZSBzaWduYXR1cmU=",
                "content-type": "application/json",
            },
        )
        assert r.status_code == 401
        assert s.c.store.deliveries.count() == 0
