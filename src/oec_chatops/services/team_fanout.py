"""Which channels a multi-workspace install's update may reach: those of its own workspace.

A delivery through a workspace's webhook door, a command typed in a workspace, a poll made
with a workspace's oec.sh key: each is that workspace's, and reaches only channels Slack told
the bot belong to it (`channel_teams`, learnt from signed requests). A one-workspace bot has
no workspace (`team` None) and every channel is its own. A channel whose workspace the bot
never learnt is in none: fail closed, rather than post with a guessed token.
"""

from __future__ import annotations

from collections.abc import Iterable

from oec_chatops.store.rows import Subscription
from oec_chatops.store.store import Repos


def channel_in_team(repos: Repos, channel_id: str, team: str | None) -> bool:
    """Is the channel in workspace `team`? Every channel is when `team` is None."""
    return team is None or repos.channel_teams.team_of(channel_id) == team


def in_team(repos: Repos, subs: Iterable[Subscription], team: str | None) -> list[Subscription]:
    """The subscriptions of channels in workspace `team` (all of them when `team` is None)."""
    return [s for s in subs if channel_in_team(repos, s.channel_id, team)]
