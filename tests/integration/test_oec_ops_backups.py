"""Backups and restore through `client.ops` against the simulator over HTTP on 127.0.0.1."""

from __future__ import annotations

import pytest

from oec_chatops.oec.errors import (
    OecConfigError,
    OecConflict,
    OecNotFound,
    OecServerError,
    OecValidationError,
    OecWaitTimeout,
)
from oec_chatops.oec.models import Task
from oec_chatops.oec.ops_models import Backup
from tests.support.ops_sim import DEVELOPMENT, PRODUCTION, STAGING, UNKNOWN_ENV, OpsSim
from tests.support.sim_helpers import RO_KEY


async def test_latest_backups_newest_first_with_size_type_and_status(ops: OpsSim) -> None:
    backups = await ops.client.ops.list_backups(PRODUCTION)
    assert [b.backup_type for b in backups] == ["scheduled", "scheduled"]
    assert backups[0].created_at
    assert backups[1].created_at
    assert backups[0].created_at > backups[1].created_at
    assert all(b.completed and b.size_bytes and b.size_bytes > 0 for b in backups)
    assert (await ops.requests("/backups", "GET"))[-1]["query"] == {"page": "1", "page_size": "10"}
    with pytest.raises(OecNotFound):
        await ops.client.ops.list_backups(UNKNOWN_ENV)


async def test_a_backup_is_created_then_followed_through_its_backup_task(ops: OpsSim) -> None:
    created = await ops.client.ops.create_backup(STAGING, notes="before the sale_custom upgrade")
    assert (created.status, created.size_bytes) == ("pending", None)
    assert created.task_id
    steps: list[Task] = []
    seen: list[Backup] = []

    async def on_task(task: Task) -> None:
        steps.append(task)

    async def on_update(backup: Backup) -> None:
        seen.append(backup)

    final = await ops.client.ops.wait_for_backup(created, on_task=on_task, on_update=on_update)
    assert final.completed
    assert final.size_bytes
    assert final.kind == "full"
    assert {t.type for t in steps} == {"backup"}
    assert steps[-1].status == "completed"
    assert [b.status for b in seen] == ["completed"]
    (post,) = await ops.requests(f"/environments/{STAGING}/backups", "POST")
    assert post["body"] == {
        "backup_type": "manual",
        "include_filestore": True,
        "notes": "before the sale_custom upgrade",
    }
    assert (post["idempotency_key"], post["x_idempotency_key"]) == (None, None)  # §9.4
    latest = (await ops.client.ops.list_backups(STAGING, limit=1))[0]
    assert latest.id == created.id


async def test_no_filestore_backs_up_the_database_only(ops: OpsSim) -> None:
    created = await ops.client.ops.create_backup(STAGING, include_filestore=False)
    final = await ops.client.ops.wait_for_backup(created)
    assert final.kind == "database only"
    assert final.filestore_size == 0
    assert (await ops.requests("/backups", "POST"))[0]["body"]["include_filestore"] is False


async def test_a_second_backup_while_one_runs_is_a_conflict(ops: OpsSim) -> None:
    first = await ops.client.ops.create_backup(STAGING)
    with pytest.raises(OecConflict) as info:
        await ops.client.ops.create_backup(STAGING)
    assert (info.value.code, info.value.task_id) == ("task_in_progress", first.task_id)
    assert len(await ops.requests("/backups", "POST")) == 2  # refused, never re-sent


async def test_a_failing_backup_ends_failed_with_its_reason(ops: OpsSim) -> None:
    await ops.faults(fail_next_backups=1)
    final = await ops.client.ops.wait_for_backup(await ops.client.ops.create_backup(STAGING))
    assert final.status == "failed"
    assert final.error_message
    assert "pg_dump" in final.error_message
    assert final.size_bytes is None


async def test_a_lost_create_answer_finds_the_backup_it_started_instead_of_a_second(
    ops: OpsSim,
) -> None:
    await ops.faults(lose_next_answers=1)
    found = await ops.client.ops.create_backup(DEVELOPMENT)
    posts = await ops.requests(f"/environments/{DEVELOPMENT}/backups", "POST")
    assert [r["status"] for r in posts] == [504]  # sent once, never re-sent without a key
    manual = await ops.client.ops.list_backups(DEVELOPMENT, backup_type="manual")
    assert [b.id for b in manual] == [found.id]


async def test_a_create_that_did_nothing_reports_the_failure(ops: OpsSim) -> None:
    await ops.faults(error_next=1)
    with pytest.raises(OecServerError):
        await ops.client.ops.create_backup(DEVELOPMENT)
    assert [r["status"] for r in await ops.requests("/backups", "POST")] == [503]
    assert await ops.client.ops.list_backups(DEVELOPMENT, backup_type="manual") == []


async def test_restore_sends_the_confirmation_and_runs_once_after_a_lost_answer(
    ops: OpsSim,
) -> None:
    backup = (await ops.client.ops.list_backups(STAGING))[0]
    before = await ops.client.list_deployments(STAGING)
    await ops.faults(lose_next_answers=1)
    accepted = await ops.client.ops.restore_backup(backup.id, idempotency_key="approval-42")
    assert accepted.backup_id == backup.id
    assert await ops.posts("/restore") == [("approval-42", 504), ("approval-42", 202)]
    after = await ops.client.list_deployments(STAGING)
    assert len(after) == len(before) + 1
    task = await ops.client.wait_for_task(accepted.task_id)
    assert (task.type, task.status) == ("deploy", "completed")


async def test_the_simulator_refuses_a_restore_without_the_confirmation_header(
    ops: OpsSim,
) -> None:
    backup = (await ops.client.ops.list_backups(STAGING))[0]
    tasks = len(await ops.client.list_deployments(STAGING))
    refused = await ops.api(
        "POST", f"/backups/{backup.id}/restore", headers={"Idempotency-Key": "no-confirm"}
    )
    assert refused.status_code == 400
    assert refused.json()["detail"]["error"] == "confirm_required"
    wrong = await ops.api(
        "POST", f"/backups/{backup.id}/restore", headers={"X-Confirm-Restore": "yes"}
    )
    assert wrong.status_code == 400
    assert len(await ops.client.list_deployments(STAGING)) == tasks  # nothing was restored


async def test_restore_of_an_unfinished_or_unknown_backup_is_refused(ops: OpsSim) -> None:
    running = await ops.client.ops.create_backup(STAGING)
    with pytest.raises(OecValidationError) as info:
        await ops.client.ops.restore_backup(running.id, idempotency_key="too-early")
    assert (info.value.status, info.value.message) == (400, "Backup is not in COMPLETED status")
    with pytest.raises(OecNotFound):
        await ops.client.ops.restore_backup(UNKNOWN_ENV, idempotency_key="nope")
    with pytest.raises(OecNotFound):
        await ops.client.ops.get_backup(UNKNOWN_ENV)


async def test_a_restore_while_a_task_runs_is_a_conflict(ops: OpsSim) -> None:
    backup = (await ops.client.ops.list_backups(STAGING))[0]
    deploy = await ops.client.ops.pull_restart(STAGING, idempotency_key="busy")
    with pytest.raises(OecConflict) as info:
        await ops.client.ops.restore_backup(backup.id, idempotency_key="wait")
    assert info.value.task_id == deploy.task_id


async def test_a_backup_read_carries_its_environment_snapshot(ops: OpsSim) -> None:
    created = await ops.client.ops.create_backup(STAGING)
    read = await ops.client.ops.get_backup(created.id)
    assert read.environment_snapshot
    assert read.environment_snapshot["environment"]["name"] == "staging"


async def test_reads_go_with_the_read_only_key_and_changes_need_a_full_access_one(
    ops: OpsSim,
) -> None:
    async with ops.other_client(rw_key=None, ro_key=RO_KEY) as reader:
        backups = await reader.ops.list_backups(STAGING)
        assert (await reader.ops.get_backup(backups[0].id)).completed
        with pytest.raises(OecConfigError):
            await reader.ops.create_backup(STAGING)
        with pytest.raises(OecConfigError):
            await reader.ops.restore_backup(backups[0].id, idempotency_key="no-rw")
    assert [r["tier"] for r in await ops.requests()] == ["read_only", "read_only"]


async def test_a_backup_answered_without_a_task_is_followed_by_polling_it(ops: OpsSim) -> None:
    created = await ops.client.ops.create_backup(STAGING)
    bare = created.model_copy(update={"task_id": None})
    with pytest.raises(OecWaitTimeout) as info:
        await ops.client.ops.wait_for_backup(bare, timeout=2)
    assert info.value.last_status in {"pending", "in_progress", "uploading"}
    seen: list[str] = []

    async def on_update(backup: Backup) -> None:
        seen.append(backup.status)

    final = await ops.client.ops.wait_for_backup(bare, on_update=on_update)
    assert final.completed
    assert seen[-1] == "completed"
    assert len(seen) == len(set(seen))  # told of changes only
    assert not [r for r in await ops.requests() if "/deployments/" in r["path"]]  # no task
