"""The `/oec` slash-command listener: ack at once, run the command in the background, answer later.

Slack waits 3 s for the ack and oec.sh may take longer, so every listener acks first (with
`process_before_response=True` the HTTP answer leaves as soon as the listener returns, without
Bolt's 10 ms ack poll; PERF-NOTES) and the rest runs as a background task that answers through
`response_url` or the Web API.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from oec_chatops.context import new_request_id, request_id_var, retry_notice_var
from oec_chatops.services import commands
from oec_chatops.slack import blocks

if TYPE_CHECKING:
    from oec_chatops.container import Container

log = logging.getLogger(__name__)


def register_commands(app: AsyncApp, c: Container) -> None:
    @app.command("/oec")
    async def on_oec(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        inv = commands.Invocation(
            user_id=body.get("user_id", ""),
            channel_id=body.get("channel_id", ""),
            text=body.get("text", "") or "",
            trigger_id=body.get("trigger_id", "") or "",
            user_name=body.get("user_name", "") or "",
        )
        rid = new_request_id()
        told = False

        async def reply(message: dict[str, Any]) -> None:
            await respond(
                text=message.get("text", ""),
                blocks=message.get("blocks"),
                response_type="ephemeral",
                replace_original=False,
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

        async def work() -> None:
            request_id_var.set(rid)
            retry_notice_var.set(notice)
            log.info(
                "command.received",
                extra={
                    "user": inv.user_id,
                    "channel": inv.channel_id,
                    "verb": inv.text.split(" ", 1)[0],
                },
            )
            await commands.handle(c, inv, reply)

        c.runner.spawn(work(), name="oec-command")
