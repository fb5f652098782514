"""The outside world the services are given: the Slack client, the hosting platform(s), and
which hosts offer Odoo operations and keep backups.

Two shapes, chosen once at start-up: one workspace (a bot token, the configured platforms) or a
multi-workspace install, where each of these reads the asking workspace's own token and oec.sh
key on every call (`adapters.team_scope`). The services see the same types either way.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from slack_sdk.web.async_client import AsyncWebClient

from oec_chatops.adapters.host_factory import (
    BuiltHost,
    backup_hosts,
    configured_platforms,
    operations_by_host,
)
from oec_chatops.adapters.team_scope import TeamOperations, TeamPlatform, TeamSlackClient
from oec_chatops.adapters.workspaces import Workspaces
from oec_chatops.backup_host import BackupHost
from oec_chatops.clock import Clock
from oec_chatops.config import Settings
from oec_chatops.hosts import LEGACY_NAME, Hosts
from oec_chatops.oec.backup_host import OecBackups
from oec_chatops.oec.client import OecClient
from oec_chatops.oec.operations import Operations
from oec_chatops.platform import Platform
from oec_chatops.platforms import PlatformSecrets


@dataclass(frozen=True, slots=True)
class Outside:
    """What the wiring hands the services to reach Slack and the hosts."""

    slack: AsyncWebClient
    oec: OecClient | None  # the oec.sh client readiness probes (None: none configured)
    platform: Platform
    hosts: Hosts | None  # several hosts: the composite that routes by `name:` prefix
    built: tuple[BuiltHost, ...]  # every host's adapter, to close on shutdown
    operations: Mapping[str, TeamOperations | Operations]  # quick updates, metrics, live logs
    keepers: Mapping[str, BackupHost]  # the hosts that keep backups


def connect_outside(
    settings: Settings,
    *,
    workspaces: Workspaces | None,
    clock: Clock,
    oec_client: Callable[[PlatformSecrets | None], OecClient],
) -> Outside:
    """One workspace's clients from the settings, or every workspace's through `workspaces`."""
    # The timeout here applies only to sessions slack_sdk opens itself (see `start_workers`).
    timeout = max(1, math.ceil(settings.oec_chatops_slack_timeout))
    if workspaces is not None:  # each workspace's token, key and policy (adapters.team_scope)
        team_ops = TeamOperations(workspaces)
        return Outside(
            slack=TeamSlackClient(
                workspaces=workspaces, base_url=settings.slack_api_url, timeout=timeout
            ),
            oec=None,
            platform=TeamPlatform(workspaces),
            hosts=None,
            built=(),
            operations={LEGACY_NAME: team_ops},
            keepers={LEGACY_NAME: OecBackups(team_ops)},
        )
    oec, platform, hosts, built = configured_platforms(settings, clock=clock, oec_client=oec_client)
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return Outside(
        slack=AsyncWebClient(token=token, base_url=settings.slack_api_url, timeout=timeout),
        oec=oec,
        platform=platform,
        hosts=hosts,
        built=built,
        operations=operations_by_host(oec, built),
        keepers=backup_hosts(oec, built),
    )
