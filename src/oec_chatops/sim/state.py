"""Everything one simulator knows, and the only place it changes.

`SimState` is synchronous and lives on the event loop that serves the API, so a request's
check-then-change (one action per environment, idempotency, limits) can never interleave with
another's. Time comes from the injected clock only. `tick()` applies every task transition that
is due at the clock's current time and queues the webhook deliveries they cause; the API calls
it before answering and the background worker calls it every ~50 ms, so a test driving a
`ManualClock` advances the clock and ticks, while a real clock just lets time pass.

Events: `deploy.*` for every task type, `environment.status_changed` (with `previous_status`) on
any status change, `environment.created`, and `environment.ready` when a first deploy completes.

Methods for tests and the embedded demo (each also reachable under `/_sim/`):

- `tick() -> int`: apply due transitions; returns how many.
- `add_webhook(url, events, secret, *, project_id=None, description=None) -> dict`: register a
  webhook without the API and its URL rule; `events` may contain "*" (every event).
- `emit(event, data, *, webhook_ids=None) -> list[str]`: queue a custom signed delivery.
- `cancel_task(task_id) -> Task`: end a queued or running task as `cancelled`.
- `set_environment_status(env_id, status) -> Environment`: e.g. a runtime `error`.
- `reset(*, reseed)`: faults off, limits and the request log cleared; with `reseed`, all data
  (webhooks and deliveries included) back to the seed.
"""

from __future__ import annotations

import random
import secrets
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from oec_chatops.clock import Clock
from oec_chatops.oec.models import ENV_STATUSES
from oec_chatops.sim.backups import BackupBook
from oec_chatops.sim.errors import ApiError, Shape, invalid, not_found
from oec_chatops.sim.events import TASK_EVENTS, environment_data, status_changed_data, task_data
from oec_chatops.sim.faults import Faults
from oec_chatops.sim.keys import build_keyring
from oec_chatops.sim.ratelimit import MinuteBuckets, SlidingWindow
from oec_chatops.sim.records import Environment, Org, Project, Server, Task
from oec_chatops.sim.seed import World, demo_world, empty_world
from oec_chatops.sim.settings import SimSettings
from oec_chatops.sim.timeline import DEPLOY_KINDS, TERMINAL, Target, TaskKind, Timeline, plan_task
from oec_chatops.sim.webhooks import Attempt, Delivery, Webhook, WebhookRegistry
from oec_chatops.simkit.idempotency import IdempotencyCache
from oec_chatops.simkit.requestlog import RequestLog

R = TypeVar("R")

# What an operator may set through `/_sim/`; a deleted environment would have to vanish instead.
SETTABLE_STATUSES = tuple(s for s in ENV_STATUSES if s != "deleted")


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class SimState:
    """The simulated organisation, its tasks and webhooks, and the simulator's own controls."""

    def __init__(self, settings: SimSettings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        self.keyring = build_keyring(rw_keys=settings.rw_keys, ro_keys=settings.ro_keys)
        self.faults = Faults()
        self.requests = RequestLog()
        self.limits = MinuteBuckets()
        self.webhook_limits = SlidingWindow()
        self.target_limits = SlidingWindow()  # runtime logs and metrics, per environment
        self.idempotency = IdempotencyCache()
        self.random = random.Random()
        self.webhooks = WebhookRegistry()
        self._load(demo_world(clock.time()) if settings.seed else empty_world())

    def _load(self, world: World) -> None:
        self.org: Org = world.org
        self.servers: dict[str, Server] = {s.id: s for s in world.servers}
        self.projects: dict[str, Project] = {p.id: p for p in world.projects}
        self.environments: dict[str, Environment] = {e.id: e for e in world.environments}
        self.tasks: dict[str, Task] = {t.id: t for t in world.tasks}
        self.backups = BackupBook.seeded(world.environments, now=self.clock.time())

    def reset(self, *, reseed: bool) -> None:
        self.faults = Faults()
        self.limits.clear()
        self.webhook_limits.clear()
        self.target_limits.clear()
        self.requests.clear()
        if reseed:
            self.idempotency.clear()
            self.webhooks = WebhookRegistry()
            self._load(demo_world(self.clock.time()))

    def now(self) -> float:
        return self.clock.time()

    # Reading ----------------------------------------------------------------------------

    def project(self, project_id: str) -> Project:
        return _known(self.projects, project_id, "Project")

    def server(self, server_id: str) -> Server:
        return _known(self.servers, server_id, "Server")

    def environment(self, env_id: str) -> Environment:
        return _known(self.environments, env_id, "Environment")

    def task(self, task_id: str) -> Task:
        task = self.tasks.get(task_id)
        if task is None:
            raise ApiError(404, "not_found", "Task not found", shape=Shape.STRING)
        return task

    def environment_count(
        self, *, project_id: str | None = None, server_id: str | None = None
    ) -> int:
        return sum(
            1
            for e in self.environments.values()
            if (project_id is None or e.project_id == project_id)
            and (server_id is None or e.server_id == server_id)
        )

    def environments_of(self, project_id: str, *, status: str | None = None) -> list[Environment]:
        """Oldest first, as the API lists them (§5.3)."""
        envs = [e for e in self.environments.values() if e.project_id == project_id]
        if status is not None:
            envs = [e for e in envs if e.status == status]
        return sorted(envs, key=lambda e: e.created_at)

    def tasks_of(self, env_id: str) -> list[Task]:
        """Newest first."""
        tasks = [t for t in self.tasks.values() if t.environment_id == env_id]
        return sorted(tasks, key=lambda t: t.timeline.queued_at, reverse=True)

    def active_task(self, env_id: str) -> Task | None:
        return next((t for t in self.tasks_of(env_id) if t.status not in TERMINAL), None)

    def status_snapshot(self, env: Environment) -> dict[str, Any]:
        """`GET /environments/{id}/status`; `last_deploy` is the latest deploy or quick update."""
        last = next((t for t in self.tasks_of(env.id) if t.kind in DEPLOY_KINDS), None)
        return env.status_json(last)

    # Changing ---------------------------------------------------------------------------

    def queue_action(
        self, env_id: str, kind: TaskKind, *, modules: tuple[str, ...] = (), mode: str | None = None
    ) -> Task:
        """Queue an action, or refuse with 409 while another one is queued or running."""
        env = self.environment(env_id)
        active = self.active_task(env_id)
        if active is not None:
            raise ApiError(
                409,
                "task_in_progress",
                "Another task is already queued or running for this environment.",
                task_id=active.id,
            )
        return self._new_task(env, kind, modules=modules, mode=mode)

    def _new_task(
        self,
        env: Environment,
        kind: TaskKind,
        *,
        modules: tuple[str, ...] = (),
        mode: str | None = None,
        env_status_before: str | None = None,
    ) -> Task:
        fail = self.faults.take_failure(kind, mode)
        task_id = str(uuid.uuid4())
        project = self.project(env.project_id)
        target = Target(
            server_name=self.servers[env.server_id].name
            if env.server_id in self.servers
            else "server",
            repo_url=project.git_repo_url,
            branch=env.branch,
            odoo_version=env.odoo_version,
            url=env.url,
            ref=task_id.replace("-", "")[:7],
        )
        plan = plan_task(kind, target, modules=modules, mode=mode, fail=fail)
        timeline = Timeline.schedule(
            plan, queued_at=self.now(), task_seconds=self.settings.task_seconds
        )
        task = Task(
            id=task_id,
            kind=kind,
            environment_id=env.id,
            timeline=timeline,
            branch=env.branch,
            modules=modules,
            mode=mode,
            env_status_before=env_status_before,
        )
        self.tasks[task.id] = task
        return task

    def create_environment(
        self,
        project_id: str,
        *,
        name: str,
        environment_type: str,
        branch: str | None,
        server_id: str | None,
        domain: str | None,
        cpu_cores: float | None,
        ram_mb: int | None,
        disk_gb: int | None,
    ) -> Environment:
        """A new environment in `deploying`, with its first deploy queued (§5.3, §9.2)."""
        project = self.project(project_id)
        if any(e.name == name for e in self.environments_of(project_id)):
            raise invalid(
                ["body", "name"],
                "Value error, an environment with this name already exists in the project",
                value=name,
            )
        if server_id is not None and server_id not in self.servers:
            raise not_found("Server")
        now = self.now()
        slug = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-") or "env"
        env = Environment(
            id=str(uuid.uuid4()),
            project_id=project.id,
            name=name,
            environment_type=environment_type,
            status="deploying",
            url=f"https://{domain}"
            if domain
            else f"https://{project.slug}-{slug}.apps.example.com",
            odoo_version=project.odoo_version,
            branch=branch or project.default_branch or "main",
            server_id=server_id or project.server_id,
            cpu_cores=cpu_cores,
            ram_mb=ram_mb,
            disk_gb=disk_gb,
            created_at=now,
            updated_at=now,
            custom_domain=domain,
        )
        self.environments[env.id] = env
        self._new_task(env, TaskKind.DEPLOY, env_status_before="pending")
        self._emit("environment.created", environment_data(env, project), project.id)
        return env

    def update_environment(self, env_id: str, changes: dict[str, Any]) -> Environment:
        """PATCH: name, branch (used by the next deploy), domain ("" removes it), sizes."""
        env = self.environment(env_id)
        name = changes.get("name")
        if name is not None and name != env.name:
            if any(e.name == name for e in self.environments_of(env.project_id)):
                raise invalid(
                    ["body", "name"],
                    "Value error, an environment with this name already exists in the project",
                    value=name,
                )
            env.name = name
        for attr in ("branch", "cpu_cores", "ram_mb", "disk_gb"):
            if changes.get(attr) is not None:
                setattr(env, attr, changes[attr])
        if "domain" in changes and changes["domain"] is not None:
            env.custom_domain = changes["domain"] or None
            if env.custom_domain:
                env.url = f"https://{env.custom_domain}"
        env.updated_at = self.now()
        return env

    def cancel_task(self, task_id: str) -> Task:
        task = self.task(task_id)
        if task.status in TERMINAL:
            raise ApiError(409, "task_finished", f"The task is already {task.status}.")
        task.timeline.cancel(self.now())
        self.tick()
        return task

    def set_environment_status(self, env_id: str, status: str) -> Environment:
        if status not in SETTABLE_STATUSES:
            raise invalid(
                ["body", "status"],
                f"Value error, status must be one of {', '.join(SETTABLE_STATUSES)}",
            )
        env = self.environment(env_id)
        self._set_env_status(env, status, task_id=None)
        return env

    def _set_env_status(self, env: Environment, status: str, *, task_id: str | None) -> None:
        if env.status == status:
            return
        previous, env.status, env.updated_at = env.status, status, self.now()
        project = self.project(env.project_id)
        data = status_changed_data(env, project, previous=previous, task_id=task_id)
        self._emit("environment.status_changed", data, project.id)

    # Time -------------------------------------------------------------------------------

    def tick(self) -> int:
        """Apply every task transition due by now, in the order they happened; count them."""
        now = self.now()
        due: list[tuple[float, int, Task, str]] = []
        for order, task in enumerate(self.tasks.values()):
            if task.status in TERMINAL:
                continue
            status = task.timeline.due_status(now)
            if status == task.status:
                continue
            if task.status == "queued" and task.timeline.ran():
                due.append((task.timeline.start_at, order, task, "running"))
            if status in TERMINAL:
                due.append((task.timeline.end_at, order, task, status))
        due.sort(key=lambda item: (item[0], item[1]))
        for _, _, task, status in due:
            self._apply(task, status)
        return len(due)

    def _apply(self, task: Task, status: str) -> None:
        env = self.environments.get(task.environment_id)
        task.status = status
        if env is None:
            return
        project = self.project(env.project_id)
        self._emit(TASK_EVENTS[status], task_data(task, env, project), project.id)
        if status == "running":
            if task.kind in DEPLOY_KINDS:
                if task.env_status_before is None:
                    task.env_status_before = env.status
                self._set_env_status(env, "deploying", task_id=task.id)
        elif status == "completed":
            self._set_env_status(env, task.kind.status_after(env.status), task_id=task.id)
            if task.env_status_before == "pending":  # the first deploy of a new environment
                self._emit("environment.ready", environment_data(env, project), project.id)
        elif status == "failed" and task.kind in DEPLOY_KINDS:
            self._set_env_status(env, "error", task_id=task.id)
        elif status == "cancelled" and env.status == "deploying" and task.env_status_before:
            self._set_env_status(env, task.env_status_before, task_id=task.id)

    # Webhooks ---------------------------------------------------------------------------

    def webhook(self, webhook_id: str) -> Webhook:
        webhook = self.webhooks.webhooks.get(webhook_id)
        if webhook is None:
            raise not_found("Webhook", shape=Shape.TOP_LEVEL)
        return webhook

    def add_webhook(
        self,
        url: str,
        events: Iterable[str],
        secret: str,
        *,
        project_id: str | None = None,
        description: str | None = None,
    ) -> dict[str, Any]:
        """Register a webhook without the API (no URL rule, "*" allowed); its JSON, no secret."""
        webhook = self.webhooks.create(
            url=url,
            events=events,
            secret=secret,
            project_id=project_id,
            description=description,
            now=self.now(),
        )
        return webhook.to_json()

    def emit(
        self, event: str, data: dict[str, Any], *, webhook_ids: Iterable[str] | None = None
    ) -> list[str]:
        """Queue `event` to the given webhooks (any event), or to the active ones that want it."""
        if webhook_ids is None:
            return self._emit(event, data, data.get("project_id"))
        targets = [self.webhook(wid) for wid in webhook_ids]
        return [self.webhooks.queue(w, event, data, now=self.now()) for w in targets]

    def _emit(self, event: str, data: dict[str, Any], project_id: str | None) -> list[str]:
        targets = self.webhooks.matching(event, project_id)
        return [self.webhooks.queue(w, event, data, now=self.now()) for w in targets]

    def record_attempt(self, delivery: Delivery, attempt: Attempt) -> None:
        self.webhooks.record(
            delivery,
            attempt,
            max_attempts=self.settings.delivery_attempts,
            backoff=self.settings.delivery_backoff,
        )


def _known(records: Mapping[str, R], record_id: str, what: str) -> R:
    """The record, or the API's 404 for `what` (the DETAIL shape these routes answer with)."""
    record = records.get(record_id)
    if record is None:
        raise not_found(what)
    return record
