"""deploy, redeploy, restart, start, stop: call the API once per intent, then follow the task.

A change to a protected environment is not sent: it becomes an approval request. Otherwise
the action is sent with an idempotency key derived from the Slack interaction (or the
approval id), so a retried request never runs twice; the task is recorded as a deployment,
which queues the living channel message and wakes the tracker.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING

from oec_chatops import policy
from oec_chatops.context import request_id_var
from oec_chatops.domain import EnvRef, Verb
from oec_chatops.oec.errors import OecError
from oec_chatops.oec.models import ActionAccepted
from oec_chatops.services import approvals
from oec_chatops.services.deployments import DeploymentUpdate, apply_update
from oec_chatops.services.explain import explain
from oec_chatops.slack import blocks, grammar

if TYPE_CHECKING:
    from oec_chatops.container import Container
    from oec_chatops.services.commands import Invocation, Reply

log = logging.getLogger(__name__)
_INTENT_NAMESPACE = uuid.UUID("5b7c6d9e-0f7e-4a57-9a43-3c1f0de2c0a1")


def intent_key(*parts: str) -> str:
    """A UUID for one user intent: the same parts give the same key, so a retry is deduped."""
    return str(uuid.uuid5(_INTENT_NAMESPACE, "\x1f".join(parts)))


async def request(
    c: Container, inv: Invocation, cmd: grammar.Command, ref: EnvRef, reply: Reply
) -> None:
    """Run the action now, or ask for approval first when the environment is protected."""
    # The same command gives the same keys: run again after a restart, it neither sends the
    # action a second time nor asks for a second approval (slack.command_queue).
    origin = inv.trigger_id or request_id_var.get()
    if policy.is_protected(c.policy, ref):
        approval_id = intent_key("approval", origin, cmd.verb.value, ref.env_id)
        await approvals.request(c, inv, cmd, ref, reply, approval_id=approval_id)
        return
    key = intent_key("slack", origin, cmd.verb.value, ref.env_id)
    try:
        await execute(
            c,
            verb=cmd.verb,
            ref=ref,
            modules=cmd.modules,
            requested_by=inv.user_id,
            channel_id=inv.channel_id,
            idempotency_key=key,
        )
    except OecError as exc:
        e = explain(exc, env_label=ref.label, request_id=request_id_var.get())
        await reply(blocks.render_error(e.message, hint=e.hint))


async def execute(
    c: Container,
    *,
    verb: Verb,
    ref: EnvRef,
    modules: tuple[str, ...],
    requested_by: str,
    channel_id: str,
    idempotency_key: str,
    approval_id: str | None = None,
) -> ActionAccepted:
    """Send the action to oec.sh (once per key) and record the task; raises OecError."""
    now = c.clock.time()
    try:
        accepted = await c.oec.action(
            verb.value, ref.env_id, idempotency_key=idempotency_key, modules=modules or None
        )
    except OecError as exc:
        c.store.audit.record(
            at=c.clock.time(),
            actor=requested_by,
            action=f"action.{verb.value}",
            target=ref.label,
            result="error",
            detail={
                "error": type(exc).__name__,
                "code": getattr(exc, "code", None),
                "task_id": getattr(exc, "task_id", None),
                "approval_id": approval_id,
            },
            request_id=request_id_var.get(),
        )
        raise
    with c.store.tx():
        apply_update(
            c.store,
            DeploymentUpdate(
                task_id=accepted.task_id,
                status=accepted.status or "queued",
                verb=verb.value,
                env_id=ref.env_id,
                env_label=ref.label,
                project_id=ref.project_id,
                requested_by=requested_by,
                approval_id=approval_id,
                url=ref.url,
                modules=modules,
                origin_channel_id=channel_id,
            ),
            now=c.clock.time(),
            env_name=ref.env_name,
            next_poll_at=now + 1.0,
        )
        c.store.audit.record(
            at=c.clock.time(),
            actor=requested_by,
            action=f"action.{verb.value}",
            target=ref.label,
            result="accepted",
            detail={
                "task_id": accepted.task_id,
                "modules": list(modules),
                "approval_id": approval_id,
            },
            request_id=request_id_var.get(),
        )
    log.info(
        "action.accepted",
        extra={
            "verb": verb.value,
            "env": ref.label,
            "task_id": accepted.task_id,
            "approval_id": approval_id,
        },
    )
    c.outbox.wake()
    c.tracker.wake()
    return accepted
