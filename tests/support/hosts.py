"""One bot, three hosts: the oec.sh, oCore and deployERP simulators on loopback, the bot
configured for all three through a platforms file (`OEC_CHATOPS_PLATFORMS`), the fake Slack.

The whole `running_stack` (fake Slack, oec.sh simulator, bot) with the two other simulators
started first, so their URLs go into the platforms file. deployERP's simulator delivers its
signed webhooks for real: to a small forwarder started before it (its webhook URLs are fixed
when it is built), which passes each delivery, headers and bytes untouched, to the bot's
`/webhooks/derp` once the bot is up.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from oec_chatops.deployerp_sim import DerpSimSettings, DerpSimState, build_derp_sim_app
from oec_chatops.entrypoints.demo_hosts import demo_platforms_toml
from oec_chatops.ocore_sim import (
    API_PREFIX,
    OcoreSimSettings,
    OcoreSimState,
    build_ocore_sim_app,
)
from tests.support.derp_helpers import WEBHOOK_SECRET as DERP_SECRET
from tests.support.derp_helpers import WRITE_KEY as DERP_KEY
from tests.support.ocore_helpers import FULL_TOKEN, READ_TOKEN
from tests.support.sim_helpers import serve
from tests.support.stack import Stack, running_stack


@dataclass
class HostsStack:
    """The stack (bot, fake Slack, oec.sh simulator) and the two other simulators."""

    stack: Stack
    ocore_url: str
    ocore: OcoreSimState
    derp_url: str
    derp: DerpSimState
    platforms_file: Path

    async def requests(self, url: str) -> list[dict[str, Any]]:
        """A simulator's request log (`/_sim/requests`)."""
        r = await self.stack.http.get(f"{url}/_sim/requests")
        r.raise_for_status()
        entries: list[dict[str, Any]] = r.json()["requests"]
        return entries

    async def everywhere(self) -> list[dict[str, Any]]:
        """The request logs of all three simulators, oec.sh's first."""
        return [
            *(await self.stack.sim_requests()),
            *(await self.requests(self.ocore_url)),
            *(await self.requests(self.derp_url)),
        ]

    async def faults(self, url: str, **faults: Any) -> None:
        (await self.stack.http.post(f"{url}/_sim/faults", json=faults)).raise_for_status()


def platforms_toml(
    *,
    oec_url: str,
    ocore_url: str,
    derp_url: str,
    names: tuple[str, ...] = ("oec", "ocore", "derp"),
) -> str:
    """The contract's example (CONTRACT.md §1) as the demo writes it, with only `names`."""
    text = demo_platforms_toml(oec_url=oec_url, ocore_url=ocore_url, derp_url=derp_url)
    entries = text.split("[[platform]]")[1:]
    return "".join(f"[[platform]]{e}" for e in entries if e.split('"', 2)[1] in names)


class Forwarder:
    """Passes each POST on to `target` (set once the bot is up), bytes and headers as sent."""

    def __init__(self) -> None:
        self.target: str | None = None
        self.app = Starlette(routes=[Route("/hook", self._hook, methods=["POST"])])

    async def _hook(self, request: Request) -> Response:
        if self.target is None:
            return Response("not yet", status_code=503)  # the simulator retries
        headers = {k: v for k, v in request.headers.items() if k.startswith("webhook-")}
        headers["content-type"] = request.headers.get("content-type", "application/json")
        async with httpx.AsyncClient(timeout=10) as http:
            r = await http.post(self.target, content=await request.body(), headers=headers)
        return Response(r.content, status_code=r.status_code)


@contextlib.asynccontextmanager
async def hosts_stack(
    tmp_path: Path,
    *,
    action_seconds: float = 0.5,
    ocore_token: str = FULL_TOKEN,
    names: tuple[str, ...] = ("oec", "ocore", "derp"),
    **kwargs: Any,
) -> AsyncIterator[HostsStack]:
    """Three simulators, the fake Slack and the bot configured for the three; the bot's oCore
    token is `ocore_token` (the simulator accepts the full one and a read-only one)."""
    forwarder = Forwarder()
    ocore_app = build_ocore_sim_app(
        OcoreSimSettings(
            tokens=(FULL_TOKEN, READ_TOKEN),
            start_seconds=action_seconds,
            stop_seconds=action_seconds,
            restart_seconds=action_seconds,
        )
    )
    async with serve(forwarder.app) as hook_url:
        derp_app = build_derp_sim_app(
            DerpSimSettings(
                write_keys=(DERP_KEY,),
                webhook_urls=(hook_url + "/hook",),
                webhook_secret=DERP_SECRET,
                action_seconds=action_seconds,
                backup_seconds=action_seconds,
                delivery_backoff=0.1,
                extra_instances=120,  # 125 instances: two pages of the adapter's 100
            )
        )
        async with serve(ocore_app) as ocore_url, serve(derp_app) as derp_url:
            path = tmp_path / "platforms.toml"
            environ = {
                "OEC_CHATOPS_PLATFORMS": str(path),
                "OCORE_TOKEN": ocore_token,
                "DEPLOYERP_API_KEY": DERP_KEY,
                "DEPLOYERP_WEBHOOK_SECRET": DERP_SECRET,
                **kwargs.pop("environ", {}),
            }
            written = _PlatformsWriter(path, ocore_url + API_PREFIX, derp_url + "/v1", names)
            async with running_stack(
                tmp_path, environ=environ, prepare=written.write, **kwargs
            ) as stack:
                forwarder.target = f"{stack.bot_url}/webhooks/derp"
                yield HostsStack(
                    stack=stack,
                    ocore_url=ocore_url,
                    ocore=ocore_app.state.sim,
                    derp_url=derp_url,
                    derp=derp_app.state.sim,
                    platforms_file=path,
                )


@dataclass(frozen=True)
class _PlatformsWriter:
    path: Path
    ocore_url: str
    derp_url: str
    names: tuple[str, ...]

    def write(self, sim_url: str) -> None:
        """Written once the oec.sh simulator's URL is known, before the bot reads it."""
        self.path.write_text(
            platforms_toml(
                oec_url=f"{sim_url}/api/public/v1",
                ocore_url=self.ocore_url,
                derp_url=self.derp_url,
                names=self.names,
            ),
            encoding="utf-8",
        )
