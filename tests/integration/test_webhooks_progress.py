"""Progress in the living message, and the tracker's pace against the read limit.

While a deployment runs, the tracker polls the task object and the message shows a progress bar,
the current step and the step count; however many deployments run at once, all polls together
stay within a fifth of the read limit, so slash commands keep the rest.
"""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import pytest

from oec_chatops.domain import Progress
from oec_chatops.services.tracker import budget_interval, parse_commit, parse_step_progress
from tests.support.stack import CHANNEL as ROOM
from tests.support.stack import Stack, running_stack, sim_settings
from tests.support.stepped_clock import SteppedClock
from tests.support.webhook_helpers import (
    deliver,
    deployment_messages,
    env_data,
    text_of,
    until,
    webhook_stack,
)

STAGING = "acme-shop/staging"
BAR = re.compile(r"[▓░]{10} (\d+)%")
STEP = re.compile(r"step (\d+)/(\d+)")


def _versions(stack: Stack, task_id: str) -> list[str]:
    """Every text the living message has shown, oldest first."""
    msgs = deployment_messages(stack.fake, ROOM, task_id)
    if not msgs:
        return []
    m = msgs[0]
    return [e.text + " " + str(e.blocks) for e in m.edits] + [text_of(m)]


async def test_running_deployment_shows_bar_step_and_count_from_the_task(
    tmp_path: Path, stepped: SteppedClock
) -> None:
    """Given a deployment of 1.5 s on the stepped clock, polled every 0.1 s, when it runs, then
    the living message shows a bar that only grows, the current step and the step count."""
    async with running_stack(
        tmp_path, clock=stepped, slack_clock=stepped, sim=sim_settings(task_seconds=1.5)
    ) as stack:
        r = await stack.http.post(
            f"{stack.sim_url}/api/public/v1/environments/{stack.env_id(STAGING)}/deploy",
            headers={"Authorization": f"Bearer {stack.settings.oec_api_key.get_secret_value()}"},  # type: ignore[union-attr]
            json={},
        )
        task_id = r.json()["task_id"]
        task = stack.sim.task(task_id)
        step_keys = {s.key for s in task.timeline.plan.steps}

        await stepped.until(
            lambda: (
                (m := deployment_messages(stack.fake, ROOM, task_id)) and "completed" in m[0].text
            )
        )
        shown = _versions(stack, task_id)

    running = [v for v in shown if BAR.search(v) and "completed" not in v.split(" ")[0:6]]
    percents = [int(BAR.search(v)[1]) for v in running]  # type: ignore[index]
    assert any(0 < p < 100 for p in percents), shown
    assert percents == sorted(percents), "progress never goes back"
    steps = [STEP.search(v) for v in running]
    assert any(s and s[2] == str(task.timeline.total_steps) for s in steps), shown
    assert any(any(f"· {k} ·" in v or f"· {k}" in v for k in step_keys) for v in running), shown


def test_budget_interval_keeps_all_polls_within_a_fifth_of_the_read_limit() -> None:
    for read_limit in (60, 120, 600, 6000):
        for active in (1, 5, 50, 500):
            interval = budget_interval(active, read_limit)
            per_minute = active * 60.0 / interval
            assert per_minute <= read_limit / 5 + 1e-9, (read_limit, active, per_minute)
    assert budget_interval(0, 120) == budget_interval(1, 120)
    assert budget_interval(100, 120) == 250.0  # 24 reads a minute shared by 100 tasks


def test_step_lines_of_the_log_are_the_fallback_progress() -> None:
    log = "Deploy queued\nStep 1/5: Pulling main\ncloned\nStep 3/5: Installing requirements\n"
    assert parse_step_progress(log) == Progress(
        percent=40.0, current_step="Installing requirements", steps_completed=2, total_steps=5
    )
    assert parse_step_progress("no steps here\n") is None
    assert parse_step_progress("Step 2/0: nonsense") is None


def test_the_commit_comes_from_gits_own_line_in_the_log() -> None:
    log = "Step 2/6: Pulling branch main...\n  HEAD is now at 3f2a9c1.\nStep 3/6: Building\n"
    assert parse_commit(log) == "3f2a9c1"
    assert parse_commit("HEAD is now at abc1234\nHEAD is now at 9d8e7f6a") == "9d8e7f6a"
    # Not a sha (a branch name, a short word): no commit rather than a wrong one.
    assert parse_commit("HEAD is now at main.\nHEAD is now at abc") is None


@pytest.mark.parametrize("active", [40])
async def test_many_running_deployments_poll_within_a_fifth_of_the_read_limit(
    tmp_path: Path, active: int
) -> None:
    """Given a read limit of 3000 a minute, the tracker may use 600 a minute, ten a second,
    shared by every task it follows. When 40 deployments run at once, then the simulator's task
    reads over a real second stay within that share, and polling goes on.

    This one stays on the real clock: the tracker's loop also wakes on real timeouts, so on a
    `ManualClock` (moved by every idle worker) or a `SteppedClock` (moved by the test) the
    count says nothing about the pace the bot keeps in production."""
    read_limit = 3000
    async with webhook_stack(
        tmp_path,
        sim=sim_settings(task_seconds=600),
        poll_seconds=0.01,  # the §9.7 pace would be slower; the budget must hold regardless
        read_limit=read_limit,
    ) as stack:

        async def reads() -> int:
            return sum(
                1
                for r in await stack.sim_requests()
                if r["method"] == "GET" and ("/deployments/" in r["path"] or "/logs" in r["path"])
            )

        start_reads, start = await reads(), time.monotonic()
        project = stack.sim.project(stack.sim.environment(stack.env_id(STAGING)).project_id)
        for i in range(active):
            task_id = review_deployment(stack, project.id, f"review-{i}")
            data = {**env_data(stack, f"acme-shop/review-{i}"), "task_id": task_id}
            r = await deliver(stack, "deploy.started", {**data, "status": "running"})
            assert r.status_code == 200
        await until(
            lambda: len(stack.c.store.deployments.active(limit=1000)) == active, what="tracked"
        )

        # The window opens before the first delivery: the burst of new tasks, each due at
        # once, counts as much as the steady state.
        await asyncio.sleep(1.0)
        window_reads, window = await reads() - start_reads, time.monotonic() - start

    allowed_per_second = read_limit / 5 / 60
    print(f"tracker reads: {window_reads} in {window:.2f} s; allowed {allowed_per_second}/s")
    assert window_reads <= allowed_per_second * window + 1, (window_reads, window)
    assert window_reads >= allowed_per_second * window / 4, "the tracker kept polling"


def review_deployment(stack: Stack, project_id: str, name: str) -> str:
    """A new review environment of `project_id`, whose creation starts a deployment: its id."""
    unset = ("branch", "server_id", "domain", "cpu_cores", "ram_mb", "disk_gb")
    env = stack.sim.create_environment(
        project_id, name=name, environment_type="development", **dict.fromkeys(unset)
    )
    task = stack.sim.active_task(env.id)
    assert task is not None
    return task.id
