"""`merge` never moves a deployment backwards, whatever order its updates arrive in.

hypothesis is not available, so the orders are every permutation of small, realistic sets of
updates: a webhook's `running`, two tracker polls with growing progress, and terminal events.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from oec_chatops.domain import Deployment, Progress
from oec_chatops.services.deployments import (
    TERMINAL_RANK,
    DeploymentUpdate,
    from_dict,
    merge,
    rank_of,
    to_dict,
)

T = "task-1"
QUEUED = DeploymentUpdate(task_id=T, status="queued", env_label="shop/staging", verb="deploy")
RUNNING = DeploymentUpdate(task_id=T, status="running", triggered_by="ci", url="https://s.example")
POLL_20 = DeploymentUpdate(
    task_id=T,
    status="running",
    progress=Progress(percent=20, current_step="pull", steps_completed=1, total_steps=5),
)
POLL_60 = DeploymentUpdate(
    task_id=T,
    status="running",
    progress=Progress(percent=60, current_step="build", steps_completed=3, total_steps=5),
)
COMPLETED = DeploymentUpdate(
    task_id=T,
    status="completed",
    duration_seconds=42.0,
    completed_at=datetime(2026, 1, 1, 0, 1, tzinfo=UTC),
)
FAILED = DeploymentUpdate(
    task_id=T,
    status="failed",
    duration_seconds=7.0,
    error_message="pip install failed",
    completed_at=datetime(2026, 1, 1, 0, 2, tzinfo=UTC),
)


def _fold(updates: tuple[DeploymentUpdate, ...]) -> list[Deployment]:
    states: list[Deployment] = []
    current: Deployment | None = None
    for u in updates:
        current = merge(current, u)
        states.append(current)
    return states


def _assert_never_backwards(states: list[Deployment]) -> None:
    ranks = [rank_of(s.status) for s in states]
    assert ranks == sorted(ranks), [s.status for s in states]
    terminal = [s.status for s in states if rank_of(s.status) == TERMINAL_RANK]
    assert len(set(terminal)) <= 1, f"a terminal status was replaced: {terminal}"
    running = [s.progress.percent for s in states if s.status == "running"]
    known = [p for p in running if p is not None]
    assert known == sorted(known), f"progress went back: {running}"


@pytest.mark.parametrize(
    "order",
    list(itertools.permutations([QUEUED, RUNNING, POLL_20, POLL_60, COMPLETED])),
    ids=lambda order: ">".join(
        f"{u.status}{int(u.progress.percent or 0) if u.progress else ''}" for u in order
    ),
)
def test_any_order_ends_completed_and_never_goes_back(order: tuple[DeploymentUpdate, ...]) -> None:
    states = _fold(order)
    _assert_never_backwards(states)
    final = states[-1]
    assert final.status == "completed"
    assert final.progress.percent == 100.0
    assert final.duration_seconds == 42.0
    assert final.env_label == "shop/staging"
    assert final.triggered_by == "ci"
    assert final.url == "https://s.example"


@pytest.mark.parametrize(
    "order", list(itertools.permutations([RUNNING, POLL_60, COMPLETED, FAILED]))
)
def test_the_first_terminal_status_wins_with_its_own_details(
    order: tuple[DeploymentUpdate, ...],
) -> None:
    states = _fold(order)
    _assert_never_backwards(states)
    first = next(u for u in order if u.status in ("completed", "failed"))
    final = states[-1]
    assert final.status == first.status
    assert final.duration_seconds == first.duration_seconds, "details of the losing end leak in"
    assert final.completed_at == first.completed_at
    assert final.error_message == first.error_message


@pytest.mark.parametrize("order", list(itertools.permutations([RUNNING, POLL_20, POLL_60])))
def test_progress_only_grows_while_running(order: tuple[DeploymentUpdate, ...]) -> None:
    final = _fold(order)[-1]
    assert final.status == "running"
    assert final.progress == POLL_60.progress
    _assert_never_backwards(_fold(order))


def test_duplicates_change_nothing() -> None:
    once = _fold((RUNNING, POLL_60, COMPLETED))[-1]
    twice = _fold((RUNNING, RUNNING, POLL_60, POLL_60, COMPLETED, COMPLETED, POLL_20))[-1]
    assert once == twice


def test_the_bots_own_give_up_yields_to_the_platforms_final_word() -> None:
    """`unknown` is what the tracker writes after 30 minutes without an answer; a terminal
    status oec.sh sends afterwards is news, not a step back."""
    gave_up = merge(
        merge(None, RUNNING),
        DeploymentUpdate(task_id=T, status="unknown", error_message="No final status"),
    )
    assert gave_up.status == "unknown"
    final = merge(gave_up, COMPLETED)
    assert final.status == "completed"
    assert final.error_message is None
    assert merge(final, DeploymentUpdate(task_id=T, status="unknown")).status == "completed"
    assert merge(final, RUNNING).status == "completed"


@pytest.mark.parametrize(
    ("status", "rank"),
    [
        ("queued", 0),
        ("pending", 0),
        ("running", 1),
        ("deploying", 1),
        ("completed", 2),
        ("success", 2),
        ("failed", 2),
        ("cancelled", 2),
        ("canceled", 2),
        ("rolled_back", 2),
        ("unknown", 2),
        ("verifying", 0),  # unknown statuses are not terminal (CONTRACT.md §9.7)
    ],
)
def test_rank_of(status: str, rank: int) -> None:
    assert rank_of(status) == rank


def test_state_survives_the_round_trip_through_the_store() -> None:
    d = _fold((QUEUED, RUNNING, POLL_60, FAILED))[-1]
    assert from_dict(to_dict(d)) == d


def test_a_failure_keeps_the_step_it_broke_on_and_the_reason_and_commit_stay() -> None:
    started = DeploymentUpdate(task_id=T, status="queued", verb="deploy", reason="hotfix")
    seen = DeploymentUpdate(task_id=T, status="running", commit="3f2a9c1")
    # The last poll saw `build` running; the failure itself names no step.
    last = _fold((started, seen, POLL_60, FAILED))[-1]
    assert (last.failed_step, last.reason, last.commit) == ("build", "hotfix", "3f2a9c1")
    # The failing update's own step wins over the last one seen running.
    broke = DeploymentUpdate(task_id=T, status="failed", progress=Progress(current_step="restart"))
    assert _fold((started, POLL_60, broke))[-1].failed_step == "restart"
    # A later, contradicting update neither moves the failed step nor the reason.
    late = DeploymentUpdate(
        task_id=T, status="failed", reason="other", progress=Progress(current_step="x")
    )
    again = _fold((started, POLL_60, broke, late))[-1]
    assert (again.failed_step, again.reason) == ("restart", "hotfix")
    assert from_dict(to_dict(again)) == again
    # Only failures have a failed step.
    assert _fold((started, POLL_60, COMPLETED))[-1].failed_step is None
