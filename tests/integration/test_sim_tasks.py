"""Actions and tasks on a ManualClock: progress, statuses, conflicts, idempotency, faults."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from oec_chatops.clock import ManualClock
from oec_chatops.sim import SimSettings, SimState, build_sim_app
from oec_chatops.sim.seed import seed_id
from tests.support.sim_helpers import API, RO_KEY, RW, RW_KEY, asgi_client

ACME = seed_id("project/acme-shop")
STAGING = seed_id("env/acme-shop/staging")
PRODUCTION = seed_id("env/acme-shop/production")
TASK_SECONDS = 10.0


@dataclass
class Sim:
    client: httpx.AsyncClient
    clock: ManualClock
    state: SimState

    async def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)
        assert (await self.client.post("/_sim/tick")).status_code == 200

    async def task(self, task_id: str) -> dict[str, Any]:
        r = await self.client.get(f"{API}/deployments/{task_id}", headers=RW)
        assert r.status_code == 200
        body: dict[str, Any] = r.json()
        return body

    async def env_status(self, env_id: str) -> str:
        r = await self.client.get(f"{API}/environments/{env_id}", headers=RW)
        return str(r.json()["status"])


@pytest.fixture
async def sim() -> AsyncIterator[Sim]:
    clock = ManualClock()
    settings = SimSettings(rw_keys=(RW_KEY,), ro_keys=(RO_KEY,), task_seconds=TASK_SECONDS)
    app = build_sim_app(settings, clock=clock)
    async with asgi_client(app) as client:
        yield Sim(client, clock, app.state.sim)


async def test_deploy_is_accepted_and_its_task_reaches_completed(sim: Sim) -> None:
    r = await sim.client.post(
        f"{API}/environments/{STAGING}/deploy", headers=RW, json={"update_modules": ["sale_x"]}
    )
    assert r.status_code == 202
    accepted = r.json()
    task_id = accepted["task_id"]
    assert accepted == {
        "task_id": task_id,
        "status": "queued",
        "environment_id": STAGING,
        "poll_url": f"/api/public/v1/deployments/{task_id}",
    }
    queued = await sim.task(task_id)
    assert (queued["status"], queued["progress_percent"], queued["started_at"]) == (
        "queued",
        0,
        None,
    )
    await sim.advance(1.0 + 9.0 * 2.5 / 6)  # queue share, then halfway through step 3
    running = await sim.task(task_id)
    assert running["status"] == "running"
    assert (running["current_step"], running["steps_completed"], running["total_steps"]) == (
        "build",
        2,
        6,
    )
    assert 0 < running["progress_percent"] < 100
    assert running["completed_at"] is None
    assert await sim.env_status(STAGING) == "deploying"
    log = (await sim.client.get(f"{API}/environments/{STAGING}/logs", headers=RW)).json()
    assert log["task_id"] == task_id
    assert [ln[:9] for ln in log["log"].splitlines() if ln.startswith("Step")] == [
        "Step 1/6:",
        "Step 2/6:",
        "Step 3/6:",
    ]
    await sim.advance(TASK_SECONDS)
    done = await sim.task(task_id)
    assert done["status"] == "completed"
    assert (done["progress_percent"], done["steps_completed"], done["error_message"]) == (
        100,
        6,
        None,
    )
    assert done["duration_seconds"] == pytest.approx(9.0)
    assert await sim.env_status(STAGING) == "running"
    log = (await sim.client.get(f"{API}/environments/{STAGING}/logs", headers=RW)).json()
    assert "Step 4/6: Updating modules: sale_x..." in log["log"].splitlines()
    assert "Step 6/6: Running health check" in log["log"]
    page = (await sim.client.get(f"{API}/environments/{STAGING}/deployments", headers=RW)).json()
    assert next(t["id"] for t in page["data"]) == task_id  # newest first
    assert page["pagination"]["total"] == 2


async def test_a_second_action_gets_409_with_the_running_task_id(sim: Sim) -> None:
    first = (await sim.client.post(f"{API}/environments/{STAGING}/restart", headers=RW)).json()
    r = await sim.client.post(f"{API}/environments/{STAGING}/deploy", headers=RW)
    assert r.status_code == 409
    assert r.json() == {
        "detail": {
            "error": "task_in_progress",
            "message": r.json()["detail"]["message"],
            "task_id": first["task_id"],
        }
    }
    other_env = await sim.client.post(f"{API}/environments/{PRODUCTION}/restart", headers=RW)
    assert other_env.status_code == 202
    await sim.advance(TASK_SECONDS)
    again = await sim.client.post(f"{API}/environments/{STAGING}/deploy", headers=RW)
    assert again.status_code == 202


async def test_same_idempotency_key_gives_the_same_task(sim: Sim) -> None:
    headers = {**RW, "Idempotency-Key": "intent-1"}
    first = await sim.client.post(f"{API}/environments/{STAGING}/deploy", headers=headers)
    await sim.advance(TASK_SECONDS)  # even after the task ended, the answer is replayed
    second = await sim.client.post(f"{API}/environments/{STAGING}/deploy", headers=headers)
    assert (first.status_code, second.status_code) == (202, 202)
    assert second.json() == first.json()
    page = (await sim.client.get(f"{API}/environments/{STAGING}/deployments", headers=RW)).json()
    assert page["pagination"]["total"] == 2  # the seeded deploy and this one, no third
    # Actions honour Idempotency-Key only: the create header name is ignored there.
    wrong = {**RW, "X-Idempotency-Key": "intent-2"}
    a = await sim.client.post(f"{API}/environments/{STAGING}/deploy", headers=wrong)
    await sim.advance(TASK_SECONDS)
    b = await sim.client.post(f"{API}/environments/{STAGING}/deploy", headers=wrong)
    assert a.json()["task_id"] != b.json()["task_id"]


async def test_a_refused_action_is_not_replayed_under_its_key(sim: Sim) -> None:
    await sim.client.post(f"{API}/environments/{STAGING}/stop", headers=RW)
    headers = {**RW, "Idempotency-Key": "intent-3"}
    refused = await sim.client.post(f"{API}/environments/{STAGING}/start", headers=headers)
    assert refused.status_code == 409
    await sim.advance(TASK_SECONDS)
    assert await sim.env_status(STAGING) == "stopped"
    retried = await sim.client.post(f"{API}/environments/{STAGING}/start", headers=headers)
    assert retried.status_code == 202
    await sim.advance(TASK_SECONDS)
    assert await sim.env_status(STAGING) == "running"


async def test_create_environment_replays_201_under_x_idempotency_key(sim: Sim) -> None:
    headers = {**RW, "X-Idempotency-Key": "create-qa"}
    body = {"name": "qa", "environment_type": "staging", "branch": "qa"}
    url = f"{API}/projects/{ACME}/environments"
    first = await sim.client.post(url, headers=headers, json=body)
    second = await sim.client.post(url, headers=headers, json=body)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json() == second.json()
    env = first.json()
    assert (env["status"], env["environment_type"], env["branch"]) == ("deploying", "staging", "qa")
    duplicate = await sim.client.post(url, headers=RW, json=body)
    assert duplicate.status_code == 422
    assert duplicate.json()["detail"][0]["loc"] == ["body", "name"]
    status = (await sim.client.get(f"{API}/environments/{env['id']}/status", headers=RW)).json()
    first_deploy = status["last_deploy"]["id"]
    await sim.advance(TASK_SECONDS)
    assert (await sim.task(first_deploy))["status"] == "completed"
    assert await sim.env_status(env["id"]) == "running"
    envs = (await sim.client.get(url, headers=RW)).json()
    assert [e["name"] for e in envs][-1] == "qa"


async def test_fail_next_deploys_fails_the_task_and_puts_the_env_in_error(sim: Sim) -> None:
    r = await sim.client.post("/_sim/faults", json={"fail_next_deploys": 1})
    assert r.json()["fail_next_deploys"] == 1
    accepted = (await sim.client.post(f"{API}/environments/{STAGING}/deploy", headers=RW)).json()
    await sim.advance(TASK_SECONDS)
    task = await sim.task(accepted["task_id"])
    assert task["status"] == "failed"
    assert task["error_message"].startswith("Docker build failed")
    assert (task["current_step"], task["steps_completed"]) == ("build", 2)
    assert await sim.env_status(STAGING) == "error"
    log = (await sim.client.get(f"{API}/environments/{STAGING}/logs", headers=RW)).json()["log"]
    assert "ERROR: Docker build failed" in log
    assert (await sim.client.get("/_sim/faults")).json()["fail_next_deploys"] == 0
    # deploy works on an environment in error (§9.6)
    accepted = (await sim.client.post(f"{API}/environments/{STAGING}/deploy", headers=RW)).json()
    await sim.advance(TASK_SECONDS)
    assert (await sim.task(accepted["task_id"]))["status"] == "completed"
    assert await sim.env_status(STAGING) == "running"


async def test_cancel_through_the_admin_route(sim: Sim) -> None:
    accepted = (await sim.client.post(f"{API}/environments/{STAGING}/deploy", headers=RW)).json()
    await sim.advance(3.0)
    assert await sim.env_status(STAGING) == "deploying"
    r = await sim.client.post(f"/_sim/tasks/{accepted['task_id']}/cancel")
    assert r.status_code == 200
    assert r.json()["status"] == "cancelled"
    assert await sim.env_status(STAGING) == "running"
    again = await sim.client.post(f"/_sim/tasks/{accepted['task_id']}/cancel")
    assert again.status_code == 409


async def test_one_big_clock_jump_applies_every_transition_in_order(sim: Sim) -> None:
    accepted = (await sim.client.post(f"{API}/environments/{STAGING}/deploy", headers=RW)).json()
    sim.clock.advance(TASK_SECONDS * 3)
    assert sim.state.tick() == 2  # started, then completed
    assert sim.state.tick() == 0
    assert sim.state.tasks[accepted["task_id"]].status == "completed"


async def test_a_patched_branch_is_used_by_the_next_deploy(sim: Sim) -> None:
    r = await sim.client.patch(
        f"{API}/environments/{STAGING}", headers=RW, json={"branch": "feature/x"}
    )
    assert r.status_code == 200
    assert r.json()["branch"] == "feature/x"
    accepted = (await sim.client.post(f"{API}/environments/{STAGING}/deploy", headers=RW)).json()
    await sim.advance(TASK_SECONDS)
    assert (await sim.task(accepted["task_id"]))["branch"] == "feature/x"
    log = (await sim.client.get(f"{API}/environments/{STAGING}/logs", headers=RW)).json()["log"]
    assert "Step 2/6: Pulling branch feature/x from https://github.com/acme/acme-shop..." in log
    empty = await sim.client.patch(f"{API}/environments/{STAGING}", headers=RW)
    assert empty.status_code == 422
