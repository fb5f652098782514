"""`/oec backups`, `/oec backup` and `/oec restore`: an environment's backups from the channel.

A backup is taken at once, on any environment, protected or not: it changes nothing, and the
policy's approvals guard changes. Its task is recorded like an action's (`Actions.execute`), so
one living message in the channel follows it (tracker and webhooks) until it ends.

A restore is always an approval request (`domain.ALWAYS_GATED_VERBS`), and the backup is
checked before any card is posted: it must exist, belong to this environment and be completed.
The card shows what the approver would bring back (`BackupFacts`); after the approval the
restore is sent once by the approval steps (`BackupRoutes.restore`, the approval id as key).
Hosts without backups (oCore) or without a restore (deployERP as pinned) are refused here,
before anything is sent or requested.
"""

from __future__ import annotations

from dataclasses import dataclass

from oec_chatops.clock import Clock
from oec_chatops.context import request_id_var
from oec_chatops.domain import BackupFacts, EnvRef, Verb
from oec_chatops.errors import CommandError
from oec_chatops.oec.errors import OecError, OecNotFound
from oec_chatops.oec.models import ActionAccepted
from oec_chatops.oec.ops_models import Backup
from oec_chatops.services.actions import Actions, intent_key
from oec_chatops.services.approvals import Approvals
from oec_chatops.services.backup_routes import BackupRoutes, Routed
from oec_chatops.services.channel_access import ChannelAccess
from oec_chatops.services.explain import explain
from oec_chatops.services.types import Invocation, Reply
from oec_chatops.slack import blocks, grammar
from oec_chatops.slack.blocks.backups import render_backups, short_id

LATEST_BACKUPS = 10
SEARCHED_BACKUPS = 100  # a restore's short id is looked for among this many of the latest
FULL_ID = 32  # a UUID without its dashes is 32 characters: anything shorter is a prefix


@dataclass(frozen=True, slots=True)
class Backups:
    """Lists, takes and asks to restore backups of the environment's host."""

    routes: BackupRoutes
    actions: Actions
    approvals: Approvals
    channels: ChannelAccess
    clock: Clock

    async def listing(self, ref: EnvRef, reply: Reply) -> None:
        r = self.routes.route(ref.env_id)
        found = await r.host.latest(r.env_id, limit=LATEST_BACKUPS)
        await reply(render_backups(ref, found, now=self.clock.now(), restores=r.host.restores))

    async def take(self, inv: Invocation, cmd: grammar.Command, ref: EnvRef, reply: Reply) -> None:
        """Start a backup now and follow it in the channel; no approval (see the module doc)."""
        r = self.routes.route(ref.env_id)
        await self.channels.require_postable(inv.channel_id)
        # The same command gives the same key: where the API takes one (deployERP), a command
        # run again after a restart gets the backup it started the first time.
        key = intent_key("backup", inv.trigger_id or request_id_var.get(), ref.env_id)

        async def send() -> ActionAccepted:
            backup = await r.host.take(
                r.env_id, include_filestore=cmd.filestore, notes=cmd.reason, key=key
            )
            return ActionAccepted(task_id=r.task_id(backup), status="queued")

        try:
            await self.actions.execute(
                verb=Verb.BACKUP,
                ref=ref,
                modules=(),
                requested_by=inv.user_id,
                channel_id=inv.channel_id,
                idempotency_key=key,
                reason=cmd.reason,
                send=send,
            )
        except OecError as exc:
            e = explain(exc, env_label=ref.label, request_id=request_id_var.get())
            await reply(blocks.render_error(e.message, hint=e.hint))
            return
        what = "the database only" if not cmd.filestore else "database and filestore"
        await reply(
            blocks.render_notice(
                f"Backup of `{ref.label}` started ({what}); it is followed in this channel.",
                emoji=":floppy_disk:",
            )
        )

    async def request_restore(
        self,
        inv: Invocation,
        cmd: grammar.Command,
        ref: EnvRef,
        reply: Reply,
        *,
        override: bool = False,
    ) -> None:
        """Check the backup, then ask for an approval; nothing is restored here."""
        r = self.routes.route(ref.env_id)
        if not r.host.restores:
            raise CommandError(
                f"Restoring is not offered by {r.display}'s API; nothing was requested.",
                hint=f"`/oec backups {ref.label}` lists its backups.",
            )
        backup = await self._restorable(r, ref, cmd.backup or "")
        await self.channels.require_postable(inv.channel_id)
        origin = inv.trigger_id or request_id_var.get()
        await self.approvals.request(
            inv,
            cmd,
            ref,
            reply,
            approval_id=intent_key("approval", origin, Verb.RESTORE.value, ref.env_id),
            backup=facts_of(backup),
            override=override,
        )

    async def _restorable(self, r: Routed, ref: EnvRef, wanted: str) -> Backup:
        """The backup `wanted` names, if it is this environment's and completed; else why not."""
        listing = f"`/oec backups {ref.label}` lists its backups."
        latest = await r.host.latest(r.env_id, limit=SEARCHED_BACKUPS)
        matches = [b for b in latest if b.id == wanted] or [
            b for b in latest if b.id.startswith(wanted)
        ]
        if len(matches) > 1:
            raise CommandError(
                f"`{wanted}` starts {len(matches)} backups of `{ref.label}`; give more of its id.",
                hint=listing,
            )
        backup = matches[0] if matches else None
        if backup is None and len(wanted.replace("-", "")) >= FULL_ID:
            try:  # a full id: maybe an older backup, or another environment's
                backup = await r.host.get(r.env_id, wanted)
            except OecNotFound:
                backup = None
        if backup is None:
            raise CommandError(f"No backup `{wanted}` of `{ref.label}`.", hint=listing)
        if backup.environment_id and backup.environment_id != r.env_id:
            raise CommandError(
                f"Backup `{short_id(backup.id)}` belongs to another environment, not to "
                f"`{ref.label}`; nothing was requested.",
                hint=listing,
            )
        if not backup.completed:
            status = backup.status.replace("_", " ")
            raise CommandError(
                f"Backup `{short_id(backup.id)}` is {status}: only a completed backup can be "
                "restored; nothing was requested.",
                hint=listing,
            )
        return backup


def facts_of(backup: Backup) -> BackupFacts:
    """What the approval card shows of the backup, kept with the request."""
    return BackupFacts(
        backup_id=backup.id,
        status=backup.status,
        created_at=backup.created_at,
        size_bytes=backup.size_bytes,
        contents=backup.kind,
        backup_type=backup.backup_type,
    )
