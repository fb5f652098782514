"""The existing tracker follows an oCore action by its synthetic task id, at the adapter's pace."""

from __future__ import annotations

from pathlib import Path

from oec_chatops.ocore_sim import EU_1
from oec_chatops.services.deployments import TERMINAL_RANK, DeploymentUpdate, apply_update
from oec_chatops.services.tracker import Tracker
from oec_chatops.store.store import Store
from tests.support.ocore_helpers import SHOP_PROD, OcoreStack
from tests.support.stack import stack_database


async def test_the_tracker_follows_a_restart_every_3_s_to_completed(
    ocore: OcoreStack, tmp_path: Path
) -> None:
    store = Store(stack_database(tmp_path))
    try:
        accepted = await ocore.adapter.action("restart", SHOP_PROD, idempotency_key="k")
        now = ocore.clock.time()
        with store.tx():
            apply_update(
                store,
                DeploymentUpdate(
                    task_id=accepted.task_id,
                    status=accepted.status,
                    verb="restart",
                    env_id=SHOP_PROD,
                    env_label="ocore:eu-1/shop-prod",
                    project_id=EU_1,
                    origin_channel_id="C1",
                ),
                now=now,
                next_poll_at=now,
            )
        tracker = Tracker(
            store=store,
            platform=ocore.adapter,
            clock=ocore.clock,
            on_change=lambda: None,
            read_limit=ocore.adapter.read_limit,
            pace=ocore.adapter.pace,
        )
        seen: list[tuple[str, str | None, int | None]] = []
        for _ in range(10):
            assert await tracker.run_once() == 1
            row = store.deployments.get(accepted.task_id)
            assert row is not None
            progress = row.state["progress"]
            seen.append((row.status, progress["current_step"], progress["steps_completed"]))
            if row.rank == TERMINAL_RANK:
                break
            assert row.next_poll_at == ocore.clock.time() + 3  # the pinned pace, no log reads
            ocore.clock.advance(3)
        assert seen == [
            ("running", "Restarting Odoo", 1),
            ("running", "Restarting Odoo", 1),
            ("completed", "Restarting Odoo", 2),
        ]
        assert row.state["duration_seconds"] == 6.0
    finally:
        store.close()
