"""Who is in which Slack user group, for policies that name groups (`S0DEVTEAM`).

Asked of Slack only when the policy names a group at all, and cached for five minutes; commands
that find it stale at the same moment share one `usergroups.list` call.
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from oec_chatops.clock import Clock
from oec_chatops.policy import Policy

log = logging.getLogger(__name__)
CACHE_SECONDS = 300.0


class Directory:
    def __init__(self, *, slack: AsyncWebClient, policy: Policy, clock: Clock) -> None:
        self.slack = slack
        self.clock = clock
        named = policy.admins | policy.deployers | policy.viewers | policy.approvers
        self._needed = any(i.startswith("S") for i in named)
        self._members: dict[str, frozenset[str]] = {}
        self._at = float("-inf")
        self._refreshing: asyncio.Task[None] | None = None

    async def groups_of(self, user_id: str) -> frozenset[str]:
        if not self._needed:
            return frozenset()
        if self.clock.monotonic() - self._at > CACHE_SECONDS:
            await self._refresh_once()
        return frozenset(g for g, members in self._members.items() if user_id in members)

    async def _refresh_once(self) -> None:
        """Commands that find the membership stale together share one `usergroups.list`.

        Slack allows that method about 20 calls a minute: a burst asking one each would be
        rate limited, and its users would lose their group roles until the next try.
        """
        refreshing = self._refreshing
        if refreshing is None or refreshing.done():
            refreshing = asyncio.get_running_loop().create_task(self._refresh(), name="directory")
            self._refreshing = refreshing
        # One command giving up (cancelled) must not cancel the others' refresh.
        await asyncio.shield(refreshing)

    async def _refresh(self) -> None:
        try:
            response = await self.slack.usergroups_list(include_users=True)
        except (SlackApiError, aiohttp.ClientError, TimeoutError, OSError) as exc:
            # Without group data, users get the roles their own ids give them: never more.
            # What was known stays known until Slack answers again.
            error = exc.response.get("error") if isinstance(exc, SlackApiError) else None
            log.warning("directory.usergroups_failed", extra={"error": error or type(exc).__name__})
            self._at = self.clock.monotonic() - CACHE_SECONDS + 30
            return
        groups: list[dict[str, object]] = response.get("usergroups", []) or []
        self._members = {str(g["id"]): frozenset(g.get("users") or ()) for g in groups}  # type: ignore[call-overload]
        self._at = self.clock.monotonic()
