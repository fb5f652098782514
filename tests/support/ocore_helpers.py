"""The oCore simulator on 127.0.0.1 with the adapter pointed at it, both on one ManualClock.

The adapter's waits (`Retry-After`, backoff, the 3 s polling) advance the shared clock, and the
simulator reads the same clock, so a restart settles without real sleeping.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from oec_chatops.clock import ManualClock
from oec_chatops.ocore import OcoreAdapter, OcoreClient, OcoreSettings
from oec_chatops.ocore_sim import (
    API_PREFIX,
    MANAGE,
    READ,
    SEED_SERVERS,
    OcoreSimSettings,
    OcoreSimState,
    build_ocore_sim_app,
    mint_token,
    seed_id,
)
from tests.support.sim_helpers import serve

FULL_TOKEN = mint_token(subject="bot", permissions=(READ, MANAGE))
READ_TOKEN = mint_token(subject="reader", permissions=(READ,))
# Well-formed and signed, but not configured in the simulator: refused with 401.
UNKNOWN_TOKEN = mint_token(subject="stranger", permissions=(READ, MANAGE))
SHOP_PROD = seed_id("instance/shop-prod")
SHOP_STAGING = seed_id("instance/shop-staging")
CRM_DEV = seed_id("instance/crm-dev")
ERP_BROKEN = seed_id("instance/erp-broken")
REPORTS = seed_id("instance/reports")


@dataclass
class OcoreStack:
    url: str
    clock: ManualClock
    state: OcoreSimState
    admin: httpx.AsyncClient
    adapter: OcoreAdapter
    settings: OcoreSettings
    extra: list[OcoreAdapter] = field(default_factory=list)

    async def faults(self, **changes: Any) -> None:
        r = await self.admin.post("/_sim/faults", json=changes)
        assert r.status_code == 200, r.text

    async def requests(self, method: str | None = None) -> list[dict[str, Any]]:
        r = await self.admin.get("/_sim/requests")
        entries: list[dict[str, Any]] = r.json()["requests"]
        return [e for e in entries if method in (None, e["method"])]

    async def set_status(self, instance_id: str, status: str, message: str = "") -> None:
        r = await self.admin.post(
            f"/_sim/instances/{instance_id}/status",
            json={"status": status, "statusMessage": message},
        )
        assert r.status_code == 200, r.text

    def adapter_with(self, token: str, **settings: Any) -> OcoreAdapter:
        """Another adapter on the same simulator and clock (another token or settings)."""
        adapter = _adapter(self.url, token, self.clock, OcoreSettings(**settings))
        self.extra.append(adapter)
        return adapter


def _adapter(url: str, token: str, clock: ManualClock, settings: OcoreSettings) -> OcoreAdapter:
    client = OcoreClient.create(
        url + API_PREFIX, token, settings=settings, clock=clock, rand=lambda: 0.5
    )
    return OcoreAdapter(client, clock=clock, settings=settings)


@asynccontextmanager
async def ocore_stack(**settings: Any) -> AsyncIterator[OcoreStack]:
    """The simulator (full and read-only tokens configured) and an adapter with the full token."""
    clock = ManualClock()
    sim_settings = OcoreSimSettings(tokens=(FULL_TOKEN, READ_TOKEN))
    app = build_ocore_sim_app(sim_settings, clock=clock)
    adapter_settings = OcoreSettings(**{"servers": SEED_SERVERS, **settings})
    async with serve(app) as url, httpx.AsyncClient(base_url=url) as admin:
        adapter = _adapter(url, FULL_TOKEN, clock, adapter_settings)
        stack = OcoreStack(url, clock, app.state.sim, admin, adapter, adapter_settings)
        try:
            yield stack
        finally:
            for made in (adapter, *stack.extra):
                await made.client.aclose()
