"""One acknowledged command's conversation with its user through its `response_url`.

A command may show notes while it waits ("waiting for oec.sh's rate limit budget: about
45 s", "12 commands are ahead of yours", "the bot is restarting") and then gets exactly one
final answer, which replaces the last note: the user is left with one message, the answer.

Slack takes a `response_url` at most 5 times within 30 minutes (RESPONSE_URL_USES,
RESPONSE_URL_LIFETIME). Every POST is counted in the database *before* it leaves, so the count
is never below what Slack saw, even across a crash: notes are only sent while enough uses are
left for the answer, and a POST made after one that may have landed says `replace_original`.

Exactly one final answer, even when a POST's outcome is unknown (timeout, lost connection,
5xx, or the bot killed before it recorded Slack's answer): the answer is stored (state
`answering`) before it is sent, and sending it again always replaces the message the first try
may have shown (`replace_original`), so a repeat changes nothing the user sees. A response_url
has no history to look the first try up in; replacing is what makes the repeat harmless.

A command older than the URL's lifetime is not answered there (Slack would refuse): it is
logged and audited instead, and marked done.
"""

from __future__ import annotations

import contextlib
import logging
import math
from typing import TYPE_CHECKING, Any

import aiohttp
import orjson

from oec_chatops.context import request_id_var
from oec_chatops.domain import ACTION_VERBS, Verb
from oec_chatops.errors import CommandError
from oec_chatops.services.types import Invocation
from oec_chatops.slack import blocks, grammar
from oec_chatops.slack.grammar.text import quote as grammar_quote
from oec_chatops.slack.pending import Pending

if TYPE_CHECKING:
    from oec_chatops.slack.command_desk import CommandDesk

__all__ = ["Pending"]  # re-exported: the queue and the listener take it from here

log = logging.getLogger("oec_chatops.slack.command_listener")

RESPONSE_URL_LIFETIME = 30 * 60.0
RESPONSE_URL_USES = 5
EXPIRY_MARGIN = 15.0
"""Seconds before the URL's end when the bot stops trying it: a POST must arrive in time."""

NOTE_AFTER = 2.0
"""A command expected to wait this long (seconds) or longer says so at once."""

MAX_NOTE_USES = 2  # notes while waiting: the URL keeps 3 for a restart note and the answer
MAX_RESTART_NOTE_USES = 3  # a restart note still leaves 2: the answer and one repeat of it
POST_TIMEOUT = 10.0
NOTE_EMOJI = ":stopwatch:"
"""Every note starts with it (and no answer does), so a note is told apart at a glance."""
_JSON = {"Content-Type": "application/json; charset=utf-8"}
ANSWER_ATTEMPTS = 3


# -- what the notes say (pure) -----------------------------------------------------------------


def wait_text(reason: str, seconds: float) -> str | None:
    """The note for a wait of `seconds` for `reason` (a `notify_wait` reason), or None."""
    s = math.ceil(seconds)
    if reason == "budget":
        return f"Waiting for oec.sh's rate limit budget: about {s} s."
    if reason == "rate_limited":
        return f"oec.sh is rate limiting us; retrying in {s} s."
    if reason in {"server_error", "timeout", "connection_error"}:
        return f"oec.sh is not answering properly; retrying in {s} s."
    if reason == "concurrent_action":
        return f"oec.sh is still busy with the previous request; retrying in {s} s."
    return None


def queue_text(ahead: int, seconds: float) -> str:
    commands = "1 command is" if ahead == 1 else f"{ahead} commands are"
    return f"{commands} ahead of yours; it should run in about {math.ceil(seconds)} s."


def restart_text(inv: Invocation, *, started: bool) -> str:
    said = "/oec " + inv.text.replace("`", "'")
    if started:
        return (
            f"The bot is restarting in the middle of `{said}`; it will finish it when it is "
            "back (an action already sent to oec.sh is not sent twice)."
        )
    return f"The bot is restarting; `{said}` will run when it is back."


WORKING_AFTER = 1.0
"""A command not answered this long (seconds of the clock) after it arrived says what it waits
for, whatever the reason: oec.sh slow, a page walk, a wait nobody announced."""


def working_text(text: str) -> str:
    """The "working on it" note of the command typed as `/oec text`: what it waits for."""
    try:
        cmd = grammar.parse_command(text)
    except CommandError:
        cmd = None
    doing = _doing(cmd) if cmd is not None else None
    if doing is None:
        doing = f"running {grammar_quote('/oec ' + text)}"
    return f"Working on it: {doing}."


def _doing(cmd: grammar.Command) -> str | None:
    target = cmd.env or cmd.target or cmd.project
    shown = grammar_quote(target) if target else None
    if cmd.verb is Verb.STATUS and shown:
        return f"reading {shown}'s status from oec.sh"
    if cmd.verb is Verb.LOGS and shown:
        return f"reading {shown}'s latest log from oec.sh"
    if cmd.verb in ACTION_VERBS and shown:
        return f"sending {cmd.verb.value} {shown} to oec.sh"
    if cmd.verb is Verb.ENVS:
        return (
            f"listing {shown}'s environments on oec.sh"
            if shown
            else ("listing the environments of every project on oec.sh")
        )
    if cmd.verb in {Verb.SUBSCRIBE, Verb.UNSUBSCRIBE} and shown:
        return f"looking {shown} up on oec.sh"
    return {
        Verb.PROJECTS: "listing the projects on oec.sh",
        Verb.HELP: "looking up your environments on oec.sh for an example",
        Verb.WHOAMI: "looking up your Slack user groups",
        Verb.APPROVALS: "reading the approval requests",
        Verb.SUBSCRIPTIONS: "reading this channel's subscriptions",
    }.get(cmd.verb)


def behind_text(previous: Pending) -> str:
    """The note of a command waiting for the same person's previous one (answered in order)."""
    said = grammar_quote("/oec " + previous.inv.text)
    return f"Working on it: your previous command {said} is answered first."


DONE_IN_CHANNEL = "Done: `{said}` was sent to oec.sh; its progress is posted in this channel."


# -- sending -----------------------------------------------------------------------------------


def expired(c: CommandDesk, p: Pending) -> bool:
    """True when Slack would no longer take this command's response_url."""
    return c.clock.time() - p.received_at >= RESPONSE_URL_LIFETIME - EXPIRY_MARGIN


async def note(
    c: CommandDesk, p: Pending, kind: str, text: str, *, limit: int = MAX_NOTE_USES
) -> bool:
    """Show a note (replacing the last one); False when it did not fit or came too late."""
    async with p.lock:
        if p.finished or kind == p.note or p.uses >= limit or expired(c, p):
            return False
        replace = p.uses > 0
        p.uses += 1
        await c.store.write(lambda r: r.commands.count_use(p.request_id, c.clock.time()))
        p.note = kind
        status = await _post(c, p, blocks.render_notice(text, emoji=NOTE_EMOJI), replace)
        return status == 200


async def final(c: CommandDesk, p: Pending, message: dict[str, Any]) -> None:
    """Send the command's one final answer and mark the command done (raises only when the
    database fails: then the command stays unfinished, and the next start sends it)."""
    if p.finished:
        log.warning("command.extra_answer", extra={"request_id": p.request_id})
        return
    p.finished = True  # notes not yet sent are dropped; one being sent holds the lock
    async with p.lock:
        if expired(c, p):
            expire(c, p, state="running")
            return
        replace = p.uses > 0
        p.uses += 1
        p.answer = message
        await c.store.write(lambda r: r.commands.answering(p.request_id, message, c.clock.time()))
        await _deliver(c, p, message, replace=replace)


async def resend(c: CommandDesk, p: Pending) -> None:
    """Send again an answer a previous life stored and may or may not have delivered."""
    assert p.answer is not None
    p.finished = True
    async with p.lock:
        if expired(c, p):
            expire(c, p, state="answering")
            return
        log.info("command.answer_resent", extra={"request_id": p.request_id, "verb": p.verb})
        await _deliver(c, p, p.answer, replace=True)


async def finish_silently(c: CommandDesk, p: Pending, outcome: str) -> None:
    """Done without a response_url answer (an action's answer is its channel message)."""
    p.finished = True
    await c.store.write(lambda r: r.commands.finish(p.request_id, outcome, c.clock.time()))


async def post_once(c: CommandDesk, p: Pending, message: dict[str, Any]) -> None:
    """The one POST for a command the database does not hold (refused before it was stored)."""
    p.uses += 1
    await _post(c, p, message, replace=False)


def expire(c: CommandDesk, p: Pending, *, state: str) -> None:
    """Too late to answer at the response_url: say so in the log and the audit, mark done."""
    p.finished = True
    age = round(c.clock.time() - p.received_at)
    log.warning(
        "command.expired",
        extra={"request_id": p.request_id, "verb": p.verb, "state": state, "age_s": age},
    )
    with c.store.tx():
        c.store.audit.record(
            at=c.clock.time(),
            actor=p.inv.user_id,
            action="command.expired",
            target=p.inv.channel_id,
            result="not_answered",
            detail={"text": p.inv.text, "state": state, "age_s": age},
            request_id=p.request_id,
        )
        c.store.commands.finish(p.request_id, "expired", c.clock.time())


async def _deliver(c: CommandDesk, p: Pending, message: dict[str, Any], *, replace: bool) -> None:
    """POST the answer until Slack takes or refuses it; then the command is done."""
    outcome = "answer_failed"
    for attempt in range(1, ANSWER_ATTEMPTS + 1):
        status = await _post(c, p, message, replace)
        if status == 200:
            outcome = "answered"
            break
        if status is not None and status < 500:
            outcome = "answer_refused"  # used_url, expired_url, invalid_blocks: final
            break
        if attempt == ANSWER_ATTEMPTS or p.uses >= RESPONSE_URL_USES or expired(c, p):
            break
        await c.clock.sleep(float(2 ** (attempt - 1)))
        # It may have landed: the next try replaces it rather than adding a second answer.
        replace = True
        p.uses += 1
        c.store.commands.count_use(p.request_id, c.clock.time())
    await c.store.write(lambda r: r.commands.finish(p.request_id, outcome, c.clock.time()))
    level = logging.INFO if outcome == "answered" else logging.WARNING
    log.log(level, "command.answered", extra={"request_id": p.request_id, "outcome": outcome})


async def _post(c: CommandDesk, p: Pending, message: dict[str, Any], replace: bool) -> int | None:
    """One POST to the response_url: Slack's HTTP status, or None when there was no answer."""
    body: dict[str, Any] = {
        "text": message.get("text", ""),
        "response_type": "ephemeral",
        "replace_original": replace,
    }
    if message.get("blocks"):
        body["blocks"] = message["blocks"]
    extra: dict[str, Any] = {}
    if c.slack.proxy:
        extra["proxy"] = c.slack.proxy
    if c.slack.ssl is not None:
        extra["ssl"] = c.slack.ssl
    token = request_id_var.set(p.request_id)
    try:
        # Plain aiohttp on the queue's keep-alive session: a POST per note, per waiting
        # command, is the hot path of a burst, and slack_sdk's webhook client adds little else.
        async with c.queue.http().post(
            p.response_url, data=orjson.dumps(body), headers=_JSON, **extra
        ) as answer:
            status = answer.status
            said = "" if status == 200 else (await answer.text())[:100]
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        log.warning("command.reply_failed", extra={"error": type(exc).__name__})
        return None
    finally:
        with contextlib.suppress(ValueError):
            request_id_var.reset(token)
    if status != 200:
        log.warning("command.reply_refused", extra={"status": status, "body": said})
    return status
