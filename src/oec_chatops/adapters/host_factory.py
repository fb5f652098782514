"""Adapters for the configured hosts: one `Platform` per platforms-file entry, by kind.

Only the wiring builds them (container.py); the services see the one `Platform` it hands them
(the oec.sh client alone, or `hosts.Hosts` over several). Each adapter is built from its entry
with the adapter's PUBLIC constructor, so the adapters' internals stay theirs.
`configured_platforms` turns the settings into them; `operations_by_host` and `backup_hosts`
say which of them offer Odoo operations and keep backups, by host name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
from pydantic import SecretStr

from oec_chatops.backup_host import BackupHost
from oec_chatops.clock import Clock
from oec_chatops.config import Settings
from oec_chatops.deployerp import DerpClient, DerpPlatform, DerpSettings
from oec_chatops.deployerp.backups import DerpBackups
from oec_chatops.hosts import LEGACY_NAME, Host, Hosts
from oec_chatops.ocore import (
    OcoreAdapter,
    OcoreClient,
    OcoreEnvironmentStatus,
    OcoreSettings,
    format_health_score,
)
from oec_chatops.oec.backup_host import OecBackups
from oec_chatops.oec.client import OecClient
from oec_chatops.oec.operations import Operations
from oec_chatops.platform import DetailedStatus, Platform
from oec_chatops.platforms import PlatformSecrets


class OcoreHost(OcoreAdapter):
    """oCore with its health and health score in words on every status (`DetailedStatus`), so
    the Slack rendering, which must not know oCore, shows them like any host's details."""

    async def get_environment_status(self, env_id: str) -> OcoreEnvironmentStatus:
        status = await super().get_environment_status(env_id)
        return _detailed(status)


def health_lines(status: OcoreEnvironmentStatus) -> list[str]:
    """Status message, last seen, then the health score (grade, score, weakest factors)."""
    lines = [status.status_message] if status.status_message else []
    if status.last_seen_at is not None:
        lines.append(f"Last seen {status.last_seen_at.strftime('%Y-%m-%d %H:%M UTC')}")
    if status.health_score is not None:
        lines.extend(format_health_score(status.health_score))
    else:
        lines.append("Health score: oCore could not give one right now.")
    return lines


class _OcoreDetailed(OcoreEnvironmentStatus, DetailedStatus):
    """Both: the typed oCore fields, and the lines any renderer can show."""


def _detailed(status: OcoreEnvironmentStatus) -> _OcoreDetailed:
    # Construct, not validate: the fields are already oCore's validated values.
    return _OcoreDetailed.model_construct(**dict(status), details=health_lines(status))


DISPLAY = {"oec": "oec.sh", "ocore": "oCore", "deployerp": "deployERP"}


@dataclass(frozen=True, slots=True)
class BuiltHost:
    """A host and how to close what it opened."""

    host: Host
    close: Callable[[], Awaitable[None]]
    oec: OecClient | None = None  # set for oec.sh hosts: readiness and `check` probe it


def display_name(secrets: PlatformSecrets, *, several: bool) -> str:
    """`deployERP (derp)` when several hosts are configured, so errors say which one."""
    kind = DISPLAY[secrets.entry.kind]
    return f"{kind} ({secrets.entry.name})" if several else kind


def build_host(
    secrets: PlatformSecrets,
    *,
    clock: Clock,
    several: bool,
    oec_client: Callable[[PlatformSecrets], OecClient],
    transport: httpx.AsyncBaseTransport | None = None,
) -> BuiltHost:
    """The adapter for one entry. `oec_client` builds oec.sh clients (the container's hooks)."""
    entry = secrets.entry
    display = display_name(secrets, several=several)
    if entry.kind == "ocore":
        settings = OcoreSettings(servers=dict(entry.servers))
        http = httpx.AsyncClient(follow_redirects=False, transport=transport)
        client = OcoreClient.create(
            entry.url or "https://api.ocore.dev/api",
            SecretStr(secrets.key),
            settings=settings,
            clock=clock,
            http=http,
        )

        async def close_ocore() -> None:
            await client.aclose()
            await http.aclose()

        return BuiltHost(
            Host(entry.name, display, OcoreHost(client, clock=clock, settings=settings)),
            close_ocore,
        )
    if entry.kind == "deployerp":
        derp = DerpClient(
            key=SecretStr(secrets.key),
            settings=DerpSettings(base_url=entry.url) if entry.url else DerpSettings(),
            clock=clock,
            transport=transport,
        )
        return BuiltHost(Host(entry.name, display, DerpPlatform(derp)), derp.aclose)
    oec = oec_client(secrets)
    return BuiltHost(Host(entry.name, display, oec), oec.aclose, oec)


def operations_by_host(
    oec: OecClient | None, built: tuple[BuiltHost, ...]
) -> dict[str, Operations]:
    """Quick updates, backups, metrics and live logs per host name: only oec.sh hosts offer
    them. A single platform (no `Hosts`) has the one client, under the name its bare ids
    belong to."""
    if not built:
        return {LEGACY_NAME: oec.ops} if oec is not None else {}
    return {b.host.name: b.oec.ops for b in built if b.oec is not None}


def backup_hosts(oec: OecClient | None, built: tuple[BuiltHost, ...]) -> dict[str, BackupHost]:
    """The hosts that keep backups, by host name: oec.sh and deployERP; oCore keeps none."""
    if not built:
        return {LEGACY_NAME: OecBackups(oec.ops)} if oec is not None else {}
    found: dict[str, BackupHost] = {}
    for b in built:
        if b.oec is not None:
            found[b.host.name] = OecBackups(b.oec.ops)
        elif isinstance(b.host.platform, DerpPlatform):
            found[b.host.name] = DerpBackups(b.host.platform)
    return found


def configured_platforms(
    settings: Settings, *, clock: Clock, oec_client: Callable[[PlatformSecrets | None], OecClient]
) -> tuple[OecClient | None, Platform, Hosts | None, tuple[BuiltHost, ...]]:
    """The oec.sh client (readiness probes it; None when no oec.sh platform is configured),
    the `Platform` the services get, and, with several hosts, the composite and every host's adapter.

    A single oec.sh platform (the OEC_API_* variables, or a platforms file with one oec entry)
    is the client itself, unprefixed, exactly as before the platforms file existed. Anything
    else goes through `Hosts`, so every id carries its host's name.
    """
    entries = settings.platforms()
    if len(entries) == 1 and entries[0].entry.kind == "oec":
        oec = oec_client(entries[0])
        return oec, oec, None, ()
    if not entries:  # the demo before it is configured, or a bot refusing to start anyway
        oec = oec_client(None)
        return oec, oec, None, ()
    built = tuple(
        build_host(e, clock=clock, several=len(entries) > 1, oec_client=oec_client) for e in entries
    )
    hosts = Hosts([b.host for b in built])
    return next((b.oec for b in built if b.oec is not None), None), hosts, hosts, built
