"""`/oec ...` from parse to answer: the one entry point the Bolt handler calls after its ack.

Parse (pure grammar) → who is asking (policy, pure) → dispatch. Queries answer ephemerally
through `reply`; actions go to `actions` (or to an approval request for protected
environments); every denial and every action lands in the audit table.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from oec_chatops import policy
from oec_chatops.clock import Clock
from oec_chatops.context import request_id_var
from oec_chatops.domain import (
    ACTION_VERBS,
    ALWAYS_GATED_VERBS,
    QUICK_UPDATE_VERBS,
    ApprovalState,
    EnvRef,
    Verb,
)
from oec_chatops.errors import CommandError
from oec_chatops.hosts import Hosts
from oec_chatops.metrics import Metrics
from oec_chatops.oec.errors import OecError
from oec_chatops.platform import Platform
from oec_chatops.policy import Policy
from oec_chatops.services.actions import Actions, intent_key
from oec_chatops.services.approval_steps import unanswered
from oec_chatops.services.approvals import Approvals
from oec_chatops.services.audit import audit
from oec_chatops.services.audit_log import AuditLog
from oec_chatops.services.backups import Backups
from oec_chatops.services.change_commands import ChangeCommands
from oec_chatops.services.change_control import ChangeControl, Verdict
from oec_chatops.services.channel_access import ChannelAccess
from oec_chatops.services.directory import Directory
from oec_chatops.services.explain import explain
from oec_chatops.services.health_line import HealthLines
from oec_chatops.services.help_examples import own_example
from oec_chatops.services.odoo_queries import OdooQueries
from oec_chatops.services.resolver import Resolver
from oec_chatops.services.subscriptions import Subscriptions
from oec_chatops.services.types import Invocation, Reply
from oec_chatops.slack import blocks, grammar
from oec_chatops.slack.blocks.change_control import with_change_control
from oec_chatops.store import Store

log = logging.getLogger(__name__)

DEFAULT_LOG_LINES = 40
__all__ = ["CommandService", "Invocation", "Reply"]


@dataclass(frozen=True, slots=True)
class CommandService:
    """Runs one `/oec` command against the platform, the store and the other services."""

    policy: Policy
    directory: Directory
    store: Store
    clock: Clock
    metrics: Metrics
    platform: Platform
    resolver: Resolver
    actions: Actions
    approvals: Approvals
    subscriptions: Subscriptions
    channels: ChannelAccess
    # Freezes and locks: refuses changes they forbid; `/oec freeze|unfreeze|lock|unlock`.
    change_control: ChangeControl
    change_commands: ChangeCommands
    # With several platforms: `/oec envs <platform>`, and a line naming a host that is down.
    hosts: Hosts | None = None
    # Backups, metrics and live logs, on the hosts whose API offers them (None: on none).
    odoo: OdooQueries | None = None
    # `/oec status`'s health line after a completed deployment (None: no line).
    health: HealthLines | None = None
    # The audit trail (`/oec audit`); None: not offered.
    audit_log: AuditLog | None = None
    backups: Backups | None = None

    async def handle(self, inv: Invocation, reply: Reply) -> None:
        """Run one `/oec` command and answer it; never raises."""
        verb_label = "unknown"
        counted = self.metrics.commands
        try:
            cmd = grammar.parse_command(inv.text)
            verb_label = cmd.verb.value
            groups = await self.directory.groups_of(inv.user_id)
            decision = policy.authorize(self.policy, inv.user_id, groups, cmd.verb)
            if not decision.allowed:
                audit(
                    self.store,
                    self.clock,
                    actor=inv.user_id,
                    action=f"command.{cmd.verb.value}",
                    target=cmd.env or cmd.target or cmd.project,
                    result="denied",
                    detail={"role": decision.role.value, "required": decision.required.value},
                )
                counted.labels(verb_label, "denied").inc()
                await reply(blocks.render_denied(decision))
                return
            await self._dispatch(inv, cmd, groups, reply)
            counted.labels(verb_label, "ok").inc()
        except CommandError as exc:
            counted.labels(verb_label, "bad_input").inc()
            await reply(blocks.render_error(str(exc), hint=exc.hint or None))
        except OecError as exc:
            counted.labels(verb_label, "api_error").inc()
            rid = request_id_var.get()
            log.warning(
                "command.api_error", extra={"verb": verb_label, "error": type(exc).__name__}
            )
            e = explain(exc, request_id=rid)
            await reply(blocks.render_error(e.message, hint=e.hint))
        except Exception:
            counted.labels(verb_label, "crash").inc()
            rid = request_id_var.get()
            log.exception("command.crashed", extra={"verb": verb_label})
            await reply(
                blocks.render_error(
                    "Something went wrong in the bot while running that command.", request_id=rid
                )
            )

    async def _dispatch(
        self, inv: Invocation, cmd: grammar.Command, groups: frozenset[str], reply: Reply
    ) -> None:
        verb = cmd.verb
        platform = self.platform
        if verb is Verb.HELP:
            visible = set(policy.visible_verbs(self.policy, inv.user_id, groups))
            if cmd.topic is not None and cmd.topic in visible:
                own = await own_example(self.resolver, self.policy, cmd.topic)
                spec = grammar.VERB_SPECS[cmd.topic]
                await reply(blocks.render_help([spec], detailed=True, own=own))
            else:
                entries = [grammar.VERB_SPECS[v] for v in Verb if v in visible]
                await reply(blocks.render_help(entries))
        elif verb is Verb.WHOAMI:
            role = policy.role_of(self.policy, inv.user_id, groups)
            can = policy.can_approve(self.policy, inv.user_id, groups)
            await reply(blocks.render_whoami(inv.user_id, role, can))
        elif verb is Verb.PROJECTS:
            await reply(blocks.render_projects(await platform.list_projects()))
        elif verb is Verb.ENVS:
            unreachable: list[str] = []
            hosts = self.hosts
            if hosts is not None and (not cmd.project or cmd.project in hosts.names()):
                listing = await hosts.list_everywhere(status=cmd.status, only=cmd.project)
                pairs, unreachable = listing.pairs, listing.unreachable
            elif cmd.project:
                project = await self.resolver.project(cmd.project)
                envs = await platform.list_environments(project.id, status=cmd.status)
                pairs = [(project, e) for e in envs]
            else:
                pairs = await platform.list_all_environments(status=cmd.status)
            await reply(blocks.render_envs(pairs, status=cmd.status, unreachable=unreachable))
        elif verb is Verb.STATUS:
            ref = await self.resolver.environment(_need_env(cmd))
            status = await platform.get_environment_status(ref.env_id)
            health = await self.health.line(ref, status) if self.health else None
            cc = self.change_control
            await reply(
                with_change_control(
                    blocks.render_status(ref, status, health=health),
                    cc.lock_of(ref.env_id),
                    cc.freeze_for(ref, self.clock.now()),
                )
            )
        elif verb is Verb.LOGS and cmd.runtime:
            ref = await self.resolver.environment(_need_env(cmd))
            await self._odoo().runtime_logs(ref, reply, source=cmd.source, lines=cmd.lines)
        elif verb is Verb.BACKUPS:
            await self._backups().listing(await self.resolver.environment(_need_env(cmd)), reply)
        elif verb is Verb.METRICS:
            await self._odoo().metrics(await self.resolver.environment(_need_env(cmd)), reply)
        elif verb is Verb.LOGS:
            ref = await self.resolver.environment(_need_env(cmd))
            log_answer = await platform.get_logs(ref.env_id, lines=cmd.lines or DEFAULT_LOG_LINES)
            await reply(blocks.render_logs(ref, log_answer))
        elif verb in ACTION_VERBS:
            ref = await self.resolver.environment(_need_env(cmd))
            await self._act(inv, cmd, ref, reply)
        elif verb is Verb.APPROVALS:
            pending = self.store.approvals.in_states(
                [ApprovalState.PENDING], channel_id=inv.channel_id
            )
            await reply(blocks.render_approvals_list(pending, now=self.clock.now()))
        elif verb is Verb.SUBSCRIBE:
            await self.subscriptions.subscribe(inv, cmd, reply)
        elif verb is Verb.UNSUBSCRIBE:
            await self.subscriptions.unsubscribe(inv, cmd, reply)
        elif verb is Verb.SUBSCRIPTIONS:
            await self.subscriptions.show(inv, reply)
        elif verb is Verb.FREEZE:
            await self.change_commands.freeze(inv, cmd, reply)
        elif verb is Verb.UNFREEZE:
            await self.change_commands.unfreeze(inv, cmd, reply)
        elif verb is Verb.LOCK:
            await self.change_commands.lock(inv, cmd, reply)
        elif verb is Verb.UNLOCK:
            await self.change_commands.unlock(inv, cmd, reply)
        elif verb is Verb.AUDIT and self.audit_log is not None:
            await self.audit_log.show(cmd, reply)
        elif verb is Verb.BACKUP:
            ref = await self.resolver.environment(_need_env(cmd))
            await self._backups().take(inv, cmd, ref, reply)
        elif verb is Verb.RESTORE:
            ref = await self.resolver.environment(_need_env(cmd))
            # A restore changes the environment: freezes and locks stop it as they stop a deploy.
            verdict = await self._gate(inv, cmd, ref)
            if verdict.refusal is not None:
                await reply(verdict.refusal)
                return
            await self._backups().request_restore(inv, cmd, ref, reply, override=verdict.override)
        else:  # a verb the grammar knows but nobody wired: a bug, said plainly
            raise CommandError(f"`/oec {verb.value}` is not available.")

    def _backups(self) -> Backups:
        if self.backups is None:
            raise CommandError("Backups are not offered by this platform.")
        return self.backups

    def _odoo(self) -> OdooQueries:
        if self.odoo is None:
            raise CommandError("Backups, metrics and live logs are not offered by this platform.")
        return self.odoo

    async def _act(self, inv: Invocation, cmd: grammar.Command, ref: EnvRef, reply: Reply) -> None:
        """Run the action now, or ask for approval first when the environment is protected."""
        # The same command gives the same keys: run again after a restart, it neither sends the
        # action a second time nor asks for a second approval (slack.command_queue).
        origin = inv.trigger_id or request_id_var.get()
        # Nothing is sent, and no request stored, unless its message or card can be posted here.
        await self.channels.require_postable(inv.channel_id)
        if cmd.verb in QUICK_UPDATE_VERBS:
            self._require_quick_updates(ref)
        # Freezes and locks first: a refused change sends nothing and asks nobody.
        verdict = await self._gate(inv, cmd, ref)
        if verdict.refusal is not None:
            await reply(verdict.refusal)
            return
        if (
            verdict.override
            or cmd.verb in ALWAYS_GATED_VERBS
            or policy.is_protected(self.policy, ref)
        ):
            self._backup_first_possible(ref)
            approval_id = intent_key("approval", origin, cmd.verb.value, ref.env_id)
            await self.approvals.request(
                inv, cmd, ref, reply, approval_id=approval_id, override=verdict.override
            )
            return
        key = intent_key("slack", origin, cmd.verb.value, ref.env_id)
        try:
            await self.actions.execute(
                verb=cmd.verb,
                ref=ref,
                modules=cmd.modules,
                requested_by=inv.user_id,
                channel_id=inv.channel_id,
                idempotency_key=key,
                reason=cmd.reason,
            )
        except OecError as exc:
            e = explain(exc, env_label=ref.label, request_id=request_id_var.get())
            hint = e.hint
            if unanswered(exc):
                # Sent, answer lost: a new command would carry a new key and could run it twice.
                hint = (
                    f"It may still have run: check `/oec status {ref.label}` before asking again."
                )
            await reply(blocks.render_error(e.message, hint=hint))

    async def _gate(self, inv: Invocation, cmd: grammar.Command, ref: EnvRef) -> Verdict:
        """Freezes and locks, asked before any change is sent or any approver is asked."""
        return await self.change_control.gate(
            user_id=inv.user_id,
            verb=cmd.verb.value,
            ref=ref,
            override=cmd.override,
            reason=cmd.reason,
        )

    def _require_quick_updates(self, ref: EnvRef) -> None:
        """Refuse a quick update on a host without one before any approval is asked for."""
        quick = self.actions.quick
        why = "Module updates are not offered by this platform's API."
        if quick is not None:
            why = quick.refusal(ref) or ""
        if why:
            raise CommandError(why, hint="They are sent to oec.sh environments only.")

    def _backup_first_possible(self, ref: EnvRef) -> None:
        """Policy `backup_before` on a host that keeps no backups: refuse now, not after the
        approval (the change would then be stopped anyway, fail closed, by `BackupFirst`)."""
        if not policy.backup_first(self.policy, ref):
            return
        if self.backups is None or not self.backups.routes.offers(ref.env_id):
            raise CommandError(
                f"The policy takes a backup before every approved change to `{ref.label}`, "
                "and its platform keeps no backups the bot can take; nothing was requested.",
                hint="Ask an admin: `backup_before` in the policy's `[protected]` table.",
            )


def _need_env(cmd: grammar.Command) -> str:
    if not cmd.env:
        raise CommandError("Which environment?", hint=grammar.usage(cmd.verb))
    return cmd.env
