"""deploy, redeploy, restart, start, stop, and the quick updates (update, pull, reinit): call the
platform once per intent, record the task.

The action is sent with an idempotency key derived from the Slack interaction (or the
approval id), so a retried request never runs twice; the task is recorded as a deployment,
which queues the living channel message and wakes the tracker. Whether an action needs an
approval first is the command's question (`services.commands`), not this module's.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from oec_chatops.clock import Clock
from oec_chatops.context import request_id_var
from oec_chatops.domain import QUICK_UPDATE_VERBS, EnvRef, Verb
from oec_chatops.oec.errors import OecError, OecInvalidRequest
from oec_chatops.oec.models import ActionAccepted
from oec_chatops.platform import Platform
from oec_chatops.services.audit import audit
from oec_chatops.services.deployments import DeploymentUpdate, apply_update
from oec_chatops.services.quick_updates import QuickUpdates
from oec_chatops.services.types import Wake
from oec_chatops.store import Store

log = logging.getLogger(__name__)
_INTENT_NAMESPACE = uuid.UUID("5b7c6d9e-0f7e-4a57-9a43-3c1f0de2c0a1")


def intent_key(*parts: str) -> str:
    """A UUID for one user intent: the same parts give the same key, so a retry is deduped."""
    return str(uuid.uuid5(_INTENT_NAMESPACE, "\x1f".join(parts)))


@dataclass(frozen=True, slots=True)
class Actions:
    """Sends actions to the hosting platform and records what it accepted."""

    platform: Platform
    store: Store
    clock: Clock
    wake_outbox: Wake
    wake_tracker: Wake
    # Quick updates, on the hosts that offer them (None: on none).
    quick: QuickUpdates | None = None

    async def execute(
        self,
        *,
        verb: Verb,
        ref: EnvRef,
        modules: tuple[str, ...],
        requested_by: str,
        channel_id: str,
        idempotency_key: str,
        approval_id: str | None = None,
        reason: str | None = None,
        send: Callable[[], Awaitable[ActionAccepted]] | None = None,
    ) -> ActionAccepted:
        """Send the action (once per key) and record the task; raises OecError.

        `send` replaces the platform's `action` for a verb that is not one (a backup, a
        restore): the task it answers is recorded and followed the same way."""
        now = self.clock.time()
        try:
            if send is not None:
                accepted = await send()
            else:
                accepted = await self._send(verb, ref, modules, idempotency_key)
        except OecError as exc:
            self._audit(
                verb,
                ref,
                requested_by,
                "error",
                error=type(exc).__name__,
                code=getattr(exc, "code", None),
                task_id=getattr(exc, "task_id", None),
                approval_id=approval_id,
            )
            raise
        with self.store.tx():
            apply_update(
                self.store,
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
                    reason=reason,
                ),
                now=self.clock.time(),
                env_name=ref.env_name,
                next_poll_at=now + 1.0,
                # A multi-workspace install: the asking channel's workspace alone hears of it.
                team=self.store.channel_teams.team_of(channel_id) if channel_id else None,
            )
            self._audit(
                verb,
                ref,
                requested_by,
                "accepted",
                task_id=accepted.task_id,
                modules=list(modules),
                approval_id=approval_id,
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
        self.wake_outbox()
        self.wake_tracker()
        return accepted

    async def _send(
        self, verb: Verb, ref: EnvRef, modules: tuple[str, ...], key: str
    ) -> ActionAccepted:
        if verb not in QUICK_UPDATE_VERBS:
            return await self.platform.action(
                verb.value, ref.env_id, idempotency_key=key, modules=modules or None
            )
        if self.quick is None:
            raise OecInvalidRequest(
                "Module updates are not offered by this platform's API.",
                request_id=request_id_var.get(),
            )
        return await self.quick.send(verb, ref, modules, idempotency_key=key)

    def _audit(self, verb: Verb, ref: EnvRef, actor: str, result: str, **detail: object) -> None:
        audit(
            self.store,
            self.clock,
            actor=actor,
            action=f"action.{verb.value}",
            target=ref.label,
            result=result,
            detail=detail,
        )
