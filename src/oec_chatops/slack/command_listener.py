"""The `/oec` slash-command listener: store the command, ack at once, run it, answer later.

Slack waits 3 s for the ack and oec.sh may take longer, so before the ack a command is only
written to the database (one small INSERT, group-committed with the other commands of the same
turn of the event loop: WAL, no fsync at commit, durable across a crash of the process) and
queued; the rest answers through `response_url` (`command_answer`). Both
doors take this path: HTTP on `ChatopsApp`'s short path, and Socket Mode, whose envelopes
Bolt dispatches through the same app (as a plain Bolt listener, `process_before_response=True`
sends the ack only once the listener returned, so after the INSERT there too).

A command whose row cannot be written is not run: the user is told so at its response_url.
A second delivery of the same command (same response_url: a Socket Mode redelivery, or a
replay of a signed request within its five minutes) is acked and not run again.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from oec_chatops.context import new_request_id, request_id_var, wait_notice_var
from oec_chatops.services.types import Invocation
from oec_chatops.slack import blocks
from oec_chatops.slack import command_answer as answers
from oec_chatops.slack.command_answer import NOTE_AFTER, Pending
from oec_chatops.store.dbapi import DatabaseError

if TYPE_CHECKING:
    from oec_chatops.slack.command_desk import CommandDesk, QueueHandle

log = logging.getLogger(__name__)

HOLDS = {"budget", "rate_limited"}  # waits that hold every command behind this one too
RATE_LIMITED_NOTE_AFTER = 1.0  # a 429 is always news, as it has been


async def run(c: CommandDesk, p: Pending, queue: QueueHandle) -> None:
    """One command, from its worker: answers through its response_url, never raises."""
    request_id_var.set(p.request_id)
    c = c.scoped(p.inv.channel_id)  # a multi-workspace install: the channel's workspace

    def on_wait(reason: str, seconds: float) -> None:
        if seconds < (RATE_LIMITED_NOTE_AFTER if reason == "rate_limited" else NOTE_AFTER):
            return
        if reason in HOLDS:
            queue.held(c, seconds)
        text = answers.wait_text(reason, seconds)
        if text is not None:
            queue.note_soon(c, p, reason, text)

    wait_notice_var.set(on_wait)
    if p.answer is not None:
        await answers.resend(c, p)
        return
    await c.store.write(lambda r: r.commands.start(p.request_id, c.clock.time()))
    log.info(
        "command.resumed" if p.resumed_from else "command.received",
        extra={
            "user": p.inv.user_id,
            "channel": p.inv.channel_id,
            "verb": p.verb,
            "state": p.resumed_from,
        },
    )

    async def reply(message: dict[str, Any]) -> None:
        await answers.final(c, p, message)

    await c.service.handle(p.inv, reply)
    if p.finished:
        return
    if p.uses > 0:
        # A successful action answers with its channel message; the note shown must not stay.
        said = "/oec " + p.inv.text.replace("`", "'")
        await answers.final(c, p, blocks.render_notice(answers.DONE_IN_CHANNEL.format(said=said)))
    else:
        await answers.finish_silently(c, p, "in_channel")


def invocation(form: dict[str, Any]) -> Invocation:
    """The command in Slack's slash-command form."""
    return Invocation(
        user_id=form.get("user_id", "") or "",
        channel_id=form.get("channel_id", "") or "",
        text=form.get("text", "") or "",
        trigger_id=form.get("trigger_id", "") or "",
        user_name=form.get("user_name", "") or "",
    )


async def accept(c: CommandDesk, form: dict[str, Any]) -> None:
    """Store the command and queue it; quick, never raises (the ack waits for it).

    The INSERT is group-committed (`store.write`): the commands acked in one turn of the event
    loop share one commit, and each ack leaves only once that commit is done."""
    p = Pending(
        invocation(form),
        response_url=str(form.get("response_url", "") or ""),
        request_id=new_request_id(),
        received_at=c.clock.time(),
    )
    request_id_var.set(p.request_id)
    if not p.response_url:
        log.warning("command.no_response_url", extra={"verb": p.verb})
        return
    try:
        fresh = await c.store.write(
            lambda r: r.commands.accept(
                request_id=p.request_id,
                response_url=p.response_url,
                user_id=p.inv.user_id,
                user_name=p.inv.user_name,
                channel_id=p.inv.channel_id,
                text=p.inv.text,
                trigger_id=p.inv.trigger_id,
                now=p.received_at,
            )
        )
    except DatabaseError as exc:
        log.error("command.not_stored", extra={"verb": p.verb, "error": type(exc).__name__})
        c.runner.spawn(_not_stored(c, p), name="oec-not-stored")
        return
    if not fresh:
        log.warning("command.duplicate", extra={"verb": p.verb})
        return
    c.queue.put(c, p)


async def _not_stored(c: CommandDesk, p: Pending) -> None:
    p.finished = True
    await answers.post_once(
        c,
        p,
        blocks.render_error(
            "The bot could not record your command (its database is failing), so it was not "
            "run. Please try again in a minute.",
            request_id=p.request_id,
        ),
    )


def register_commands(app: AsyncApp, c: CommandDesk) -> None:
    """`/oec` on the app's short path when it has one (`ChatopsApp`), else as a Bolt listener."""

    async def take(form: dict[str, Any]) -> None:
        await accept(c, form)

    take_command = getattr(app, "take_command", None)
    if take_command is not None:
        take_command("/oec", take)

    @app.command("/oec")
    async def on_oec(ack: AsyncAck, body: dict[str, Any]) -> None:
        await take(body)  # stored first: the ack promises an answer
        await ack()
