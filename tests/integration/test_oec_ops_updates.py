"""Quick updates (§9.6) through `client.ops` against the simulator over HTTP on 127.0.0.1."""

from __future__ import annotations

import pytest

from oec_chatops.oec.errors import OecConflict, OecNotFound, OecValidationError
from oec_chatops.oec.modules import ModuleListError
from tests.support.ops_sim import STAGING, UNKNOWN_ENV, OpsSim


async def test_each_mode_is_sent_as_the_contract_says_and_answers_a_deploy_task(
    ops: OpsSim,
) -> None:
    calls = [
        (lambda k: ops.client.ops.update_specific(STAGING, "sale_custom,stock", idempotency_key=k)),
        (lambda k: ops.client.ops.update_all(STAGING, idempotency_key=k)),
        (lambda k: ops.client.ops.pull_restart(STAGING, idempotency_key=k)),
        (
            lambda k: ops.client.ops.reinitialize_specific(
                STAGING, ["sale_custom"], idempotency_key=k
            )
        ),
    ]
    for n, send in enumerate(calls):
        accepted = await send(f"intent-{n}")
        task = await ops.client.wait_for_task(accepted.task_id)
        assert (task.type, task.status) == ("deploy", "completed")
    sent = await ops.requests("/quick-update", "POST")
    assert [(r["body"], r["idempotency_key"], r["x_idempotency_key"]) for r in sent] == [
        ({"mode": "update_specific", "modules": ["sale_custom", "stock"]}, "intent-0", None),
        ({"mode": "update_all"}, "intent-1", None),
        ({"mode": "pull_restart"}, "intent-2", None),
        ({"mode": "reinitialize_specific", "modules": ["sale_custom"]}, "intent-3", None),
    ]
    assert all(r["path"].endswith(f"/environments/{STAGING}/quick-update") for r in sent)


@pytest.mark.parametrize(
    ("send", "bad"),
    [
        (
            lambda ops: ops.client.ops.update_specific(STAGING, "Sale,stock", idempotency_key="k"),
            "Sale",
        ),
        (lambda ops: ops.client.ops.update_specific(STAGING, "all", idempotency_key="k"), None),
        (lambda ops: ops.client.ops.reinitialize_specific(STAGING, "", idempotency_key="k"), None),
    ],
)
async def test_bad_module_lists_are_refused_before_sending(
    ops: OpsSim, send: object, bad: str | None
) -> None:
    with pytest.raises(ModuleListError) as info:
        await send(ops)  # type: ignore[operator]
    if bad:
        assert bad in info.value.message
        assert info.value.bad == (bad,)
    assert await ops.requests("/quick-update") == []


async def test_a_second_update_while_one_runs_is_a_conflict_naming_the_running_task(
    ops: OpsSim,
) -> None:
    first = await ops.client.ops.update_all(STAGING, idempotency_key="one")
    with pytest.raises(OecConflict) as info:
        await ops.client.ops.pull_restart(STAGING, idempotency_key="two")
    assert (info.value.status, info.value.code, info.value.task_id) == (
        409,
        "task_in_progress",
        first.task_id,
    )


async def test_unknown_environment_and_invalid_id_keep_their_error_shapes(ops: OpsSim) -> None:
    with pytest.raises(OecNotFound):
        await ops.client.ops.update_all(UNKNOWN_ENV, idempotency_key="k1")
    with pytest.raises(OecValidationError) as info:
        await ops.client.ops.pull_restart("not-a-uuid", idempotency_key="k2")
    assert info.value.status == 422


async def test_a_failing_module_update_fails_its_task_at_the_module_step(ops: OpsSim) -> None:
    await ops.faults(fail_next_module_updates=1)
    plain = await ops.client.ops.pull_restart(STAGING, idempotency_key="pull")
    assert (
        await ops.client.wait_for_task(plain.task_id)
    ).status == "completed"  # not a module update
    accepted = await ops.client.ops.update_specific(STAGING, ["sale_custom"], idempotency_key="upd")
    task = await ops.client.wait_for_task(accepted.task_id)
    assert task.status == "failed"
    assert task.error_message
    assert "Module upgrade failed" in task.error_message
    log = await ops.client.get_logs(STAGING, task_id=task.id)
    assert "Updating modules: sale_custom" in log.log


async def test_a_lost_answer_is_retried_with_the_same_key_and_runs_once(ops: OpsSim) -> None:
    before = await ops.client.list_deployments(STAGING)
    await ops.faults(lose_next_answers=1)
    accepted = await ops.client.ops.update_all(STAGING, idempotency_key="lost-once")
    assert await ops.posts("/quick-update") == [("lost-once", 504), ("lost-once", 202)]
    after = await ops.client.list_deployments(STAGING)
    assert len(after) == len(before) + 1
    assert after[0].id == accepted.task_id
