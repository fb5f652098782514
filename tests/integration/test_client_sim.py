"""The client against the shipped oec.sh simulator, in process through httpx.ASGITransport.

The simulator and the client share one ManualClock: the client's waits (retries, task polls,
its own limiter) move the simulator's tasks forward, so nothing sleeps for real.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from pydantic import SecretStr

from oec_chatops.clock import ManualClock
from oec_chatops.oec.client import OecClient
from oec_chatops.oec.errors import (
    OecConflict,
    OecNotFound,
    OecReadOnlyKey,
    OecServerError,
    OecValidationError,
)
from oec_chatops.oec.keys import KeySlot, parse_key
from oec_chatops.oec.models import Task
from oec_chatops.oec.ratelimit import Budget, RateLimiter
from oec_chatops.oec.session import ApiSession, Call
from oec_chatops.sim import SimSettings, build_sim_app
from tests.support.sim_helpers import SimAdmin

RW = "oec_live_rw_" + "SimFullAccess_" + "r" * 29
RO = "oec_live_ro_" + "SimReadOnly_" + "o" * 31
BASE = "http://sim.test/api/public/v1"
MINUTE = 1_767_225_600.0


@dataclass
class Sim(SimAdmin):
    client: OecClient
    admin: httpx.AsyncClient
    clock: ManualClock
    transport: httpx.ASGITransport


@pytest.fixture
async def sim() -> AsyncIterator[Sim]:
    clock = ManualClock(MINUTE)
    settings = SimSettings(rw_keys=(RW,), ro_keys=(RO,), allow_loopback_webhooks=True)
    transport = httpx.ASGITransport(app=build_sim_app(settings, clock=clock))
    client = OecClient(
        base_url=BASE,
        rw_key=SecretStr(RW),
        ro_key=SecretStr(RO),
        clock=clock,
        transport=transport,
    )
    async with client, httpx.AsyncClient(transport=transport, base_url="http://sim.test") as admin:
        yield Sim(client, admin, clock, transport)


async def some_env(sim: Sim, project: str = "Acme Shop", env: str = "staging") -> str:
    for p, e in await sim.client.list_all_environments():
        if (p.name, e.name) == (project, env):
            return e.id
    raise AssertionError(f"{project}/{env} is not seeded")


async def test_every_read(sim: Sim) -> None:
    c = sim.client
    projects = await c.list_projects()
    assert [p.name for p in projects] == ["Acme Shop", "Globex ERP"]
    assert (await c.get_project(projects[0].id)).id == projects[0].id
    assert len(await c.list_servers()) >= 1
    envs = await c.list_environments(projects[1].id)
    assert {e.name for e in envs} == {"development", "staging", "production"}
    errored = await c.list_environments(projects[1].id, status="error")
    assert [e.name for e in errored] == ["staging"]
    pairs = await c.list_all_environments()
    assert len(pairs) == 6
    env_id = await some_env(sim)
    assert (await c.get_environment(env_id)).name == "staging"
    status = await c.get_environment_status(env_id)
    assert status.last_deploy is not None
    history = await c.list_deployments(env_id, limit=5)
    assert history[0].id == status.last_deploy.id
    assert (await c.get_task(history[0].id)).status == "completed"
    logs = await c.get_logs(env_id, task_id=history[0].id, lines=3)
    assert logs.task_id == history[0].id
    assert logs.log.count("\n") <= 2
    assert (await c.get_org())["slug"] == "northwind"
    assert await c.list_webhooks() == []
    assert all(r["tier"] == "read_only" for r in await sim.requests())


@pytest.mark.parametrize("shape", ["cursor", "page", "offset", "array"])
async def test_every_projects_page_shape(sim: Sim, shape: str) -> None:
    await sim.faults(projects_pagination=shape)
    assert [p.name for p in await sim.client.list_projects()] == ["Acme Shop", "Globex ERP"]


async def test_a_deploy_runs_to_completed_with_updates(sim: Sim) -> None:
    env_id = await some_env(sim)
    accepted = await sim.client.deploy(env_id, idempotency_key="intent-deploy-1", modules=["sale"])
    seen: list[str] = []

    async def on_update(task: Task) -> None:
        seen.append(task.status)

    done = await sim.client.wait_for_task(
        accepted.poll_url or accepted.task_id, on_update=on_update
    )
    assert done.status == "completed"
    assert done.id == accepted.task_id
    assert seen[-1] == "completed"
    assert set(sim.clock.slept) <= {5.0, 10.0}
    posted = [r for r in await sim.requests() if r["method"] == "POST"]
    assert posted[0]["body"] == {"update_modules": ["sale"]}
    assert posted[0]["tier"] == "full_access"


async def test_the_same_idempotency_key_twice_is_one_task(sim: Sim) -> None:
    env_id = await some_env(sim)
    before = await sim.client.list_deployments(env_id, limit=100)
    first = await sim.client.restart(env_id, idempotency_key="intent-restart-1")
    second = await sim.client.restart(env_id, idempotency_key="intent-restart-1")
    assert first.task_id == second.task_id
    after = await sim.client.list_deployments(env_id, limit=100)
    assert len(after) == len(before) + 1
    posts = [r for r in await sim.requests() if r["method"] == "POST"]
    assert [(r["path"], r["idempotency_key"], r["x_idempotency_key"]) for r in posts] == [
        (f"/api/public/v1/environments/{env_id}/restart", "intent-restart-1", None)
    ] * 2


async def test_another_action_while_one_runs_is_a_conflict_with_its_task(sim: Sim) -> None:
    env_id = await some_env(sim)
    running = await sim.client.stop(env_id, idempotency_key="intent-stop")
    with pytest.raises(OecConflict) as info:
        await sim.client.start(env_id, idempotency_key="intent-start")
    assert info.value.code == "task_in_progress"
    assert info.value.task_id == running.task_id
    await sim.client.wait_for_task(running.task_id)
    assert (await sim.client.get_environment(env_id)).status == "stopped"
    started = await sim.client.action("start", env_id, idempotency_key="intent-start-2")
    assert (await sim.client.wait_for_task(started.task_id)).status == "completed"


async def test_every_action_verb(sim: Sim) -> None:
    pairs = [(p.name, e.id) for p, e in await sim.client.list_all_environments()]
    envs = [env_id for name, env_id in pairs if name == "Acme Shop"]
    tasks = [
        await sim.client.action("redeploy", envs[0], idempotency_key="i-1"),
        await sim.client.quick_update(
            envs[1], idempotency_key="i-2", mode="update_specific", modules=["sale", "stock"]
        ),
        await sim.client.restart(envs[2], idempotency_key="i-3"),
    ]
    for accepted in tasks:
        assert (await sim.client.wait_for_task(accepted.task_id)).terminal
    paths = [r["path"].rsplit("/", 1)[-1] for r in await sim.requests() if r["method"] == "POST"]
    assert paths == ["deploy", "quick-update", "restart"]


async def test_a_read_only_key_on_an_action_is_refused_by_the_api(sim: Sim) -> None:
    # OecClient never sends an action with its RO key (it refuses one in the RW slot at
    # construction), so the server's 403 is reached through the session the client uses.
    env_id = await some_env(sim)
    async with httpx.AsyncClient(transport=sim.transport) as http:
        session = ApiSession(
            http=http,
            clock=sim.clock,
            limiter=RateLimiter(sim.clock),
            timeout=5.0,
            max_attempts=4,
            max_retry_wait=120.0,
        )
        call = Call(
            method="POST",
            url=f"{BASE}/environments/{env_id}/deploy",
            endpoint="POST /environments/{env_id}/deploy",
            key=parse_key(SecretStr(RO), slot=KeySlot.RO),
            budgets=(Budget.WRITE,),
            retry_safe=True,
            headers={"Idempotency-Key": "intent-ro"},
        )
        with pytest.raises(OecReadOnlyKey) as info:
            await session.send(call)
    assert info.value.status == 403
    assert info.value.code == "read_only_key"
    assert len([r for r in await sim.requests() if r["method"] == "POST"]) == 1


async def test_rate_limit_faults_are_waited_out(sim: Sim) -> None:
    await sim.faults(force_429=1)  # at a full minute: Retry-After 60
    assert len(await sim.client.list_projects()) == 2
    assert sim.clock.slept == [60.0]
    # Without headers the body's retry_after (whole seconds to the next minute) is next in line.
    await sim.faults(force_429=1, bare_429=True)
    sim.clock.advance(15)
    assert len(await sim.client.list_servers()) >= 1
    assert sim.clock.slept == [60.0, 45.0]
    statuses = [r["status"] for r in await sim.requests()]
    assert statuses == [429, 200, 429, 200]


async def test_server_errors_are_retried_on_gets_only(sim: Sim) -> None:
    await sim.faults(error_next=2)
    assert (await sim.client.get_org())["slug"] == "northwind"
    hook = await sim.client.create_webhook(
        url=f"http://127.0.0.1:{free_port()}/hook",
        events=["deploy.completed"],
        idempotency_key="intent-hook",
    )
    await sim.faults(error_next=1)
    with pytest.raises(OecServerError):
        await sim.client.test_webhook(hook.id)
    tests = [r for r in await sim.requests() if r["path"].endswith("/test")]
    assert len(tests) == 1


async def test_webhook_lifecycle(sim: Sim) -> None:
    url = f"http://127.0.0.1:{free_port()}/hook"  # nothing listens: the ping fails, on loopback
    first = await sim.client.create_webhook(
        url=url,
        events=["deploy.completed", "deploy.failed"],
        description="bot",
        idempotency_key="h-1",
    )
    again = await sim.client.create_webhook(
        url=url,
        events=["deploy.completed", "deploy.failed"],
        description="bot",
        idempotency_key="h-1",
    )
    assert again.id == first.id
    assert first.secret is not None
    assert [w.id for w in await sim.client.list_webhooks()] == [first.id]
    assert (await sim.client.get_webhook(first.id)).description == "bot"
    result = await sim.client.test_webhook(first.id)
    assert result.success is False
    await sim.client.delete_webhook(first.id)
    with pytest.raises(OecNotFound):
        await sim.client.get_webhook(first.id)
    posts = [r for r in await sim.requests() if r["path"].endswith("/webhooks")]
    assert {
        (r["x_idempotency_key"], r["idempotency_key"]) for r in posts if r["method"] == "POST"
    } == {("h-1", None)}


async def test_validation_and_unknown_ids(sim: Sim) -> None:
    with pytest.raises(OecNotFound) as missing:
        await sim.client.get_environment("00000000-0000-4000-8000-000000000000")
    assert missing.value.endpoint == "GET /environments/{env_id}"
    with pytest.raises(OecValidationError) as malformed:
        await sim.client.get_environment("not-a-uuid")
    assert malformed.value.status == 422
    assert malformed.value.fields[0]["field"] == "env_id"
    with pytest.raises(OecValidationError) as info:
        await sim.client.create_webhook(
            url="ftp://nope", events=["deploy.completed"], idempotency_key="h-bad"
        )
    assert info.value.fields


async def test_probe_reports_both_tiers(sim: Sim) -> None:
    reports = await sim.client.probe()
    assert [(r.slot, r.tier.value, r.ok) for r in reports] == [
        (KeySlot.RW, "full_access", True),
        (KeySlot.RO, "read_only", True),
    ]
    assert all(r.rate_limit and r.rate_window for r in reports)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port
