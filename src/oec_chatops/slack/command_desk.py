"""`CommandDesk`: what the `/oec` path (listener, queue, answers) uses, and nothing more.

The listener, the queue and the answer helpers take the desk instead of the whole container:
the clock, the store (commands table, audit), the Slack client (its proxy and TLS settings for
response_url POSTs), the runner, the command service and the queue. `QueueHandle` is the
queue as they see it, so that this module imports none of them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from oec_chatops.clock import Clock
from oec_chatops.context import team_id_var
from oec_chatops.services.commands import CommandService
from oec_chatops.services.runner import Runner
from oec_chatops.slack.pending import Pending
from oec_chatops.store import Store


class QueueHandle(Protocol):
    """The command queue (`slack.command_queue.CommandQueue`) as the commands see it."""

    def http(self) -> aiohttp.ClientSession: ...

    def put(self, c: CommandDesk, p: Pending) -> None: ...

    def note_soon(self, c: CommandDesk, p: Pending, kind: str, text: str) -> None: ...

    def held(self, c: CommandDesk, seconds: float) -> None: ...


class TeamServices(Protocol):
    """A multi-workspace install: a channel's workspace, and the command service under that
    workspace's policy (`adapters.team_services`)."""

    def service_for(self, channel_id: str) -> tuple[str, CommandService]: ...


@dataclass(frozen=True, slots=True)
class CommandDesk:
    clock: Clock
    store: Store
    slack: AsyncWebClient
    runner: Runner
    service: CommandService
    queue: QueueHandle
    teams: TeamServices | None = None

    def scoped(self, channel_id: str) -> CommandDesk:
        """The desk of the channel's workspace, entered for the rest of this task
        (`team_id_var`): its token, oec.sh key and policy. Itself in a one-workspace bot."""
        if self.teams is None:
            return self
        team, service = self.teams.service_for(channel_id)
        team_id_var.set(team)
        return replace(self, service=service)
