"""Everything the oCore simulator knows, and the rules it applies: tokens, instances, control.

Time is the injected clock: a control call plans the instance's next statuses (`world.Step`)
and every request first reaches the steps that are due, so a test moves the instance by
advancing a `ManualClock`, never by sleeping.

Control rules (what the simulator answers, CONTRACT.md §2):

- `start`: stopped / error / other → `starting` → `running` after `start_seconds`;
  already `running` → 409.
- `stop`: → `stopping` → `stopped` after `stop_seconds`; already `stopped` → 409.
- `restart`: → `restarting` → `running` after `restart_seconds`; `lastRestartAt` is the moment
  the restart began and `restartCount` grows; a stopped instance → 409 (start it instead).
- any control while a previous one is still moving → 409.
- the `fail_next_controls` fault ends the action in `error` instead.
"""

from __future__ import annotations

import hmac
from typing import Any

from oec_chatops.clock import Clock
from oec_chatops.ocore_sim.faults import OcoreFaults
from oec_chatops.ocore_sim.jwt import Claims, verify
from oec_chatops.ocore_sim.settings import OcoreSimSettings
from oec_chatops.ocore_sim.world import Instance, Step, seed_instances
from oec_chatops.simkit.errors import SimApiError
from oec_chatops.simkit.requestlog import RequestLog

CONTROL_ACTIONS = ("start", "stop", "restart")


class OcoreApiError(SimApiError):
    """An error answer: `{"error": code, "message": text}` (or plain text, by fault)."""

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message}


class OcoreSimState:
    def __init__(self, settings: OcoreSimSettings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        self.faults = OcoreFaults()
        self.requests = RequestLog()
        self.instances: dict[str, Instance] = {}
        self._tokens = {
            t: c
            for t in settings.tokens
            if (c := verify(t, secret=settings.signing_secret)) is not None
        }
        self.reset(reseed=settings.seed)

    def now(self) -> float:
        return self.clock.time()

    def reset(self, *, reseed: bool) -> None:
        """Faults off and the request log cleared; with `reseed`, instances back to the seed."""
        self.faults = OcoreFaults()
        self.requests.clear()
        if reseed:
            self.instances = {i.id: i for i in seed_instances(self.now())}

    def tick(self) -> None:
        now = self.now()
        for instance in self.instances.values():
            instance.advance(now)

    def authenticate(self, header: str | None) -> Claims:
        """The claims of the presented bearer token; 401 for anything else."""
        scheme, _, token = (header or "").partition(" ")
        token = token.strip()
        claims = None
        if scheme.lower() == "bearer" and token:
            for known, known_claims in self._tokens.items():
                if hmac.compare_digest(known.encode(), token.encode()):
                    claims = known_claims
        if claims is None:
            raise OcoreApiError(401, "unauthorized", "Invalid or missing token")
        if claims.expires_at is not None and claims.expires_at <= self.now():
            raise OcoreApiError(401, "unauthorized", "Token has expired")
        return claims

    def instance(self, instance_id: str) -> Instance:
        found = self.instances.get(instance_id)
        if found is None:
            raise OcoreApiError(404, "not_found", "Instance not found")
        return found

    def control(self, instance_id: str, action: str) -> str:
        """Plan the action's statuses; return oCore's 202 message."""
        inst = self.instance(instance_id)
        if action not in CONTROL_ACTIONS:
            raise OcoreApiError(
                422, "validation_error", "action must be one of start, stop, restart"
            )
        if inst.pending:
            raise OcoreApiError(
                409, "conflict", f"Instance is busy ({inst.status}); try again when it settles"
            )
        if action == "start" and inst.status == "running":
            raise OcoreApiError(409, "conflict", "Instance is already running")
        if action == "stop" and inst.status == "stopped":
            raise OcoreApiError(409, "conflict", "Instance is already stopped")
        if action == "restart" and inst.status == "stopped":
            raise OcoreApiError(409, "conflict", "Instance is stopped; start it instead")
        now, s = self.now(), self.settings
        moving, seconds, end, end_message = {
            "start": ("starting", s.start_seconds, "running", "Odoo is running"),
            "stop": ("stopping", s.stop_seconds, "stopped", "Stopped by API"),
            "restart": ("restarting", s.restart_seconds, "running", "Odoo is running"),
        }[action]
        if self.faults.fail_next_controls > 0:
            self.faults.fail_next_controls -= 1
            end, end_message = "error", f"Odoo failed to come back after {action}: exit code 1"
        if action == "restart":
            inst.last_restart_at = now
            inst.restart_count += 1
        inst.status, inst.status_message = moving, f"{moving.capitalize()} Odoo"
        inst.pending = [Step(now + seconds, end, end_message)]
        return f"Instance {action} initiated"

    def set_status(self, instance_id: str, status: str, message: str) -> Instance:
        """For tests: put an instance in any status, cancelling what was planned."""
        inst = self.instance(instance_id)
        inst.pending.clear()
        inst.status, inst.status_message = status, message
        return inst
