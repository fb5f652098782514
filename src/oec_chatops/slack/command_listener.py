"""The `/oec` slash-command listener: ack at once, run the command in the background, answer later.

Slack waits 3 s for the ack and oec.sh may take longer, so a command is only queued before the
ack (on `ChatopsApp`'s short path; as a plain Bolt listener, with `process_before_response=True`
so that the answer leaves without Bolt's 10 ms ack poll, PERF-NOTES); the rest answers through
`response_url`.

The queue is worked by at most MAX_IN_FLIGHT workers, started when there is work and gone when
there is none. A waiting command is one small record, not a task with its frames and context:
`benchmarks/ack_latency.py` showed both what an unbounded burst does (thousands of requests
parked in httpx's connection pool, which scans its queue on every request) and what thousands
of waiting tasks do (full garbage collections of 100 ms and more, each one an ack delayed).
"""

from __future__ import annotations

import logging
import math
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiohttp
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from oec_chatops.context import new_request_id, request_id_var, retry_notice_var
from oec_chatops.services import commands
from oec_chatops.slack import blocks

if TYPE_CHECKING:
    from oec_chatops.container import Container

log = logging.getLogger(__name__)

MAX_IN_FLIGHT = 32
"""Commands worked on at once; the others wait their turn, in order of arrival.

Each holds an oec.sh call (hundreds of ms) and then a Slack post. oec.sh allows a key 120
reads a minute, so more at once would only wait somewhere else.
"""


@dataclass(frozen=True, slots=True)
class Queued:
    """A command acked and waiting for a worker: what Slack sent, and where to answer."""

    inv: commands.Invocation
    response_url: str
    request_id: str


class CommandQueue:
    """Commands in arrival order, worked on by up to `workers` background tasks."""

    def __init__(self, c: Container, *, workers: int = MAX_IN_FLIGHT) -> None:
        self._c = c
        self._max = workers
        self._workers = 0
        self._waiting: deque[Queued] = deque()

    def put(self, item: Queued) -> None:
        self._waiting.append(item)
        if self._workers < self._max:
            self._workers += 1
            self._c.runner.spawn(self._work(), name="oec-commands")

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    async def _work(self) -> None:
        try:
            while self._waiting:
                item = self._waiting.popleft()
                try:
                    await run(self._c, item)
                except Exception:
                    # `run` answers every failure itself; if that ever fails, the commands
                    # queued behind this one must still be worked on.
                    log.exception("command.worker_error", extra={"request_id": item.request_id})
        finally:
            self._workers -= 1


async def run(c: Container, item: Queued) -> None:
    """One command, from its worker: answers through its response_url, never raises."""
    inv = item.inv
    respond = AsyncRespond(response_url=item.response_url, proxy=c.slack.proxy, ssl=c.slack.ssl)
    told = False

    async def reply(message: dict[str, Any]) -> None:
        # Slack unreachable is the one thing a reply cannot report: it goes to the log.
        try:
            answer = await respond(
                text=message.get("text", ""),
                blocks=message.get("blocks"),
                response_type="ephemeral",
                replace_original=False,
            )
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            log.warning("command.reply_failed", extra={"error": type(exc).__name__})
            return
        if answer.status_code != 200:
            log.warning(
                "command.reply_refused",
                extra={"status": answer.status_code, "body": (answer.body or "")[:100]},
            )

    async def notice(reason: str, wait: float) -> None:
        nonlocal told
        if reason == "rate_limited" and not told and wait >= 1:
            told = True
            await reply(
                blocks.render_notice(
                    f"oec.sh is rate limiting us; retrying in {math.ceil(wait)} s."
                )
            )

    request_id_var.set(item.request_id)
    retry_notice_var.set(notice)
    log.info(
        "command.received",
        extra={"user": inv.user_id, "channel": inv.channel_id, "verb": inv.text.split(" ", 1)[0]},
    )
    await commands.handle(c, inv, reply)


def invocation(form: dict[str, Any]) -> commands.Invocation:
    """The command in Slack's slash-command form."""
    return commands.Invocation(
        user_id=form.get("user_id", ""),
        channel_id=form.get("channel_id", ""),
        text=form.get("text", "") or "",
        trigger_id=form.get("trigger_id", "") or "",
        user_name=form.get("user_name", "") or "",
    )


def register_commands(app: AsyncApp, c: Container) -> None:
    """`/oec` on the app's short path when it has one (`ChatopsApp`), else as a Bolt listener."""
    queue = CommandQueue(c)

    def accept(form: dict[str, Any]) -> None:
        queue.put(Queued(invocation(form), form.get("response_url", "") or "", new_request_id()))

    take_command = getattr(app, "take_command", None)
    if take_command is not None:
        take_command("/oec", accept)

    @app.command("/oec")
    async def on_oec(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        accept(body)
