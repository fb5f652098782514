"""Environment actions: deploy, restart, start, stop and quick update.

What is safe to retry (CONTRACT.md §9.4): POSTs that carry an idempotency key. The caller passes
one key per user intent (a Slack interaction, an approval id) and the client sends the same key
on every retry, so a retried deploy is the same deploy. Actions use the `Idempotency-Key` header.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from oec_chatops.oec.arguments import (
    action_name,
    check_idempotency_key,
    check_modules,
    invalid,
    quick_update_body,
)
from oec_chatops.oec.models import ActionAccepted
from oec_chatops.oec.ratelimit import Budget
from oec_chatops.oec.resource import ResourceBase


class ActionsApi(ResourceBase):
    """The write routes on an environment; all need the full-access key."""

    async def deploy(
        self, env_id: str, *, idempotency_key: str, modules: Sequence[str] | None = None
    ) -> ActionAccepted:
        """Pull, rebuild and restart; with `modules`, also update those Odoo modules."""
        body = None
        if modules is not None:
            endpoint = "POST /environments/{env_id}/deploy"
            body = {"update_modules": check_modules(modules, endpoint)}
        return await self._action("deploy", env_id, idempotency_key, body)

    async def restart(self, env_id: str, *, idempotency_key: str) -> ActionAccepted:
        return await self._action("restart", env_id, idempotency_key, None)

    async def start(self, env_id: str, *, idempotency_key: str) -> ActionAccepted:
        return await self._action("start", env_id, idempotency_key, None)

    async def stop(self, env_id: str, *, idempotency_key: str) -> ActionAccepted:
        return await self._action("stop", env_id, idempotency_key, None)

    async def quick_update(
        self,
        env_id: str,
        *,
        idempotency_key: str,
        mode: str,
        modules: Sequence[str] | None = None,
    ) -> ActionAccepted:
        """Pull and restart without a rebuild (§9.6); `*_specific` modes need `modules`.

        `reinitialize_specific` reinstalls the modules and can reset their data.
        """
        endpoint = "POST /environments/{env_id}/quick-update"
        body = quick_update_body(mode, modules, endpoint)
        return await self._action("quick-update", env_id, idempotency_key, body)

    async def action(
        self,
        verb: str,
        env_id: str,
        *,
        idempotency_key: str,
        modules: Sequence[str] | None = None,
    ) -> ActionAccepted:
        """Dispatch a chat verb: deploy, redeploy (= deploy, §9.6), restart, start, stop."""
        name = action_name(verb)
        if name == "deploy":
            return await self.deploy(env_id, idempotency_key=idempotency_key, modules=modules)
        if modules:
            raise invalid(
                f"{name} takes no module list; only deploy updates modules.",
                "modules",
                f"POST /environments/{{env_id}}/{name}",
            )
        return await self._action(name, env_id, idempotency_key, None)

    async def _action(
        self, name: str, env_id: str, idempotency_key: str, body: Mapping[str, Any] | None
    ) -> ActionAccepted:
        route = self._route("POST", f"/environments/{{env_id}}/{name}", env_id=env_id)
        call = self._write_call(
            route,
            budgets=(Budget.WRITE,),
            json=dict(body) if body is not None else None,
            headers={"Idempotency-Key": check_idempotency_key(idempotency_key, route.endpoint)},
            retry_safe=True,
        )
        return await self._fetch(ActionAccepted, call)
