"""Synthetic task ids and how one reading of `/health` settles a control action."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from oec_chatops.ocore.tasks import ActionRef, Reading, parse_task_id, settle

T0 = 1_767_225_600.0
INSTANCE = "6f1c1a52-7c1e-4c43-9d0a-3b0f1f4f6b6e"


def _settle(action: str, reading: Reading, *, after: float = 10.0) -> tuple[str, str | None]:
    ref = ActionRef(INSTANCE, action, T0)
    task = settle(ref, reading, now=T0 + after, limit=300.0, skew=30.0)
    return task.status, task.error_message


def test_the_id_encodes_instance_action_and_time_and_parses_back() -> None:
    ref = ActionRef(INSTANCE, "restart", T0 + 0.123)
    assert ref.task_id == f"ocore:restart:1767225600123:{INSTANCE}"
    assert parse_task_id(ref.task_id) == ref
    assert parse_task_id("ocore:stop:1:with:colons") == ActionRef("with:colons", "stop", 0.001)


@pytest.mark.parametrize(
    "text",
    ["", "tsk_123", "ocore:deploy:1:x", "ocore:stop:soon:x", "ocore:stop:1:", "oec:stop:1:x"],
)
def test_other_ids_are_not_ours(text: str) -> None:
    assert parse_task_id(text) is None


def test_target_statuses_complete_the_action() -> None:
    assert _settle("start", Reading("running")) == ("completed", None)
    assert _settle("stop", Reading("Stopped")) == ("completed", None)
    assert _settle("restart", Reading("running", moved=True)) == ("completed", None)


def test_error_and_failed_end_it_as_failed_with_oCores_message() -> None:
    assert _settle("restart", Reading("error", "crashed")) == ("failed", "crashed")
    assert _settle("stop", Reading("failed")) == (
        "failed",
        "oCore reports the instance as failed",
    )


def test_a_restart_still_running_before_it_began_is_queued_not_done() -> None:
    assert _settle("restart", Reading("running")) == ("queued", None)
    old = datetime.fromtimestamp(T0 - 3600, UTC)
    assert _settle("restart", Reading("running", last_restart_at=old)) == ("queued", None)
    began = datetime.fromtimestamp(T0 - 5, UTC)  # within the clock skew
    assert _settle("restart", Reading("running", last_restart_at=began)) == ("completed", None)


def test_moving_statuses_are_running_with_the_message_as_step() -> None:
    ref = ActionRef(INSTANCE, "start", T0)
    task = settle(ref, Reading("starting", "Pulling image"), now=T0 + 3, limit=300, skew=30)
    assert (task.status, task.current_step, task.completed_at) == ("running", "Pulling image", None)
    odd = settle(ref, Reading("warming-up"), now=T0 + 3, limit=300, skew=30)
    assert odd.current_step == "oCore reports the instance as warming-up"


def test_five_minutes_without_settling_fails_with_a_timeout_sentence() -> None:
    assert _settle("stop", Reading("stopping"), after=299.9)[0] == "running"
    status, error = _settle("stop", Reading("stopping"), after=300.0)
    assert status == "failed"
    assert error is not None
    assert error.startswith("oCore still reported 'stopping' 5 minutes after the stop")
    ref = ActionRef(INSTANCE, "stop", T0)
    done = settle(ref, Reading("stopping"), now=T0 + 300, limit=300, skew=30)
    assert (done.duration_seconds, done.terminal) == (300.0, True)
