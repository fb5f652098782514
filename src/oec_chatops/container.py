"""`Container`: every object a request needs, built in one place and closed in one place.

Built in the Starlette lifespan (or by a test, pointed at the simulator and the fake Slack).
It only wires: each service is given the collaborators it uses (repositories, the platform,
the clock, the policy, a worker's `wake`) as constructor arguments, and the Slack listeners and
HTTP routes get the services they call. Only the entry points (`server`, `cli`,
`adapters.embedded`) hold the container itself; no service imports this module (an
import-linter contract keeps it so). No module-level clients, stores or settings anywhere else.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import httpx
from pydantic import SecretStr
from slack_sdk.web.async_client import AsyncWebClient

from oec_chatops.adapters.host_factory import (
    BuiltHost,
)
from oec_chatops.adapters.outside import connect_outside
from oec_chatops.adapters.team_services import TeamServices
from oec_chatops.adapters.workspaces import Workspaces, open_workspaces
from oec_chatops.clock import Clock, SystemClock
from oec_chatops.config import Settings
from oec_chatops.context import notify_retry, team_id_var
from oec_chatops.hosts import Hosts
from oec_chatops.metrics import Metrics
from oec_chatops.oec.client import OecClient
from oec_chatops.platforms import PlatformSecrets
from oec_chatops.policy import Policy, load_policy
from oec_chatops.services.actions import Actions
from oec_chatops.services.approval_expiry import ExpiryWorker
from oec_chatops.services.approval_steps import ApprovalSteps
from oec_chatops.services.approvals import Approvals
from oec_chatops.services.audit_log import AuditLog
from oec_chatops.services.backup_first import BackupFirst
from oec_chatops.services.backup_routes import BackupRoutes
from oec_chatops.services.backups import Backups
from oec_chatops.services.change_commands import ChangeCommands
from oec_chatops.services.change_control import ChangeControl
from oec_chatops.services.channel_access import ChannelAccess
from oec_chatops.services.commands import CommandService
from oec_chatops.services.digests import DigestWorker
from oec_chatops.services.directory import Directory
from oec_chatops.services.gauges import StoreGauges
from oec_chatops.services.health_line import HealthLines
from oec_chatops.services.home import HomeReader
from oec_chatops.services.home_refresh import HomeRefresher
from oec_chatops.services.odoo_queries import OdooQueries
from oec_chatops.services.outbox import OutboxWorker, SlackBudgets
from oec_chatops.services.pruner import Pruner
from oec_chatops.services.quick_updates import QuickUpdates
from oec_chatops.services.resolver import Resolver
from oec_chatops.services.runner import Runner
from oec_chatops.services.subscriptions import Subscriptions
from oec_chatops.services.tracker import Tracker, default_pace
from oec_chatops.slack.approval_listeners import ClickDesk
from oec_chatops.slack.command_desk import CommandDesk
from oec_chatops.slack.command_queue import CommandQueue
from oec_chatops.store import Store
from oec_chatops.store.leader import Leadership

log = logging.getLogger(__name__)

LOG_TAIL_LINES = 40


@dataclass(frozen=True)
class Container:
    settings: Settings
    clock: Clock
    store: Store
    oec: OecClient | None  # None when the platforms file names no oec.sh platform
    slack: AsyncWebClient
    policy: Policy
    metrics: Metrics
    runner: Runner
    resolver: Resolver
    directory: Directory
    outbox: OutboxWorker
    tracker: Tracker
    expiry: ExpiryWorker
    backup_first: BackupFirst
    gauges: StoreGauges
    pruner: Pruner
    digests: DigestWorker
    actions: Actions
    approvals: Approvals
    subscriptions: Subscriptions
    command_service: CommandService
    commands: CommandQueue
    # Several hosting platforms (the platforms file): the composite the services use, and every
    # host's adapter to close. None and empty for a single oec.sh platform.
    hosts: Hosts | None = None
    host_adapters: tuple[BuiltHost, ...] = ()
    home: HomeRefresher | None = None  # the App Home tabs (None: not drawn)
    # A multi-workspace (OAuth) install: installations, keys and policies by workspace, and
    # the services under each workspace's policy. None for a one-workspace bot.
    workspaces: Workspaces | None = None
    teams: TeamServices | None = None
    # Which replica runs the singleton loops (always this one on SQLite): store/leader.py.
    leadership: Leadership | None = None
    _workers: list[asyncio.Task[Any]] = field(default_factory=list)

    @property
    def change_control(self) -> ChangeControl:
        """Freezes and locks in force (`active_freezes(now)`, `locks()`), for views to render."""
        return self.command_service.change_control

    @property
    def desk(self) -> CommandDesk:
        """What the `/oec` listener, queue and answers use (derived, so that a test replacing
        `commands` with a differently sized queue replaces it for them too)."""
        return CommandDesk(
            clock=self.clock,
            store=self.store,
            slack=self.slack,
            runner=self.runner,
            service=self.command_service,
            queue=self.commands,
            teams=self.teams,
        )

    @property
    def clicks(self) -> ClickDesk:
        """What the approval listeners use."""
        return ClickDesk(
            approvals=self.approvals,
            slack=self.slack,
            runner=self.runner,
            home=self.home,
            teams=self.teams.approvals_for if self.teams is not None else None,
            team_of=self.workspaces.team_of if self.workspaces is not None else None,
        )

    def start_workers(self) -> None:
        """Start the outbox, tracker and expiry loops, and resume interrupted approvals."""
        loop = asyncio.get_running_loop()
        if self.slack.session is None:
            # One keep-alive session for every Web API call; without it slack_sdk opens a new
            # session and TCP (and TLS) connection per call. Closed in `aclose`.
            # Its timeout bounds every call: slack_sdk applies its own only to sessions it opens.
            self.slack.session = aiohttp.ClientSession(
                timeout=slack_session_timeout(self.settings.oec_chatops_slack_timeout)
            )
        # One replica at a time tracks, expires and prunes (all of them send and answer).
        lead = self.leadership.is_leader if self.leadership is not None else None
        # Backups taken first and daily digests too: one replica takes a backup or posts a digest.
        for worker in (self.tracker, self.pruner, self.backup_first, self.digests):
            worker.gate = lead
        self.expiry.leads = lead  # its asks again are this replica's own: only expiring is gated
        self._workers.extend(
            [
                loop.create_task(self.outbox.run(), name="outbox"),
                loop.create_task(self.tracker.run(), name="tracker"),
                loop.create_task(self.expiry.run_for(self.approvals.steps), name="expiry"),
                loop.create_task(
                    self.backup_first.run_for(self.approvals.steps), name="backup_first"
                ),
                loop.create_task(self.pruner.run(), name="pruner"),
                loop.create_task(self.digests.run(), name="digests"),
                # Safe beside a live replica: a resumed action re-sends its approval's
                # idempotency key, so oec.sh answers with the task the first call created.
                loop.create_task(self.approvals.steps.resume(), name="approvals.resume"),
            ]
        )
        if self.home is not None:  # each replica draws the Homes opened through it
            self._workers.append(loop.create_task(self.home.run(), name="home"))
        if lead is not None and not lead():
            # Another replica is alive: an unfinished command may be running there, and taking
            # it over would run it twice. The replica that started first resumed them.
            log.warning("commands.resume_skipped", extra={"reason": "another replica leads"})
            return
        self.commands.resume(self.desk)  # acknowledged before a restart: finish or account for them

    async def aclose(self, *, grace: float = 5.0) -> None:
        """Finish in-flight work, flush what the outbox can send within `grace`, close."""
        await asyncio.gather(
            self.commands.shutdown(self.desk, grace=grace), self.runner.drain(timeout=grace)
        )
        self.tracker.stop()
        self.expiry.stop()
        self.backup_first.stop()
        self.outbox.stop()
        self.pruner.stop()
        self.digests.stop()
        if self.home is not None:
            self.home.stop()
        if self._workers:
            await asyncio.wait(self._workers, timeout=grace)
            for task in self._workers:
                task.cancel()
            await asyncio.gather(*self._workers, return_exceptions=True)
        await self.outbox.drain(timeout=grace)
        if self.oec is not None:
            await self.oec.aclose()
        if self.workspaces is not None:
            await self.workspaces.aclose()
        for built in self.host_adapters:
            if built.oec is not self.oec:
                await built.close()
        session = getattr(self.slack, "session", None)
        if session is not None:
            await session.close()
        self.gauges.close()
        if self.leadership is not None:
            self.leadership.close()
        self.store.close()


def slack_session_timeout(total: float) -> aiohttp.ClientTimeout:
    """A bound on each Slack call as a whole; connecting gets at most 3 s of it."""
    return aiohttp.ClientTimeout(total=total, connect=min(3.0, total), sock_read=total)


def build_container(
    settings: Settings,
    *,
    clock: Clock | None = None,
    oec_transport: httpx.AsyncBaseTransport | None = None,
    policy: Policy | None = None,
    poll_pace: Any = default_pace,
    read_limit: Callable[[], int] | None = None,
) -> Container:
    """Wire everything from settings. Tests pass a clock, a transport, or a faster poll pace
    (with a `read_limit` to match, since the tracker spreads a fifth of it over all tasks)."""
    clock = clock or SystemClock()
    store = Store(settings.oec_chatops_db)
    if policy is None:
        policy = (
            load_policy(settings.oec_chatops_policy)
            if settings.oec_chatops_policy
            else Policy.default()
        )
    metrics = Metrics()

    def oec_client(secrets: PlatformSecrets | None) -> OecClient:
        """An oec.sh client for one entry; without one (the demo), keyless from settings."""
        return OecClient(
            base_url=(secrets.entry.url if secrets else None) or settings.oec_api_url,
            rw_key=SecretStr(secrets.key) if secrets else None,
            ro_key=SecretStr(secrets.read_key) if secrets and secrets.read_key else None,
            clock=clock,
            transport=oec_transport,
            on_retry=notify_retry,
            on_attempt=metrics.observe_api_call,
        )

    workspaces = open_workspaces(settings, store=store, clock=clock, oec_client=oec_client)
    out = connect_outside(settings, workspaces=workspaces, clock=clock, oec_client=oec_client)
    slack, oec, platform, hosts, built = out.slack, out.oec, out.platform, out.hosts, out.built
    operations, keepers = out.operations, out.keepers

    # Background work (outbox, tracker, approved actions) enters its channel's workspace.
    scope = workspaces.enter if workspaces is not None else None

    async def log_tail(env_id: str, task_id: str) -> str:
        return (await platform.get_logs(env_id, task_id=task_id, lines=LOG_TAIL_LINES)).log

    outbox = OutboxWorker(
        store=store,
        slack=slack,
        clock=clock,
        metrics=metrics,
        log_tail=log_tail,
        claim_seconds=settings.oec_chatops_outbox_claim,
        budgets=SlackBudgets(
            posts_per_second=settings.oec_chatops_slack_posts_per_second or None,
            updates_per_minute=settings.oec_chatops_slack_updates_per_minute or None,
        ),
        channel_scope=scope,
    )
    tracker = Tracker(
        store=store,
        platform=platform,
        clock=clock,
        on_change=outbox.wake,
        read_limit=read_limit or platform.read_limit,
        pace=poll_pace,
        channel_scope=scope,
    )

    # Database gauges come from a snapshot read off the event loop (services/gauges.py).
    gauges = StoreGauges(store=store, clock=clock)
    metrics.watch_store(gauges.read)
    runner = Runner()
    resolver = Resolver(platform=platform, store=store, clock=clock, hosts=hosts)
    directory = Directory(slack=slack, policy=policy, clock=clock)
    expiry = ExpiryWorker(store=store, clock=clock, runner=runner)
    ops_by_host = operations
    actions = Actions(
        platform=platform,
        store=store,
        clock=clock,
        wake_outbox=outbox.wake,
        wake_tracker=tracker.wake,
        quick=QuickUpdates(by_host=ops_by_host, hosts=hosts),
    )
    change_control = ChangeControl(
        policy=policy, store=store, clock=clock, directory=directory, teams=workspaces
    )
    backup_routes = BackupRoutes(by_host=keepers, hosts=hosts)
    backup_first = BackupFirst(
        store=store,
        clock=clock,
        routes=backup_routes,
        timeout=policy.rules.backup_timeout.total_seconds(),
        pace=poll_pace,
    )
    approvals = Approvals(
        steps=ApprovalSteps(
            store=store,
            clock=clock,
            actions=actions,
            expiry=expiry,
            wake_outbox=outbox.wake,
            gate=change_control,
            backups=backup_routes,
            wake_backups=backup_first.wake,
            channel_scope=scope,
        ),
        policy=policy,
        directory=directory,
    )
    channels = ChannelAccess(slack=slack, clock=clock)
    subscriptions = Subscriptions(
        store=store,
        clock=clock,
        resolver=resolver,
        channels=channels,
        webhook_gap=_webhook_gap(workspaces),
    )
    command_service = CommandService(
        policy=policy,
        directory=directory,
        store=store,
        clock=clock,
        metrics=metrics,
        platform=platform,
        resolver=resolver,
        actions=actions,
        approvals=approvals,
        subscriptions=subscriptions,
        channels=channels,
        change_control=change_control,
        change_commands=ChangeCommands(
            control=change_control, resolver=resolver, wake_waiting=expiry.wake
        ),
        hosts=hosts,
        odoo=OdooQueries(by_host=ops_by_host, clock=clock, hosts=hosts),
        health=HealthLines(ops_by_host, clock=clock, hosts=hosts),
        audit_log=AuditLog(
            store=store, clock=clock, resolver=resolver, per_team=workspaces is not None
        ),
        backups=Backups(
            routes=backup_routes,
            actions=actions,
            approvals=approvals,
            channels=channels,
            clock=clock,
        ),
    )
    teams = (
        TeamServices(workspaces=workspaces, base=command_service, clock=clock)
        if workspaces is not None
        else None
    )
    return Container(
        settings=settings,
        clock=clock,
        store=store,
        oec=oec,
        slack=slack,
        policy=policy,
        metrics=metrics,
        runner=runner,
        resolver=resolver,
        directory=directory,
        outbox=outbox,
        tracker=tracker,
        expiry=expiry,
        backup_first=backup_first,
        gauges=gauges,
        pruner=Pruner(store=store, clock=clock, policy=settings.retention, gauges=gauges),
        digests=DigestWorker(store=store, clock=clock, wake_outbox=outbox.wake),
        actions=actions,
        approvals=approvals,
        subscriptions=subscriptions,
        command_service=command_service,
        commands=CommandQueue(),
        hosts=hosts,
        host_adapters=built,
        home=HomeRefresher(
            reader=HomeReader(
                store=store,
                clock=clock,
                policy=policy,
                directory=directory,
                platform=platform,
                hosts=hosts,
                change_control=change_control,
                teams=teams,  # a multi-workspace install: each Home as its workspace's
            ),
            slack=slack,
            clock=clock,
            installed=workspaces.installed if workspaces is not None else None,
        ),
        workspaces=workspaces,
        teams=teams,
        leadership=Leadership(str(settings.oec_chatops_db)) if store.postgres else None,
    )


def _webhook_gap(workspaces: Workspaces | None) -> Callable[[], str | None] | None:
    """A multi-workspace install: why the asking workspace would hear nothing from oec.sh."""
    if workspaces is None:
        return None
    return lambda: workspaces.webhook_gap(team_id_var.get())
