"""The oec.sh client against the simulator served on 127.0.0.1, for the Odoo-operations tests.

One ManualClock drives both: the client's waits (task polls, its per-environment budget) and
the simulator's tasks, backups and limits, so nothing sleeps for real. `admin` talks to the
simulator's `/_sim/` control routes and to the API directly (for requests the client would
refuse to send, such as a restore without its confirmation header).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import SecretStr

from oec_chatops.clock import ManualClock
from oec_chatops.oec.client import OecClient
from oec_chatops.sim import SimSettings, build_sim_app
from oec_chatops.sim.seed import seed_id
from tests.support.sim_helpers import API, RO_KEY, RW, RW_KEY, serve

STAGING = seed_id("env/acme-shop/staging")
PRODUCTION = seed_id("env/acme-shop/production")
DEVELOPMENT = seed_id("env/acme-shop/development")
UNKNOWN_ENV = "00000000-0000-4000-8000-000000000000"


@dataclass
class OpsSim:
    client: OecClient
    admin: httpx.AsyncClient
    clock: ManualClock
    url: str

    def other_client(self, *, rw_key: str | None = RW_KEY, ro_key: str | None = None) -> OecClient:
        """Another bot (by default on the same key): it shares oec.sh's limits, not this
        client's counts."""
        return OecClient(
            base_url=self.url + API,
            rw_key=SecretStr(rw_key) if rw_key else None,
            ro_key=SecretStr(ro_key) if ro_key else None,
            clock=self.clock,
        )

    async def faults(self, **faults: Any) -> None:
        (await self.admin.post("/_sim/faults", json=faults)).raise_for_status()

    async def requests(self, path_end: str = "", method: str | None = None) -> list[dict[str, Any]]:
        """The API requests the simulator saw, in order, whose path ends with `path_end`."""
        answer = await self.admin.get("/_sim/requests")
        answer.raise_for_status()
        return [
            r
            for r in answer.json()["requests"]
            if r["path"].endswith(path_end) and (method is None or r["method"] == method)
        ]

    async def posts(self, path_end: str) -> list[tuple[str | None, int]]:
        """(Idempotency-Key, status) of each POST whose path ends with `path_end`."""
        return [(r["idempotency_key"], r["status"]) for r in await self.requests(path_end, "POST")]

    async def set_status(self, env_id: str, status: str) -> None:
        r = await self.admin.post(f"/_sim/environments/{env_id}/status", json={"status": status})
        r.raise_for_status()

    async def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A raw API request with the full-access key, bypassing the client's checks."""
        headers = {**RW, **kwargs.pop("headers", {})}
        return await self.admin.request(method, API + path, headers=headers, **kwargs)


@asynccontextmanager
async def ops_sim(**settings: Any) -> AsyncIterator[OpsSim]:
    clock = ManualClock()
    sim_settings = SimSettings(rw_keys=(RW_KEY,), ro_keys=(RO_KEY,), **settings)
    app = build_sim_app(sim_settings, clock=clock)
    async with (
        serve(app) as url,
        httpx.AsyncClient(base_url=url) as admin,
        OecClient(
            base_url=url + API, rw_key=SecretStr(RW_KEY), ro_key=SecretStr(RO_KEY), clock=clock
        ) as client,
    ):
        yield OpsSim(client, admin, clock, url)
