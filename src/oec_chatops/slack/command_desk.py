"""`CommandDesk`: what the `/oec` path (listener, queue, answers) uses, and nothing more.

The listener, the queue and the answer helpers take the desk instead of the whole container:
the clock, the store (commands table, audit), the Slack client (its proxy and TLS settings for
response_url POSTs), the runner, the command service and the queue. `QueueHandle` is the
queue as they see it, so that this module imports none of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from oec_chatops.clock import Clock
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


@dataclass(frozen=True, slots=True)
class CommandDesk:
    clock: Clock
    store: Store
    slack: AsyncWebClient
    runner: Runner
    service: CommandService
    queue: QueueHandle
