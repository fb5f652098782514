"""Everything one deployERP simulator knows, and the only place it changes.

Synchronous and on the event loop that serves the API, so a request's check-then-change (one
action per instance, idempotency, limits) never interleaves with another's. Time comes from the
injected clock only: `tick()` applies every transition due at the clock's current time (an
action goes pending → running at a quarter of `action_seconds`, then completed or failed; a
backup ends after `backup_seconds`) and queues the webhook deliveries they cause:
`instance.deployed` when a deploy completes, `instance.stopped` when a stop completes,
`backup.completed` / `backup.failed` when a backup ends. The API ticks before answering and the
delivery worker ticks every ~50 ms, so a test moves a `ManualClock` and the world follows.
"""

from __future__ import annotations

import random
import uuid
from typing import Any

from oec_chatops.clock import Clock
from oec_chatops.deployerp_sim.errors import DerpApiError, not_found
from oec_chatops.deployerp_sim.faults import DerpFaults
from oec_chatops.deployerp_sim.keys import build_keyring
from oec_chatops.deployerp_sim.limits import HourlyWithBurst
from oec_chatops.deployerp_sim.outbox import Outbox
from oec_chatops.deployerp_sim.records import (
    ACTION_RUNNING_STATUS,
    Action,
    Backup,
    Instance,
    Server,
)
from oec_chatops.deployerp_sim.seed import World, demo_world, empty_world
from oec_chatops.deployerp_sim.settings import DerpSimSettings
from oec_chatops.simkit.idempotency import IdempotencyCache
from oec_chatops.simkit.records import iso
from oec_chatops.simkit.requestlog import RequestLog

DEPLOY_ERROR = "Build failed: pip could not install requirements.txt (simulated failure)."
BACKUP_ERROR = "Backup failed: the database dump was interrupted (simulated failure)."


def _id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:16]}"


class DerpSimState:
    """The simulated account: servers, instances, actions, backups, and the sim's controls."""

    def __init__(self, settings: DerpSimSettings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        self.keyring = build_keyring(settings)
        self.faults = DerpFaults()
        self.requests = RequestLog()
        self.limits = HourlyWithBurst()
        self.idempotency = IdempotencyCache()
        self.random = random.Random()
        self.outbox = Outbox(settings)
        self._load(self._world())

    def _world(self) -> World:
        if not self.settings.seed:
            return empty_world()
        return demo_world(self.clock.time(), extra=self.settings.extra_instances)

    def _load(self, world: World) -> None:
        self.servers: dict[str, Server] = {s.id: s for s in world.servers}
        self.instances: dict[str, Instance] = {i.id: i for i in world.instances}
        self.backups: dict[str, Backup] = {b.id: b for b in world.backups}
        self.actions: dict[str, Action] = {}

    def now(self) -> float:
        return self.clock.time()

    def reset(self, *, reseed: bool) -> None:
        """Faults off, limits, idempotency and the request log cleared; `reseed`: data too."""
        self.faults = DerpFaults()
        self.limits.clear()
        self.idempotency.clear()
        self.requests.clear()
        if reseed:
            self.outbox.clear()
            self._load(self._world())

    # -- reads --------------------------------------------------------------------------------

    def server(self, server_id: str) -> Server:
        server = self.servers.get(server_id)
        if server is None:
            raise not_found("Server", server_id)
        return server

    def instance(self, instance_id: str) -> Instance:
        instance = self.instances.get(instance_id)
        if instance is None:
            raise not_found("Instance", instance_id)
        return instance

    def action(self, instance_id: str, action_id: str) -> Action:
        self.instance(instance_id)
        action = self.actions.get(action_id)
        if action is None or action.instance_id != instance_id:
            raise not_found("Action", action_id)
        return action

    # -- writes -------------------------------------------------------------------------------

    def start_action(self, instance_id: str, name: str) -> Action:
        """One action at a time per instance: a second one while one runs is 409 `conflict`."""
        instance = self.instance(instance_id)
        busy = [a for a in self.actions.values() if a.instance_id == instance_id and not a.finished]
        if busy:
            raise DerpApiError(
                409,
                "conflict",
                f"Another action ({busy[0].action}) is already running on this instance.",
                details={"action_id": busy[0].id, "action": busy[0].action},
            )
        now, span = self.now(), self.settings.action_seconds
        will_fail = False
        if name == "deploy" and self.faults.fail_next_deploys > 0:
            self.faults.fail_next_deploys -= 1
            will_fail = True
        action = Action(
            id=_id("act"),
            instance_id=instance.id,
            action=name,
            created_at=now,
            runs_at=now + span / 4,
            ends_at=now + span,
            will_fail=will_fail,
        )
        self.actions[action.id] = action
        return action

    def start_backup(self, instance_id: str) -> Backup:
        self.instance(instance_id)
        now = self.now()
        will_fail = self.faults.fail_next_backups > 0
        if will_fail:
            self.faults.fail_next_backups -= 1
        backup = Backup(
            id=_id("bkp"),
            instance_id=instance_id,
            created_at=now,
            ends_at=now + self.settings.backup_seconds,
            will_fail=will_fail,
        )
        self.backups[backup.id] = backup
        return backup

    # -- time ---------------------------------------------------------------------------------

    def tick(self) -> int:
        """Apply every transition due now; returns how many happened."""
        now, moved = self.now(), 0
        for action in sorted(self.actions.values(), key=lambda a: a.created_at):
            if action.finished:
                continue
            instance = self.instances.get(action.instance_id)
            if action.status == "pending" and now >= action.runs_at:
                action.status, action.started_at = "running", action.runs_at
                if instance is not None:
                    instance.status, instance.updated_at = ACTION_RUNNING_STATUS[action.action], now
                moved += 1
            if action.status == "running" and now >= action.ends_at:
                self._finish_action(action, instance)
                moved += 1
        for backup in self.backups.values():
            if backup.status == "pending" and now >= backup.ends_at:
                self._finish_backup(backup)
                moved += 1
        return moved

    def _finish_action(self, action: Action, instance: Instance | None) -> None:
        action.finish(DEPLOY_ERROR)
        if instance is None:
            return
        instance.updated_at = action.ends_at
        if action.will_fail:
            instance.status = "error"
        else:
            instance.status = "stopped" if action.action == "stop" else "running"
        if action.status == "completed" and action.action == "deploy":
            self.emit("instance.deployed", {"instance": instance.to_json()}, at=action.ends_at)
        if action.status == "completed" and action.action == "stop":
            self.emit("instance.stopped", {"instance": instance.to_json()}, at=action.ends_at)

    def _finish_backup(self, backup: Backup) -> None:
        backup.finish(BACKUP_ERROR)
        if not backup.will_fail:
            backup.size_bytes = 512 * 1024 * 1024 + self.random.randrange(64 * 1024 * 1024)
        event = "backup.failed" if backup.will_fail else "backup.completed"
        self.emit(event, {"backup": backup.to_json()}, at=backup.ends_at)

    def emit(self, event: str, data: dict[str, Any], *, at: float | None = None) -> str:
        """Queue one delivery of `event` to every configured URL; returns the event id."""
        event_id = _id("evt")
        body = {"id": event_id, "event": event, "created_at": iso(at or self.now()), "data": data}
        self.outbox.queue(event_id, event, body, now=self.now())
        return event_id
