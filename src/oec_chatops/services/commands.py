"""`/oec ...` from parse to answer: the one entry point the Bolt handler calls after its ack.

Parse (pure grammar) → who is asking (policy, pure) → dispatch. Queries answer ephemerally
through `reply`; actions go to `actions` (or to an approval request for protected
environments); every denial and every action lands in the audit table.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from oec_chatops import policy
from oec_chatops.context import request_id_var
from oec_chatops.domain import ACTION_VERBS, ApprovalState, Verb
from oec_chatops.errors import CommandError
from oec_chatops.oec.errors import OecError
from oec_chatops.services import actions, subscriptions
from oec_chatops.services.explain import explain
from oec_chatops.slack import blocks, grammar

if TYPE_CHECKING:
    from oec_chatops.container import Container

log = logging.getLogger(__name__)

Reply = Callable[[dict[str, Any]], Awaitable[None]]
DEFAULT_LOG_LINES = 40


@dataclass(frozen=True, slots=True)
class Invocation:
    """One slash command as Slack sent it."""

    user_id: str
    channel_id: str
    text: str
    trigger_id: str = ""
    user_name: str = ""


async def handle(c: Container, inv: Invocation, reply: Reply) -> None:
    """Run one `/oec` command and answer it; never raises."""
    verb_label = "unknown"
    try:
        cmd = grammar.parse_command(inv.text)
        verb_label = cmd.verb.value
        groups = await c.directory.groups_of(inv.user_id)
        decision = policy.authorize(c.policy, inv.user_id, groups, cmd.verb)
        if not decision.allowed:
            c.store.audit.record(
                at=c.clock.time(),
                actor=inv.user_id,
                action=f"command.{cmd.verb.value}",
                target=cmd.env or cmd.target or cmd.project,
                result="denied",
                detail={"role": decision.role.value, "required": decision.required.value},
                request_id=request_id_var.get(),
            )
            c.metrics.commands.labels(verb_label, "denied").inc()
            await reply(blocks.render_denied(decision))
            return
        await _dispatch(c, inv, cmd, groups, reply)
        c.metrics.commands.labels(verb_label, "ok").inc()
    except CommandError as exc:
        c.metrics.commands.labels(verb_label, "bad_input").inc()
        await reply(blocks.render_error(str(exc), hint=exc.hint or None))
    except OecError as exc:
        c.metrics.commands.labels(verb_label, "api_error").inc()
        rid = request_id_var.get()
        log.warning("command.api_error", extra={"verb": verb_label, "error": type(exc).__name__})
        e = explain(exc, request_id=rid)
        await reply(blocks.render_error(e.message, hint=e.hint))
    except Exception:
        c.metrics.commands.labels(verb_label, "crash").inc()
        rid = request_id_var.get()
        log.exception("command.crashed", extra={"verb": verb_label})
        await reply(
            blocks.render_error(
                "Something went wrong in the bot while running that command.", request_id=rid
            )
        )


async def _dispatch(
    c: Container, inv: Invocation, cmd: grammar.Command, groups: frozenset[str], reply: Reply
) -> None:
    verb = cmd.verb
    if verb is Verb.HELP:
        visible = set(policy.visible_verbs(c.policy, inv.user_id, groups))
        if cmd.topic is not None and cmd.topic in visible:
            await reply(blocks.render_help([grammar.VERB_SPECS[cmd.topic]], detailed=True))
        else:
            entries = [grammar.VERB_SPECS[v] for v in Verb if v in visible]
            await reply(blocks.render_help(entries))
    elif verb is Verb.WHOAMI:
        role = policy.role_of(c.policy, inv.user_id, groups)
        await reply(
            blocks.render_whoami(
                inv.user_id, role, policy.can_approve(c.policy, inv.user_id, groups)
            )
        )
    elif verb is Verb.PROJECTS:
        await reply(blocks.render_projects(await c.oec.list_projects()))
    elif verb is Verb.ENVS:
        if cmd.project:
            project = await c.resolver.project(cmd.project)
            envs = await c.oec.list_environments(project.id, status=cmd.status)
            pairs = [(project, e) for e in envs]
        else:
            pairs = await c.oec.list_all_environments(status=cmd.status)
        await reply(blocks.render_envs(pairs, status=cmd.status))
    elif verb is Verb.STATUS:
        ref = await c.resolver.environment(_need_env(cmd))
        status = await c.oec.get_environment_status(ref.env_id)
        await reply(blocks.render_status(ref, status))
    elif verb is Verb.LOGS:
        ref = await c.resolver.environment(_need_env(cmd))
        log_answer = await c.oec.get_logs(ref.env_id, lines=cmd.lines or DEFAULT_LOG_LINES)
        await reply(blocks.render_logs(ref, log_answer))
    elif verb in ACTION_VERBS:
        ref = await c.resolver.environment(_need_env(cmd))
        await actions.request(c, inv, cmd, ref, reply)
    elif verb is Verb.APPROVALS:
        pending = c.store.approvals.in_states([ApprovalState.PENDING], channel_id=inv.channel_id)
        await reply(blocks.render_approvals_list(pending, now=c.clock.now()))
    elif verb is Verb.SUBSCRIBE:
        await subscriptions.subscribe(c, inv, cmd, reply)
    elif verb is Verb.UNSUBSCRIBE:
        await subscriptions.unsubscribe(c, inv, cmd, reply)
    elif verb is Verb.SUBSCRIPTIONS:
        await subscriptions.show(c, inv, reply)
    else:  # a verb the grammar knows but nobody wired: a bug, said plainly
        raise CommandError(f"`/oec {verb.value}` is not available.")


def _need_env(cmd: grammar.Command) -> str:
    if not cmd.env:
        raise CommandError("Which environment?", hint=grammar.usage(cmd.verb))
    return cmd.env
