"""The oCore simulator on its own: JWTs, permissions, moving statuses, faults, control routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from oec_chatops.clock import ManualClock
from oec_chatops.ocore_sim import (
    MANAGE,
    READ,
    OcoreSimSettings,
    build_ocore_sim_app,
    mint_token,
)
from tests.support.ocore_helpers import CRM_DEV, FULL_TOKEN, READ_TOKEN, SHOP_PROD
from tests.support.sim_helpers import asgi_client

FULL = {"Authorization": f"Bearer {FULL_TOKEN}"}
READER = {"Authorization": f"Bearer {READ_TOKEN}"}


@dataclass
class Sim:
    client: httpx.AsyncClient
    clock: ManualClock
    expired_token: str

    async def status(self, instance_id: str) -> tuple[str, str]:
        r = await self.client.get(f"/api/instances/{instance_id}/health", headers=FULL)
        return r.json()["status"], r.json()["statusMessage"]

    async def control(self, instance_id: str, action: str) -> httpx.Response:
        return await self.client.post(
            f"/api/instances/{instance_id}/control", headers=FULL, json={"action": action}
        )


@pytest.fixture
async def sim() -> AsyncIterator[Sim]:
    clock = ManualClock()
    expired = mint_token(subject="old", permissions=(READ,), expires_at=clock.time() - 1)
    settings = OcoreSimSettings(tokens=(FULL_TOKEN, READ_TOKEN, expired))
    async with asgi_client(build_ocore_sim_app(settings, clock=clock)) as client:
        yield Sim(client, clock, expired)


async def test_restart_moves_through_restarting_back_to_running(sim: Sim) -> None:
    r = await sim.control(SHOP_PROD, "restart")
    assert (r.status_code, r.json()) == (202, {"message": "Instance restart initiated"})
    assert await sim.status(SHOP_PROD) == ("restarting", "Restarting Odoo")
    sim.clock.advance(5.9)
    assert (await sim.status(SHOP_PROD))[0] == "restarting"
    sim.clock.advance(0.1)
    assert await sim.status(SHOP_PROD) == ("running", "Odoo is running")
    body = (await sim.client.get(f"/api/instances/{SHOP_PROD}", headers=FULL)).json()
    assert body["restartCount"] == 4
    assert body["lastRestartAt"] == "2026-01-01T00:00:00Z"


async def test_stop_then_start_and_the_409s(sim: Sim) -> None:
    assert (await sim.control(SHOP_PROD, "start")).status_code == 409  # already running
    assert (await sim.control(SHOP_PROD, "stop")).status_code == 202
    busy = await sim.control(SHOP_PROD, "restart")
    assert (busy.status_code, busy.json()["error"]) == (409, "conflict")
    sim.clock.advance(3)
    assert (await sim.status(SHOP_PROD))[0] == "stopped"
    assert (await sim.control(SHOP_PROD, "restart")).status_code == 409  # stopped: start it
    assert (await sim.control(SHOP_PROD, "start")).status_code == 202
    sim.clock.advance(4)
    assert (await sim.status(SHOP_PROD))[0] == "running"


async def test_tokens_wrong_missing_expired_or_tampered_are_401(sim: Sim) -> None:
    header, payload, signature = FULL_TOKEN.split(".")
    tampered = f"{header}.{payload}x.{signature}"
    expired = sim.expired_token
    for auth in (None, "Bearer nope", f"Bearer {tampered}", f"Bearer {expired}", FULL_TOKEN):
        headers = {"Authorization": auth} if auth else {}
        r = await sim.client.get("/api/instances", headers=headers)
        assert r.status_code == 401, auth
        assert r.json()["error"] == "unauthorized"


async def test_control_needs_manage_instances_reading_does_not(sim: Sim) -> None:
    assert (await sim.client.get("/api/instances", headers=READER)).status_code == 200
    r = await sim.client.post(
        f"/api/instances/{CRM_DEV}/control", headers=READER, json={"action": "start"}
    )
    assert (r.status_code, r.json()) == (
        403,
        {"error": "forbidden", "message": f"Missing permission: {MANAGE}"},
    )


async def test_bad_bodies_and_unknown_instances(sim: Sim) -> None:
    assert (await sim.control(SHOP_PROD, "deploy")).status_code == 422
    r = await sim.client.post(f"/api/instances/{SHOP_PROD}/control", headers=FULL, content=b"{")
    assert r.status_code == 400
    assert (await sim.control("missing", "start")).status_code == 404
    filtered = await sim.client.get("/api/instances", headers=FULL, params={"server_id": "none"})
    assert filtered.json() == {"instances": [], "total": 0}


async def test_faults_and_reset(sim: Sim) -> None:
    r = await sim.client.post("/_sim/faults", json={"force_429": 1, "retry_after": 9})
    assert r.json()["force_429"] == 1
    limited = await sim.client.get("/api/instances", headers=FULL)
    assert (limited.status_code, limited.headers["retry-after"]) == (429, "9")
    assert (await sim.client.post("/_sim/faults", json={"nope": 1})).status_code == 400
    assert (await sim.client.post("/_sim/faults", json={"error_next": -1})).status_code == 400
    await sim.client.post("/_sim/faults", json={"plain_text_errors": True})
    text = await sim.client.get("/api/instances/missing", headers=FULL)
    assert (text.status_code, text.text) == (404, "Instance not found")
    await sim.control(SHOP_PROD, "stop")
    reset = await sim.client.post("/_sim/reset", json={"reseed": True})
    assert reset.json() == {"ok": True, "reseeded": True}
    assert (await sim.status(SHOP_PROD))[0] == "running"
    assert (await sim.client.get("/_sim/requests")).json()["requests"][-1]["status"] == 200


def test_settings_refuse_tokens_the_simulator_did_not_sign() -> None:
    foreign = mint_token(subject="x", permissions=(MANAGE,), secret="another-secret")
    with pytest.raises(ValueError, match=r"tokens\[0\]"):
        OcoreSimSettings(tokens=(foreign,))
    assert FULL_TOKEN not in repr(OcoreSimSettings(tokens=(FULL_TOKEN,)))
