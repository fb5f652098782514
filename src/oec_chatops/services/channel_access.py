"""Can the bot post in this channel? Asked of Slack before a change is sent anywhere.

A change made from a channel is followed there: its living deployment message, or its approval
card, is the only place where anyone sees it run or can approve it. In a channel the bot is not
in (`#random` before `/invite @oec`), Slack refuses those posts with `not_in_channel`: the
deploy would run unseen, and a protected one would wait for a card nobody can click. So the
command asks `conversations.info` first (its `is_member`; the `channels:read` and
`groups:read` scopes) and sends nothing to the platform, and stores no approval request,
unless the answer is a clear yes.

Why ask first rather than post a "queued" message first and call the platform only once it
is there: the living message is posted by the outbox, durably and in channel order, often
after the command has answered; making the command wait on it would tie the action to the
outbox's pacing and retries. One read call answers the same question at once.

Fail closed: an answer that is not a clear yes (Slack unreachable, rate limited, a scope
missing from an old install) refuses the change and says why, privately; nothing was sent, so
running it again is safe. Only a yes is remembered, and only for a minute, so that a burst of
commands in one channel costs one call; a no is asked again each time, so that the command
works the moment someone has invited the bot.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from oec_chatops.clock import Clock
from oec_chatops.errors import CommandError
from oec_chatops.slack.blocks.subscriptions import INVITE

log = logging.getLogger(__name__)

MEMBER_CACHE_SECONDS = 60.0
_GONE = frozenset({"channel_not_found", "not_in_channel"})
_ARCHIVED = frozenset({"is_archived", "channel_is_archived"})


def not_member_text(channel_name: str | None) -> str:
    """The private answer in a channel the bot is not in, naming it where Slack told us."""
    where = f"#{channel_name}" if channel_name else "this channel"
    return f"I'm not in {where}: `{INVITE}`, then run it again."


def archived_text(channel_name: str | None) -> str:
    where = f"#{channel_name}" if channel_name else "This channel"
    return f"{where} is archived, so I cannot post in it. Run the command in another channel."


@dataclass(slots=True)
class ChannelAccess:
    """Asks Slack whether the bot is a member of a channel; remembers a yes for a minute."""

    slack: AsyncWebClient
    clock: Clock
    _member_until: dict[str, float] = field(default_factory=dict)

    async def require_postable(self, channel_id: str) -> None:
        """Return if the bot can post in `channel_id`; raise `CommandError` saying why not."""
        now = self.clock.monotonic()
        if self._member_until.get(channel_id, float("-inf")) > now:
            return
        try:
            response = await self.slack.conversations_info(channel=channel_id)
        except SlackApiError as exc:
            error = str(exc.response.get("error") or "")
            log.warning("channel_access.refused", extra={"channel": channel_id, "error": error})
            if error in _GONE:
                raise CommandError(not_member_text(None)) from None
            if error in _ARCHIVED:
                raise CommandError(archived_text(None)) from None
            if error == "missing_scope":
                raise CommandError(
                    "I could not check that I can post in this channel: my Slack app lacks the "
                    "`channels:read` or `groups:read` scope, so nothing was sent. An admin "
                    "adds them by reinstalling the app from manifest.yml."
                ) from None
            raise CommandError(_unsure(f"Slack answered `{error or 'an error'}`")) from None
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            log.warning(
                "channel_access.unreachable",
                extra={"channel": channel_id, "error": type(exc).__name__},
            )
            raise CommandError(_unsure("Slack did not answer")) from None
        channel = response.get("channel") or {}
        name = channel.get("name") or None
        if channel.get("is_archived"):
            raise CommandError(archived_text(name))
        # A direct message with the bot has no `is_member`: the bot is in it by definition (a
        # conversation the bot is not part of is `channel_not_found` above).
        if not (channel.get("is_member") or channel.get("is_im")):
            raise CommandError(not_member_text(name))
        self._member_until[channel_id] = now + MEMBER_CACHE_SECONDS


def _unsure(why: str) -> str:
    return (
        f"I could not check that I can post in this channel ({why}), so nothing was sent. "
        "Try again in a minute."
    )
