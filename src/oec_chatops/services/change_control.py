"""Change control: may this change happen now? Freezes (scheduled in the policy file, or ad hoc
from `/oec freeze`) and environment locks (`/oec lock`).

One place decides, for every verb that changes an environment: `gate` when a command asks
(refuse, or let an admin's `--override` through to an approval), `hold_for` when an approved
request is about to run (a freeze that began meanwhile, or someone else's lock, makes it wait).
`freeze_for(env, now)` is the generic check any new changing verb calls; `active_freezes` and
`locks` are the read functions other views (App Home) render.

In a multi-workspace install (`teams` set) the ad hoc freezes and the locks are the asking
workspace's (`context.team_id_var`; for an approved request, its channel's workspace) and the
scheduled ones come from that workspace's policy: one workspace's freeze or lock never holds
another's changes. Fail closed: a change whose workspace is unknown is held by every
workspace's freezes, and listed nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from oec_chatops import policy
from oec_chatops.clock import Clock
from oec_chatops.context import team_id_var
from oec_chatops.domain import ActiveFreeze, Approval, EnvLock, EnvRef, Role
from oec_chatops.env_globs import env_matches
from oec_chatops.freeze_windows import windows_in_force
from oec_chatops.policy import Policy
from oec_chatops.services.approval_steps import Hold
from oec_chatops.services.audit import audit
from oec_chatops.services.directory import Directory
from oec_chatops.slack import blocks
from oec_chatops.slack.blocks import change_control as cc
from oec_chatops.store import Store


class TeamPolicies(Protocol):
    """A multi-workspace install's workspaces (`adapters.workspaces.Workspaces`)."""

    def policy(self, team_id: str) -> Policy: ...

    def team_of(self, channel_id: str) -> str: ...


@dataclass(frozen=True, slots=True)
class Verdict:
    """What change control says of one command: refused (`refusal` to show), or go ahead,
    through an approval whatever the environment when it is an admin's freeze override."""

    refusal: blocks.Message | None = None
    override: bool = False


@dataclass(frozen=True, slots=True)
class ChangeControl:
    """Freezes and locks, read and enforced."""

    policy: Policy
    store: Store
    clock: Clock
    directory: Directory
    # A multi-workspace install's workspaces; None: a one-workspace bot, every row its own.
    teams: TeamPolicies | None = None

    # Reading ---------------------------------------------------------------------------------

    def team(self) -> str | None:
        """The asking workspace ('' when unknown), or None in a one-workspace bot."""
        return None if self.teams is None else team_id_var.get()

    def owner(self) -> str:
        """The workspace a freeze or lock made now belongs to ('' in a one-workspace bot)."""
        return self.team() or ""

    def _policy(self, team: str | None) -> Policy:
        return self.teams.policy(team) if self.teams is not None and team else self.policy

    def active_freezes(self, now: datetime | None = None) -> list[ActiveFreeze]:
        """Every freeze in force at `now` (default: the clock's now) in the asking workspace,
        scheduled ones first."""
        return self._freezes(now or self.clock.now(), self.team(), holding=False)

    def _freezes(self, at: datetime, team: str | None, *, holding: bool) -> list[ActiveFreeze]:
        """Freezes of workspace `team` (None: the one workspace). `holding`: to decide whether a
        change may go ahead, where an unknown workspace ('') is held by every freeze."""
        rows_of = None if team is None or (holding and not team) else team
        scheduled = [
            ActiveFreeze(
                environments=w.environments,
                reason=w.reason,
                ends_at=end,
                zone=w.zone,
                scheduled=True,
            )
            for w, end in windows_in_force(self._policy(team).freezes, at)
        ]
        return [*scheduled, *self.store.freezes.active(at.timestamp(), rows_of)]

    def freeze_for(self, env: EnvRef, now: datetime) -> ActiveFreeze | None:
        """The freeze that forbids changing `env` at `now` (the one ending last), or None."""
        return self._freeze_for(env, now, self.team())

    def _freeze_for(self, env: EnvRef, now: datetime, team: str | None) -> ActiveFreeze | None:
        freezes = self._freezes(now, team, holding=True)
        matching = [f for f in freezes if env_matches(f.environments, env)]
        return max(matching, key=lambda f: f.ends_at) if matching else None

    def locks(self) -> list[EnvLock]:
        """Every environment lock of the asking workspace, oldest first."""
        return self.store.locks.all(self.team())

    def lock_of(self, env_id: str) -> EnvLock | None:
        return self.store.locks.get(env_id, self.owner())

    async def is_admin(self, user_id: str, team: str | None = None) -> bool:
        """Under the policy of workspace `team` (None: the asking one's, or the one policy)."""
        groups = await self.directory.groups_of(user_id)
        rules = self._policy(self.team() if team is None else team)
        return policy.role_of(rules, user_id, groups) is Role.ADMIN

    # Deciding --------------------------------------------------------------------------------

    async def gate(
        self, *, user_id: str, verb: str, ref: EnvRef, override: bool, reason: str | None
    ) -> Verdict:
        """May `user_id` ask for this change now? Refusals are audited and say why, until when.

        Someone else's lock refuses (admins pass, audited); a freeze refuses unless an admin
        asked `--override` (then the change always goes through an approval, audited as an
        override). `--override` with no freeze in force is refused too: it would mark the
        request as allowed through a freeze nobody has seen yet.
        """
        admin = await self.is_admin(user_id)
        lock = self.lock_of(ref.env_id)
        if lock is not None and lock.holder != user_id:
            if not admin:
                self._audit(user_id, "change.refused", ref, "locked", verb=verb, holder=lock.holder)
                return Verdict(refusal=cc.render_locked_refusal(verb, lock))
            self._audit(user_id, "lock.bypassed", ref, "admin", verb=verb, holder=lock.holder)
        freeze = self.freeze_for(ref, self.clock.now())
        if freeze is None:
            if override:
                return Verdict(
                    refusal=blocks.render_error(
                        f"No freeze is in force on `{ref.label}`, so there is nothing to "
                        "override; run the command without `--override`."
                    )
                )
            return Verdict()
        detail = {"verb": verb, "freeze": freeze.reason, "ends_at": freeze.ends_at.timestamp()}
        if not override or not admin:
            result = "frozen" if not override else "override_denied"
            self._audit(user_id, "change.refused", ref, result, **detail)
            return Verdict(refusal=cc.render_frozen_refusal(verb, ref.label, freeze, admin=admin))
        self._audit(user_id, "freeze.override", ref, "requested", reason=reason, **detail)
        return Verdict(override=True)

    async def hold_for(self, a: Approval, ref: EnvRef) -> Hold | None:
        """Must this approved request wait? A freeze (unless it is an override) or a lock held
        by someone other than its requester (unless the requester is an admin). The freezes
        and locks of the workspace it was asked in (its channel's)."""
        team = None if self.teams is None else self.teams.team_of(a.channel_id)
        if not a.override:
            freeze = self._freeze_for(ref, self.clock.now(), team)
            if freeze is not None:
                return Hold(
                    text=cc.freeze_hold_text(freeze),
                    until=freeze.ends_at,
                    expired_text=cc.freeze_expired_text(freeze),
                )
        lock = self.store.locks.get(a.env_id, team or "")
        if (
            lock is not None
            and lock.holder != a.requested_by
            and not await self.is_admin(a.requested_by, team or "")
        ):
            return Hold(
                text=cc.lock_hold_text(lock),
                until=None,
                expired_text=cc.lock_expired_text(lock),
            )
        return None

    def _audit(self, actor: str, action: str, ref: EnvRef, result: str, **detail: object) -> None:
        audit(
            self.store,
            self.clock,
            actor=actor,
            action=action,
            target=ref.label,
            result=result,
            detail={"env_id": ref.env_id, **detail},
        )
