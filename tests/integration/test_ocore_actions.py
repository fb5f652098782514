"""Control actions over HTTP, followed through `/health` on a ManualClock shared with the simulator."""

from __future__ import annotations

import pytest

from oec_chatops.ocore import OcoreUnsupported
from oec_chatops.ocore.tasks import parse_task_id
from oec_chatops.oec.errors import OecConflict
from tests.support.ocore_helpers import CRM_DEV, SHOP_PROD, SHOP_STAGING, OcoreStack


async def test_restart_is_followed_every_3_s_until_running_again(ocore: OcoreStack) -> None:
    accepted = await ocore.adapter.action("restart", SHOP_PROD, idempotency_key="k-1")
    ref = parse_task_id(accepted.task_id)
    assert ref is not None
    assert (ref.instance_id, ref.action, ref.accepted_at) == (
        SHOP_PROD,
        "restart",
        ocore.clock.time(),
    )
    assert (accepted.status, accepted.environment_id) == ("queued", SHOP_PROD)

    moving = await ocore.adapter.get_task(accepted.task_id)
    assert (moving.status, moving.current_step, moving.type) == (
        "running",
        "Restarting Odoo",
        "restart",
    )
    done = await ocore.adapter.wait_for_task(accepted.task_id)
    assert (done.status, done.environment_id, done.error_message) == ("completed", SHOP_PROD, None)
    assert ocore.clock.slept == [3.0, 3.0]  # the simulator restarts in 6 s
    assert done.duration_seconds == 6.0
    posts = await ocore.requests("POST")
    assert [(p["path"], p["body"], p["status"]) for p in posts] == [
        (f"/api/instances/{SHOP_PROD}/control", {"action": "restart"}, 202)
    ]


async def test_stop_settles_on_stopped(ocore: OcoreStack) -> None:
    accepted = await ocore.adapter.action("stop", SHOP_STAGING, idempotency_key="k-2")
    done = await ocore.adapter.wait_for_task(accepted.task_id)
    assert (done.status, done.type) == ("completed", "stop")
    assert (await ocore.adapter.get_environment(SHOP_STAGING)).status == "stopped"


async def test_a_control_ending_in_error_is_a_failed_task(ocore: OcoreStack) -> None:
    await ocore.faults(fail_next_controls=1)
    accepted = await ocore.adapter.action("start", CRM_DEV, idempotency_key="k-3")
    done = await ocore.adapter.wait_for_task(accepted.task_id)
    assert done.status == "failed"
    assert done.error_message == "Odoo failed to come back after start: exit code 1"


async def test_an_action_that_never_settles_fails_after_5_minutes(ocore: OcoreStack) -> None:
    accepted = await ocore.adapter.action("restart", SHOP_PROD, idempotency_key="k-4")
    await ocore.set_status(SHOP_PROD, "restarting", "Waiting for the database")  # stuck
    done = await ocore.adapter.wait_for_task(accepted.task_id)
    assert done.status == "failed"
    assert done.error_message is not None
    assert "still reported 'restarting' 5 minutes after the restart" in done.error_message
    assert sum(ocore.clock.slept) == 300.0
    assert len(ocore.clock.slept) == 100  # one reading of /health every 3 s


async def test_deploy_and_redeploy_are_refused_in_words_and_nothing_is_sent(
    ocore: OcoreStack,
) -> None:
    for verb in ("deploy", "redeploy"):
        with pytest.raises(OcoreUnsupported) as caught:
            await ocore.adapter.action(verb, SHOP_PROD, idempotency_key="k-5")
        assert f"oCore's API has no {verb}" in str(caught.value)
        assert "restart" in str(caught.value)
    assert await ocore.requests() == []


async def test_a_second_action_while_one_moves_is_a_conflict(ocore: OcoreStack) -> None:
    await ocore.adapter.action("restart", SHOP_PROD, idempotency_key="k-6")
    with pytest.raises(OecConflict) as caught:
        await ocore.adapter.action("stop", SHOP_PROD, idempotency_key="k-7")
    assert "Instance is busy (restarting)" in str(caught.value)
