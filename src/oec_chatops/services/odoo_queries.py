"""`/oec metrics` and `/oec logs --runtime`: read-only Odoo operations (backups: `backups`).

These calls exist only on hosts whose API offers them (oec.sh's `client.ops`), so they are given
per host name (`EnvironmentOperations`), not through `Platform`. With several hosts each
environment id says where it lives (`hosts.Hosts.split`): an id of a host without these
operations is answered "not offered by <host>'s API" and nothing is sent, so a `name:`-prefixed
id never reaches another host's API. Runtime logs and metrics spend the environment's budget of
6 calls a minute; the client refuses the 7th locally and `explain` says when to try again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from oec_chatops.clock import Clock
from oec_chatops.domain import EnvRef
from oec_chatops.env_operations import EnvironmentOperations
from oec_chatops.errors import CommandError
from oec_chatops.hosts import Hosts
from oec_chatops.oec.errors import OecNotFound
from oec_chatops.services.types import Reply
from oec_chatops.slack.blocks.metrics import render_metrics
from oec_chatops.slack.blocks.runtime_logs import render_runtime_logs

DEFAULT_RUNTIME_LINES = 100
DEFAULT_SOURCE = "odoo"


@dataclass(frozen=True, slots=True)
class OdooQueries:
    """Answers the read-only Odoo operations of one environment, on the host that has them."""

    # Host name -> its operations; with a single platform (`hosts` None) the only entry.
    by_host: Mapping[str, EnvironmentOperations]
    clock: Clock
    hosts: Hosts | None = None

    def route(self, ref: EnvRef, what: str) -> tuple[EnvironmentOperations, str]:
        """The operations of the environment's host and the host's own id, or a refusal."""
        if self.hosts is None:
            if len(self.by_host) != 1:
                raise CommandError(f"{what} are not offered by this platform's API.")
            return next(iter(self.by_host.values())), ref.env_id
        host, own_id = self.hosts.split(ref.env_id)
        ops = self.by_host.get(host.name)
        if ops is None:
            raise CommandError(
                f"{what} are not offered by {host.display}'s API.",
                hint="They are read from oec.sh environments only.",
            )
        return ops, own_id

    async def metrics(self, ref: EnvRef, reply: Reply) -> None:
        ops, env_id = self.route(ref, "Metrics")
        await reply(render_metrics(ref, await ops.metrics(env_id)))

    async def runtime_logs(
        self, ref: EnvRef, reply: Reply, *, source: str | None, lines: int | None
    ) -> None:
        ops, env_id = self.route(ref, "Runtime logs")
        try:
            log = await ops.runtime_logs(
                env_id, source=source or DEFAULT_SOURCE, lines=lines or DEFAULT_RUNTIME_LINES
            )
        except OecNotFound as exc:
            # The environment was just resolved, so a 404 here is §9.2's "not running".
            raise CommandError(
                f"No live log of `{ref.label}`: oec.sh has one only while the environment "
                "runs (not when stopped, paused or in error).",
                hint=f"`/oec status {ref.label}` shows its state; "
                f"`/oec logs {ref.label}` shows the latest task's log.",
            ) from exc
        await reply(render_runtime_logs(ref, log))
