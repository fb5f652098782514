"""`/oec update`, `/oec pull`, `/oec reinit`: oec.sh's quick updates, on the hosts that have them.

A quick update is an action like a deploy (one `Idempotency-Key` per intent, a `deploy` task
followed by the tracker and webhooks, CONTRACT.md §9.6), so `services.actions` sends it and
records its task exactly as it does a deploy's; only the route differs, and that is this
module's. The route exists on oec.sh only: oCore's and deployERP's APIs have no equivalent
(shared/platforms/CONTRACT.md §2, §3), so an environment of theirs is refused before anything
is sent or any approval asked for, and a `name:`-prefixed id never reaches another host.

With several hosts, a second oec.sh account's ids carry its name (`hosts.Hosts`): the call goes
out with the host's own id and the task comes back prefixed, so the tracker polls it on the
same host.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from oec_chatops.context import request_id_var
from oec_chatops.domain import EnvRef, Verb
from oec_chatops.env_operations import QuickUpdateOperations
from oec_chatops.hosts import Hosts, prefixed
from oec_chatops.oec.errors import OecInvalidRequest
from oec_chatops.oec.models import ActionAccepted
from oec_chatops.services.host_routing import route

ALL_MODULES = "all"
WHAT = "Module updates (`/oec update`, `/oec pull`, `/oec reinit`)"


@dataclass(frozen=True, slots=True)
class QuickUpdates:
    """Routes a quick update to the environment's host, or says why that host has none."""

    # Host name -> its operations; with a single platform (`hosts` None) the only entry.
    by_host: Mapping[str, QuickUpdateOperations]
    hosts: Hosts | None = None

    def refusal(self, ref: EnvRef) -> str | None:
        """Why the environment's host cannot take a quick update, or None when it can."""
        try:
            self._route(ref)
        except OecInvalidRequest as exc:
            return exc.message
        return None

    async def send(
        self, verb: Verb, ref: EnvRef, modules: tuple[str, ...], *, idempotency_key: str
    ) -> ActionAccepted:
        """One quick update under the caller's key (re-sent with it: the same task)."""
        name, ops, env_id = self._route(ref)
        key = idempotency_key
        if verb is Verb.PULL:
            accepted = await ops.pull_restart(env_id, idempotency_key=key)
        elif verb is Verb.UPDATE and tuple(modules) == (ALL_MODULES,):
            accepted = await ops.update_all(env_id, idempotency_key=key)
        elif verb is Verb.UPDATE:
            accepted = await ops.update_specific(env_id, modules, idempotency_key=key)
        elif verb is Verb.REINIT:
            accepted = await ops.reinitialize_specific(env_id, modules, idempotency_key=key)
        else:
            raise _refused(f"`{verb.value}` is not a quick update.")
        if self.hosts is None:
            return accepted
        return accepted.model_copy(
            update={
                "task_id": prefixed(name, accepted.task_id),
                "environment_id": prefixed(name, accepted.environment_id),
            }
        )

    def _route(self, ref: EnvRef) -> tuple[str, QuickUpdateOperations, str]:
        routed = route(self.by_host, self.hosts, ref.env_id)
        if routed.ops is None:
            raise _refused(
                f"{WHAT} are not offered by {routed.display}'s API, so nothing was sent."
            )
        return routed.name, routed.ops, routed.own_id


def _refused(message: str) -> OecInvalidRequest:
    return OecInvalidRequest(
        message,
        endpoint="POST /environments/{env_id}/quick-update",
        request_id=request_id_var.get(),
    )
