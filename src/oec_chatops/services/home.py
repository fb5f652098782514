"""What one user's App Home shows, read now: `HomeReader.snapshot(user_id)`.

Approvals and running deployments come from the store (cheap, always fresh). Environment
statuses come from the platform, which may be slow or down, so they are read at most once per
`ENV_TTL` for every Home at once, each read bounded by `ENV_BUDGET`: a Home is never held up
by a host that does not answer, and it says so instead (a line naming the host, or the time of
the statuses it still shows), never showing "no environments" for "could not ask".

A multi-workspace install (`teams`) draws each Home for one workspace (`team_id`) and shows
nothing of another: its own listing (cached per workspace, read with its oec.sh key), the
approvals and deployments of its own channels (`store.team_home`), its own policy's role. A
Home of no known workspace shows none of it (fail closed).

`digest()` is a fingerprint of what the store gives every Home (of one workspace): the
refresher republishes when it changes (`services.home_refresh`).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from oec_chatops import policy
from oec_chatops.clock import Clock
from oec_chatops.context import team_id_var
from oec_chatops.domain import Approval, ApprovalState
from oec_chatops.errors import CommandError
from oec_chatops.hosts import Hosts
from oec_chatops.oec.errors import OecError
from oec_chatops.platform import Platform
from oec_chatops.policy import Policy
from oec_chatops.services.change_control import ChangeControl
from oec_chatops.services.deployments import from_dict
from oec_chatops.services.directory import Directory
from oec_chatops.slack.blocks.home import EnvLine, HomeApproval, HomeSnapshot
from oec_chatops.slack.blocks.kit import plain_time
from oec_chatops.store import Store
from oec_chatops.store.rows import DeploymentRow

log = logging.getLogger(__name__)

ENV_BUDGET = 3.0
"""Seconds the platform gets to list environments for a Home; past that the Home goes out
without fresh statuses (and says so)."""
ENV_TTL = 60.0
"""Seconds one environment listing serves every Home: a busy deploy republishes Homes often,
and each must not cost the platform a listing."""
ENV_RETRY = 15.0
"""Seconds a failed or partial listing serves before the platform is asked again: a host that
is down must not cost every Home publish the whole budget."""
MAX_DEPLOYMENTS = 200


@dataclass(frozen=True, slots=True)
class EnvListing:
    """Environments as last listed, when they were read and last asked for (monotonic clock
    seconds), and what the Home should say about them."""

    lines: tuple[EnvLine, ...]
    at: float
    asked: float
    note: str | None = None
    complete: bool = True  # False: a host failed, so ask again after ENV_RETRY


class TeamRules(Protocol):
    """One workspace's policy and the user-group directory it reads."""

    @property
    def policy(self) -> Policy: ...

    @property
    def directory(self) -> Directory: ...

    @property
    def change_control(self) -> ChangeControl | None: ...


class HomeTeams(Protocol):
    """A multi-workspace install's rules by workspace (`adapters.team_services`)."""

    def for_team(self, team_id: str) -> TeamRules: ...


@contextmanager
def in_team(team_id: str, *, enter: bool = True) -> Iterator[None]:
    """Act as `team_id` (`team_id_var`: its Slack token and oec.sh key) for the block; does
    nothing when `enter` is False (a one-workspace bot)."""
    if not enter:
        yield
        return
    token = team_id_var.set(team_id)
    try:
        yield
    finally:
        team_id_var.reset(token)


@dataclass
class HomeReader:
    """Builds `HomeSnapshot`s: the store's approvals and deployments, the platform's statuses."""

    store: Store
    clock: Clock
    policy: Policy
    directory: Directory
    platform: Platform
    hosts: Hosts | None = None
    # Freezes in force and locks, shown in their own section (None: not shown).
    change_control: ChangeControl | None = None
    env_budget: float = ENV_BUDGET
    env_ttl: float = ENV_TTL
    # A multi-workspace install: each workspace's policy (None: one workspace, `policy`).
    teams: HomeTeams | None = None
    _listings: dict[str, EnvListing] = field(default_factory=dict, init=False)
    _listing_locks: dict[str, asyncio.Lock] = field(default_factory=dict, init=False)

    async def snapshot(
        self, user_id: str, *, team_id: str = "", notice: str | None = None
    ) -> HomeSnapshot:
        """`user_id`'s Home, in workspace `team_id` (ignored by a one-workspace bot)."""
        with in_team(team_id, enter=self.teams is not None):
            return await self._snapshot(user_id, team_id, notice)

    async def _snapshot(self, user_id: str, team_id: str, notice: str | None) -> HomeSnapshot:
        rules = self._rules(team_id)
        cc = rules.change_control if self.change_control is not None else None
        groups = await rules.directory.groups_of(user_id)
        can_approve = policy.can_approve(rules.policy, user_id, groups)
        listing = await self.environments(team_id)
        now = self.clock.now()
        pending = [
            a for a in self._pending(team_id) if self.clock.time() < a.expires_at.timestamp()
        ]
        return HomeSnapshot(
            user_id=user_id,
            role=policy.role_of(rules.policy, user_id, groups),
            can_approve=can_approve,
            now=now,
            environments=listing.lines,
            environments_note=listing.note,
            deployments=tuple(from_dict(row.state) for row in self._active(team_id)),
            approvals=tuple(
                item
                for item in (self._for_user(a, user_id, can_approve) for a in pending)
                if item is not None
            ),
            freezes=tuple(cc.active_freezes(now)) if cc else (),
            locks=tuple(cc.locks()) if cc else (),
            notice=notice,
        )

    def _for_user(self, a: Approval, user_id: str, can_approve: bool) -> HomeApproval | None:
        """What this user may do about this request, or None when it is none of theirs.

        The same rules the service applies to a click (`services.approvals`): approvers decide
        others' requests (their own too where the policy allows self-approval); the requester
        may cancel. The service checks again when the button is pressed."""
        own = a.requested_by == user_id
        may_decide = can_approve and (
            not own or self.store.approvals.self_approval_allowed(a.approval_id)
        )
        if not may_decide and not own:
            return None
        return HomeApproval(approval=a, may_decide=may_decide, may_cancel=own)

    def _rules(self, team_id: str) -> TeamRules:
        """The policy, directory and change control a Home of `team_id` is drawn with."""
        return self if self.teams is None else self.teams.for_team(team_id)

    def _pending(self, team_id: str) -> list[Approval]:
        """Pending requests; in a multi-workspace install only those of the team's channels."""
        pending = self.store.approvals.in_states([ApprovalState.PENDING])
        if self.teams is None:
            return pending
        channels = self.store.team_homes.channels(team_id)
        return [a for a in pending if a.channel_id in channels]

    def _active(self, team_id: str) -> list[DeploymentRow]:
        """Running deployments; in a multi-workspace install only those the team's channels
        started or show."""
        if self.teams is None:
            return self.store.deployments.active(limit=MAX_DEPLOYMENTS)
        return self.store.team_homes.active_deployments(team_id, limit=MAX_DEPLOYMENTS)

    def digest(self, team_id: str = "") -> str:
        """A fingerprint of the store's part of every Home (of `team_id`): pending requests and
        their votes, running deployments and their progress. Equal digests, nothing to
        republish."""
        pending = self._pending(team_id)
        active = self._active(team_id)
        cc = self._rules(team_id).change_control if self.change_control is not None else None
        raw = repr(
            (
                [(a.approval_id, a.approvers, a.message_ts) for a in pending],
                [(d.task_id, d.status, d.state.get("progress")) for d in active],
                # A freeze starting or ending, a lock taken or released, changes every Home.
                cc.active_freezes() if cc else (),
                cc.locks() if cc else (),
            )
        )
        return hashlib.sha256(raw.encode()).hexdigest()

    async def environments(self, team_id: str = "") -> EnvListing:
        """The shared listing (of `team_id`'s oec.sh key, asked as that workspace): fresh if
        younger than the TTL, else asked again within budget."""
        key = team_id if self.teams is not None else ""
        async with self._listing_locks.setdefault(key, asyncio.Lock()):
            current = self._listings.get(key)
            now = self.clock.monotonic()
            ttl = self.env_ttl if current is None or current.complete else ENV_RETRY
            if current is not None and now - current.asked < min(ttl, self.env_ttl):
                return current
            with in_team(key, enter=self.teams is not None):
                listing = self._listings[key] = await self._list(current, now)
            return listing

    def forget_team(self, team_id: str) -> None:
        """The workspace is gone (uninstalled): its cached listing goes with it."""
        self._listings.pop(team_id, None)
        self._listing_locks.pop(team_id, None)

    async def _list(self, previous: EnvListing | None, now: float) -> EnvListing:
        try:
            async with asyncio.timeout(self.env_budget):
                if self.hosts is not None:
                    found = await self.hosts.list_everywhere()
                    pairs, down = found.pairs, found.unreachable
                else:
                    pairs, down = await self.platform.list_all_environments(), []
        except CommandError as exc:
            # The workspace has no oec.sh key (`WorkspaceNotConnected`): the Home says so.
            return EnvListing((), now, now, str(exc), complete=False)
        except (OecError, TimeoutError) as exc:
            log.warning("home.environments_unavailable", extra={"error": type(exc).__name__})
            why = (
                f"The platform did not answer within {self.env_budget:g} s"
                if isinstance(exc, TimeoutError)
                else "The platform could not be reached"
            )
            if previous is not None and previous.lines:
                stale = f"{why}; statuses as of {plain_time(self._at(previous))}."
                return EnvListing(previous.lines, previous.at, now, stale, complete=False)
            return EnvListing(
                (), now, now, f"{why}; environments cannot be listed right now.", complete=False
            )
        lines = tuple(
            EnvLine(
                label=f"{project.slug or project.name}/{env.name}", status=env.status, url=env.url
            )
            for project, env in pairs
        )
        note: str | None = None
        if down:
            names = ", ".join(f"`{n}`" for n in down)
            note = f"Could not reach {names}: its environments are not listed."
        return EnvListing(lines, now, now, note, complete=not down)

    def _at(self, listing: EnvListing) -> datetime:
        """The wall-clock time of a listing taken at monotonic `listing.at`."""
        return self.clock.now() - timedelta(seconds=self.clock.monotonic() - listing.at)
