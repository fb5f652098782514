"""`/oec freeze`, `/oec unfreeze`, `/oec lock`, `/oec unlock`: setting change control from Slack.

Each is one durable write with its audit row in the same transaction, then the answer. Who may
run them is the policy's (`policy.required_role`: freezes are the admins', locks the deployers');
whose lock may be lifted is decided here: its holder's, or an admin's (audited as breaking it).
"""

from __future__ import annotations

from dataclasses import dataclass

from oec_chatops.errors import CommandError
from oec_chatops.services.audit import audit
from oec_chatops.services.change_control import ChangeControl
from oec_chatops.services.resolver import Resolver
from oec_chatops.services.types import Invocation, Reply, Wake
from oec_chatops.slack import grammar
from oec_chatops.slack.blocks import change_control as cc

MAX_FREEZE_SECONDS = 30 * 86400.0


@dataclass(frozen=True, slots=True)
class ChangeCommands:
    """The four change-control verbs."""

    control: ChangeControl
    resolver: Resolver
    # Approvals waiting on a freeze or lock are looked at again when one is lifted.
    wake_waiting: Wake

    async def freeze(self, inv: Invocation, cmd: grammar.Command, reply: Reply) -> None:
        glob, length = cmd.target, cmd.duration
        if glob is None or length is None:  # the grammar guarantees both; a bug otherwise
            raise CommandError(
                "Which environments, and for how long?", hint=grammar.usage(cmd.verb)
            )
        seconds = length.total_seconds()
        if not 0 < seconds <= MAX_FREEZE_SECONDS:
            raise CommandError(
                "A freeze from Slack lasts from a minute to 30 days; for longer, schedule it "
                "in the policy file (`[[freeze]]`).",
                hint=grammar.usage(cmd.verb),
            )
        c = self.control
        now = c.clock.time()
        with c.store.tx():
            f = c.store.freezes.add(
                env_glob=glob,
                reason=cmd.reason,
                created_by=inv.user_id,
                now=now,
                ends_at=now + seconds,
                team_id=c.owner(),
            )
            self._audit(
                inv.user_id,
                "freeze.created",
                glob,
                "ok",
                freeze_id=f.freeze_id,
                reason=cmd.reason,
                ends_at=f.ends_at.timestamp(),
            )
        await reply(cc.render_frozen(f))

    async def unfreeze(self, inv: Invocation, cmd: grammar.Command, reply: Reply) -> None:
        glob = cmd.target or ""
        c = self.control
        with c.store.tx():
            lifted = c.store.freezes.lift(
                env_glob=glob, by=inv.user_id, now=c.clock.time(), team=c.team()
            )
            self._audit(
                inv.user_id,
                "freeze.lifted",
                glob,
                "ok" if lifted else "none",
                freeze_ids=[f.freeze_id for f in lifted],
            )
        if lifted:
            self.wake_waiting()
        scheduled = [f for f in c.active_freezes() if f.scheduled]
        await reply(cc.render_unfrozen(glob, len(lifted), scheduled))

    async def lock(self, inv: Invocation, cmd: grammar.Command, reply: Reply) -> None:
        ref = await self.resolver.environment(cmd.env or "")
        c = self.control
        with c.store.tx():
            held = c.lock_of(ref.env_id)
            lock = held or c.store.locks.take(
                team_id=c.owner(),
                env_id=ref.env_id,
                env_label=ref.label,
                holder=inv.user_id,
                reason=cmd.reason,
                now=c.clock.time(),
            )
            result = "ok" if held is None else "refused_held"
            self._audit(
                inv.user_id,
                "lock.taken",
                ref.label,
                result,
                env_id=ref.env_id,
                holder=lock.holder,
                reason=cmd.reason,
            )
        if held is None:
            await reply(cc.render_lock_taken(lock))
        else:
            await reply(cc.render_lock_held(lock, yours=lock.holder == inv.user_id))

    async def unlock(self, inv: Invocation, cmd: grammar.Command, reply: Reply) -> None:
        ref = await self.resolver.environment(cmd.env or "")
        c = self.control
        lock = c.lock_of(ref.env_id)
        if lock is None:
            raise CommandError(f"`{ref.label}` is not locked; nothing changed.")
        mine = lock.holder == inv.user_id
        if not mine and not await c.is_admin(inv.user_id):
            self._audit(inv.user_id, "lock.released", ref.label, "denied", holder=lock.holder)
            await reply(cc.render_lock_held(lock, yours=False))
            return
        with c.store.tx():
            released = c.store.locks.release(ref.env_id, holder=lock.holder, team_id=c.owner())
            action = "lock.released" if mine else "lock.broken"
            self._audit(
                inv.user_id,
                action,
                ref.label,
                "ok" if released else "gone",
                env_id=ref.env_id,
                holder=lock.holder,
                reason=lock.reason,
            )
        self.wake_waiting()
        await reply(cc.render_unlocked(lock, by=inv.user_id))

    def _audit(self, actor: str, action: str, target: str, result: str, **detail: object) -> None:
        c = self.control
        audit(
            c.store,
            c.clock,
            actor=actor,
            action=action,
            target=target,
            result=result,
            detail=dict(detail),
        )
