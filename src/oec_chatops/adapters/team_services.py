"""`TeamServices`: the command and approval services under each workspace's own policy.

The services take one `Policy` when built. A multi-workspace install keeps them as they are
and builds, per workspace, a copy that differs only in its policy (and the user-group directory
that policy reads): everything else (store, platform, Slack client, workers) is shared, and the
platform and Slack client already act for whichever workspace is asking (`team_scope`).
A copy is rebuilt when the workspace's policy text changes, at its next request.
"""

from __future__ import annotations

from dataclasses import replace

from oec_chatops.adapters.workspaces import Workspaces
from oec_chatops.clock import Clock
from oec_chatops.policy import Policy
from oec_chatops.services.approvals import Approvals
from oec_chatops.services.commands import CommandService
from oec_chatops.services.directory import Directory


class TeamServices:
    """The shared services, with each workspace's policy."""

    def __init__(self, *, workspaces: Workspaces, base: CommandService, clock: Clock) -> None:
        self._workspaces = workspaces
        self._base = base
        self._clock = clock
        self._built: dict[str, tuple[Policy, CommandService]] = {}

    def for_team(self, team_id: str) -> CommandService:
        policy = self._workspaces.policy(team_id)
        built = self._built.get(team_id)
        if built is not None and built[0] is policy:
            return built[1]
        directory = Directory(slack=self._base.directory.slack, policy=policy, clock=self._clock)
        approvals = replace(self._base.approvals, policy=policy, directory=directory)
        # Change control under this workspace's policy: its admins, its scheduled freezes.
        control = replace(self._base.change_control, policy=policy, directory=directory)
        service = replace(
            self._base,
            policy=policy,
            directory=directory,
            approvals=approvals,
            change_control=control,
            change_commands=replace(self._base.change_commands, control=control),
        )
        self._built[team_id] = (policy, service)
        return service

    def approvals_for(self, team_id: str) -> Approvals:
        return self.for_team(team_id).approvals

    def service_for(self, channel_id: str) -> tuple[str, CommandService]:
        team = self._workspaces.team_of(channel_id)
        return team, self.for_team(team)
