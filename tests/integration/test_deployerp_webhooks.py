"""deployERP's signed webhooks, from the simulator to a receiver that verifies and parses them
as `/webhooks/derp` will, and on into the bot's notification pipeline (`ingest`) unchanged."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from oec_chatops.deployerp.webhooks import DerpNotification
from oec_chatops.services.notifications import ingest
from oec_chatops.store.store import Store
from tests.support.derp_helpers import DerpStack, derp_with_receiver
from tests.support.sim_helpers import eventually
from tests.support.stack import stack_database


async def _run_to_end(derp: DerpStack, verb: str, instance_id: str) -> None:
    platform = derp.platform()
    accepted = await platform.action(verb, instance_id, idempotency_key=str(uuid.uuid4()))
    await derp.follow(platform, accepted.task_id)


async def test_a_completed_deploy_arrives_signed_as_instance_deployed() -> None:
    async with derp_with_receiver() as (derp, receiver):
        await _run_to_end(derp, "deploy", "ins_shop_staging")
        [n] = await receiver.notified(1)
        assert n.delivery.event == "instance.deployed"
        assert n.delivery_id == n.delivery.id
        assert n.delivery_id.startswith("evt_")
        event = n.event
        assert event.event == "deploy.completed"
        assert (event.data.environment_id, event.data.environment_name) == (
            "ins_shop_staging",
            "shop-staging",
        )
        assert (event.data.project_id, event.data.status) == ("srv_eu1", "completed")
        assert receiver.rejected == []


async def test_stop_and_backups_arrive_as_their_events() -> None:
    async with derp_with_receiver(backup_seconds=5.0) as (derp, receiver):
        await _run_to_end(derp, "stop", "ins_shop_dev")
        platform = derp.platform()
        await platform.create_backup("ins_shop_prod", idempotency_key=str(uuid.uuid4()))
        await derp.faults(fail_next_backups=1)
        await platform.create_backup("ins_crm_prod", idempotency_key=str(uuid.uuid4()))
        derp.clock.advance(5.0)
        received = await receiver.notified(3)
        by_event = {n.delivery.event: n for n in received}
        stopped = by_event["instance.stopped"].event
        assert (stopped.event, stopped.data.status) == ("environment.status_changed", "stopped")
        done = by_event["backup.completed"].event
        assert done.event == "backup.completed"
        assert done.data.environment_id == "ins_shop_prod"
        assert done.data.message
        assert done.data.message.startswith("Backup bkp_")
        failed = by_event["backup.failed"].event
        assert failed.data.error_message
        assert "interrupted" in failed.data.error_message
        backups = await platform.list_backups("ins_shop_prod")
        assert {b.status for b in backups} == {"completed"}
        assert len(backups) == 2


async def test_a_replayed_delivery_keeps_its_dedupe_key_and_is_ingested_once(
    tmp_path: Path,
) -> None:
    store = Store(stack_database(tmp_path))
    store.subscriptions.add(
        channel_id="C_DERP",
        project_id="srv_eu1",
        project_label="derp:eu-1",
        env_glob="*",
        events=("deploy.*", "environment.status_changed"),
        created_by="U1",
        now=0.0,
    )
    try:
        async with derp_with_receiver(server_names={"srv_eu1": "eu-1"}) as (derp, receiver):
            await _run_to_end(derp, "deploy", "ins_shop_prod")
            [first] = await receiver.notified(1)
            resent = await derp.admin.post(f"/_sim/deliveries/{first.delivery_id}/resend")
            assert resent.json() == {"resent": 1}
            both = await receiver.notified(2)
        assert both[1].delivery_id == first.delivery_id
        results = [await _ingest(store, n, now=derp.clock.time()) for n in both]
        assert [(r.duplicate, r.rows) for r in results] == [(False, 1), (True, 0)]
        [row] = store.outbox.pending()
        assert row.channel_id == "C_DERP"
        assert row.body["text"] == "Deployment of eu-1/shop-prod: completed"
    finally:
        store.close()


async def _ingest(store: Store, n: DerpNotification, *, now: float):  # type: ignore[no-untyped-def]
    return await store.write(
        lambda repos: ingest(
            repos, n.event, delivery_id=n.delivery_id, raw=b"{}", signed_at=n.signed_at, now=now
        )
    )


async def test_a_delivery_signed_with_another_secret_is_refused_and_retried() -> None:
    async with derp_with_receiver() as (derp, receiver):
        receiver.secrets = ["whsec_" + "b3RoZXItc2VjcmV0LTEyMzQ1Njc4OTAxMjM0NTY="]
        await _run_to_end(derp, "stop", "ins_shop_dev")
        assert await receiver.wait_rejected(1) == ["bad_signature"]
        assert receiver.notifications == []
        deliveries: list[dict[str, Any]] = []

        async def attempted() -> bool:
            deliveries[:] = (await derp.admin.get("/_sim/deliveries")).json()["deliveries"]
            return bool(deliveries[0]["attempts"])

        await eventually(attempted)
        [delivery] = deliveries
        assert [a["status"] for a in delivery["attempts"]] == [401]
        assert delivery["state"] == "pending"  # retried after its backoff on the sim's clock
