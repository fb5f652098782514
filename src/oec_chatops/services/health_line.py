"""The one-line health summary `/oec status` shows once the latest deployment has completed.

"It deployed" is half the answer; "and it is healthy" is the other half. The figures come from
`GET /environments/{id}/metrics`, which reaches the customer's server and shares that
environment's 6 calls a minute with `/oec metrics` and `/oec logs --runtime` (§9.2). So the
status never competes with a person for them:

- it reads metrics only when the environment's latest deployment completed and it is running
  (a failed or running deployment gets no line: the status says what matters then);
- one reading is kept per environment and deployment, and reused for `HEALTH_MAX_AGE` seconds,
  so asking for the status again spends nothing;
- it spends a call only when none of the environment's six was used in the last minute
  (`TargetBudget.left`); otherwise it shows the reading it has, or says it did not read one
  and points at `/oec metrics`;
- whatever goes wrong reading metrics (a 502 from the server, a 429, no answer within
  `HEALTH_WAIT` seconds, an answer it cannot read) gives a line saying so, never a failed
  `/oec status`.

Hosts without metrics (oCore, deployERP) get no line at all. Readings live in memory only: a
restart forgets them, and the next status reads one again when the budget allows.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from oec_chatops.clock import Clock
from oec_chatops.domain import EnvRef
from oec_chatops.hosts import Hosts
from oec_chatops.oec.errors import OecError
from oec_chatops.oec.models import EnvironmentStatus, normalize_task_status
from oec_chatops.oec.ops_models import EnvironmentMetrics
from oec_chatops.oec.target_limit import TARGET_LIMIT
from oec_chatops.services.host_routing import route
from oec_chatops.slack.blocks.kit import escape
from oec_chatops.slack.blocks.metrics import health_line

log = logging.getLogger(__name__)

HEALTH_MAX_AGE = 300.0  # seconds a reading is shown without asking for a new one
HEALTH_WAIT = 4.0  # seconds `/oec status` waits for metrics before answering without them
KEPT_READINGS = 256
NOT_READ = (
    "Health not read: this environment's 6 metrics and live-log calls a minute are in use, "
    "so `/oec status` left them to you. `/oec metrics {label}` shows it."
)
UNAVAILABLE = "Health not available: oec.sh could not read this environment's metrics just now."


class HealthOperations(Protocol):
    """Metrics, and how many of the environment's calls are left (`client.ops` satisfies it)."""

    async def metrics(self, env_id: str) -> EnvironmentMetrics: ...

    def target_calls_left(self, env_id: str) -> int: ...


@dataclass(frozen=True, slots=True)
class _Reading:
    deploy_id: str
    metrics: EnvironmentMetrics
    taken_at: float  # clock.monotonic()


class HealthLines:
    """The health line of `/oec status`, per environment and completed deployment."""

    def __init__(
        self,
        by_host: Mapping[str, HealthOperations],
        *,
        clock: Clock,
        hosts: Hosts | None = None,
    ) -> None:
        self._by_host = by_host
        self._clock = clock
        self._hosts = hosts
        self._readings: OrderedDict[str, _Reading] = OrderedDict()

    async def line(self, ref: EnvRef, status: EnvironmentStatus) -> str | None:
        """The line to show under the status, or None when there is nothing to say."""
        last = status.last_deploy
        if last is None or normalize_task_status(last.status) != "completed":
            return None
        if (status.status or "").lower() != "running":
            return None
        routed = self._route(ref)
        if routed is None:
            return None
        ops, env_id = routed
        kept = self._readings.get(ref.env_id)
        if kept is not None and kept.deploy_id != last.id:
            kept = None
        now = self._clock.monotonic()
        if kept is not None and now - kept.taken_at < HEALTH_MAX_AGE:
            return health_line(kept.metrics)
        if ops.target_calls_left(env_id) < TARGET_LIMIT:
            return health_line(kept.metrics) if kept else NOT_READ.format(label=escape(ref.label))
        try:
            async with asyncio.timeout(HEALTH_WAIT):
                metrics = await ops.metrics(env_id)
        except (OecError, TimeoutError) as exc:
            log.warning(
                "status.health_unavailable", extra={"env": ref.label, "error": type(exc).__name__}
            )
            return health_line(kept.metrics) if kept else UNAVAILABLE
        self._keep(ref.env_id, _Reading(last.id, metrics, now))
        return health_line(metrics)

    def _keep(self, env_id: str, reading: _Reading) -> None:
        self._readings[env_id] = reading
        self._readings.move_to_end(env_id)
        while len(self._readings) > KEPT_READINGS:
            self._readings.popitem(last=False)

    def _route(self, ref: EnvRef) -> tuple[HealthOperations, str] | None:
        try:
            routed = route(self._by_host, self._hosts, ref.env_id)
        except OecError:  # no host by that name any more: no line, and the status still shows
            return None
        return (routed.ops, routed.own_id) if routed.ops is not None else None
