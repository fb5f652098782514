"""Finding a post the bot may have made: by the metadata key every outbox post carries.

`chat.postMessage` has no idempotency key. A post whose answer never came (a crash, a timeout,
a connection lost after sending, a 5xx) is looked for here before it is posted again.
"""

from __future__ import annotations

from typing import Any

from oec_chatops.services.outbox.calls import OutboxSlack
from oec_chatops.store.rows import OutboxRow

METADATA_EVENT = "oec_chatops"
# How far back a channel is searched for a post the bot may have made.
HISTORY_PAGE = 200
HISTORY_PAGES = 5
# Slack's clocks and ours differ; the post may also predate the in-flight mark by a little.
LOOKBACK_SLACK = 60.0


def metadata_for(key: str) -> dict[str, Any]:
    return {"event_type": METADATA_EVENT, "event_payload": {"key": key}}


def carries_key(message: dict[str, Any], key: str) -> bool:
    metadata = message.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    return bool(metadata.get("event_type") == METADATA_EVENT and payload.get("key") == key)


async def find_posted(
    slack: OutboxSlack, row: OutboxRow, key: str, *, thread_ts: str | None = None
) -> str | None:
    """The ts of our message with metadata `key` in the row's channel (or thread), if any.

    A thread reply never shows in `conversations.history`, so a reply is looked for in its
    thread (`conversations.replies`). A top-level post is looked for from shortly before the row
    went in flight, page after page: a busy channel may have moved on since.
    """
    since = max(0.0, min(row.created_at, row.inflight_at or row.created_at) - LOOKBACK_SLACK)
    cursor: str | None = None
    for _ in range(HISTORY_PAGES):
        response = await _page(slack, row.channel_id, since, thread_ts, cursor)
        for message in response.get("messages", []) or []:
            if carries_key(message, key):
                return str(message["ts"])
        cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            break
    return None


async def _page(
    slack: OutboxSlack, channel: str, since: float, thread_ts: str | None, cursor: str | None
) -> Any:
    if thread_ts is not None:
        return await slack.call(
            "conversations.replies",
            channel,
            lambda slack: slack.conversations_replies(
                channel=channel,
                ts=thread_ts,
                limit=HISTORY_PAGE,
                cursor=cursor,
                include_all_metadata=True,
            ),
        )
    return await slack.call(
        "conversations.history",
        channel,
        lambda slack: slack.conversations_history(
            channel=channel,
            limit=HISTORY_PAGE,
            oldest=str(since),
            cursor=cursor,
            include_all_metadata=True,
        ),
    )
