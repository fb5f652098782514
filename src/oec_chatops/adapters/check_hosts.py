"""`oec-chatops check` for a platforms file: one read on each configured host, one line each.

Each host is asked what the bot will ask first (oec.sh: its key probe; oCore: the instance list;
deployERP: the server list), so "ok" means reachable and the key accepted, and the line adds
what the API tells about the key: oec.sh's tier and rate limit, deployERP's hourly budget and
per-minute burst (from its rate-limit headers). oCore's API tells nothing about a token's
permissions until an action is refused, so its line says that `manage:instances` is only
checked by the first start/stop/restart. No line shows a secret.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import SecretStr

from oec_chatops.clock import SystemClock
from oec_chatops.config import Settings
from oec_chatops.deployerp import DerpClient, DerpSettings
from oec_chatops.ocore import OcoreClient, OcoreSettings
from oec_chatops.oec.client import OecClient
from oec_chatops.oec.errors import OecError
from oec_chatops.oec.keys import KeyReport
from oec_chatops.platforms import PlatformSecrets

OK, FAIL = "ok  ", "FAIL"
Line = Callable[[str, str, str], None]
KeyLine = Callable[[KeyReport, Line, str], None]


async def check_hosts(settings: Settings, line: Line, key_line: KeyLine) -> None:
    """One or more lines per platform of the platforms file."""
    for host in settings.platforms():
        what = f"{host.entry.name} ({host.entry.kind})"
        try:
            if host.entry.kind == "oec":
                await _oec(host, settings, line, key_line)
            elif host.entry.kind == "ocore":
                line(OK, what, await _ocore(host))
            else:
                line(OK, what, await _derp(host))
        except OecError as exc:
            line(FAIL, what, str(exc))
        if host.entry.webhook_secret_env:
            line(OK, f"{host.entry.name} webhook secret", f"{host.entry.webhook_secret_env} set")


async def _oec(host: PlatformSecrets, settings: Settings, line: Line, key_line: KeyLine) -> None:
    async with OecClient(
        base_url=host.entry.url or settings.oec_api_url,
        rw_key=SecretStr(host.key),
        ro_key=SecretStr(host.read_key) if host.read_key else None,
    ) as oec:
        for report in await oec.probe():
            key_line(report, line, host.entry.name)


async def _ocore(host: PlatformSecrets) -> str:
    settings = OcoreSettings(servers=dict(host.entry.servers), max_attempts=1)
    url = host.entry.url or "https://api.ocore.dev/api"
    async with OcoreClient.create(
        url, SecretStr(host.key), settings=settings, clock=SystemClock()
    ) as client:
        instances = await client.list_instances()
    return (
        f"reachable, token accepted ({len(instances)} instances visible); "
        "manage:instances is checked by the first start/stop/restart"
    )


async def _derp(host: PlatformSecrets) -> str:
    settings = DerpSettings(base_url=host.entry.url) if host.entry.url else DerpSettings()
    async with DerpClient(key=SecretStr(host.key), settings=settings) as client:
        servers = await client.list_servers()
        hourly = client.hourly_limit
        burst = client.burst_per_minute
    budget = f", {hourly} requests an hour" if hourly is not None else ""
    return f"reachable, key accepted ({len(servers)} servers){budget}, burst {burst} a minute"
