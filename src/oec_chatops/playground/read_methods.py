"""The read methods: who the bot is, who the users are, what a channel holds.

`conversations.history` matters most: after a crash the bot looks in a channel's recent
history for a message it may already have posted, by the metadata it attached. Slack returns
top-level messages newest first; thread replies appear only in `conversations.replies`, and
metadata only when `include_all_metadata` is set (the strict reading of Slack's docs, so a bot
that forgets the flag fails here rather than in production).
"""

from __future__ import annotations

import base64
import binascii

from oec_chatops.playground.api_args import (
    Args,
    Method,
    Refusal,
    flag_arg,
    int_arg,
    required_text,
    text_arg,
)
from oec_chatops.playground.records import Channel, JsonDict, Message
from oec_chatops.playground.workspace import Workspace

BOT_SCOPES = (
    "commands,chat:write,im:write,users:read,usergroups:read,"
    "channels:read,groups:read,channels:history,groups:history,im:history"
)


def auth_test(ws: Workspace, args: Args) -> JsonDict:
    me = ws.identity
    return {
        "ok": True,
        "url": f"https://{me.team_domain}.slack.com/",
        "team": me.team_domain,
        "user": me.bot_name,
        "team_id": me.team_id,
        "user_id": me.bot_user_id,
        "bot_id": me.bot_id,
        "is_enterprise_install": False,
    }


def users_info(ws: Workspace, args: Args) -> JsonDict:
    user = ws.users.get(required_text(args, "user", error="user_not_found"))
    if user is None:
        raise Refusal("user_not_found")
    return {"ok": True, "user": user.to_api(team_id=ws.identity.team_id)}


def usergroups_list(ws: Workspace, args: Args) -> JsonDict:
    include_users = flag_arg(args, "include_users")
    groups = [
        g.to_api(team_id=ws.identity.team_id, include_users=include_users)
        for g in ws.usergroups.values()
    ]
    return {"ok": True, "usergroups": groups}


def usergroups_users_list(ws: Workspace, args: Args) -> JsonDict:
    group = ws.usergroups.get(required_text(args, "usergroup", error="no_such_subteam"))
    if group is None:
        raise Refusal("no_such_subteam")
    return {"ok": True, "users": list(group.members)}


def _known_channel(ws: Workspace, args: Args) -> Channel:
    ref = text_arg(args, "channel")
    channel = ws.find_channel(ref) if ref else None
    if channel is None:
        raise Refusal("channel_not_found")
    return channel


def conversations_info(ws: Workspace, args: Args) -> JsonDict:
    return {"ok": True, "channel": _known_channel(ws, args).to_api()}


def conversations_list(ws: Workspace, args: Args) -> JsonDict:
    types = set((text_arg(args, "types") or "public_channel").split(","))
    exclude_archived = flag_arg(args, "exclude_archived")
    limit = int_arg(args, "limit", default=100, low=1, high=1000)
    start = int(_decode_cursor(text_arg(args, "cursor")) or 0)

    def wanted(c: Channel) -> bool:
        kind = "im" if c.im_user_id else "private_channel" if c.is_private else "public_channel"
        return kind in types and not (exclude_archived and c.is_archived)

    channels = [c for c in ws.channels.values() if wanted(c)]
    page = channels[start : start + limit]
    more = start + limit < len(channels)
    return {
        "ok": True,
        "channels": [c.to_api() for c in page],
        "response_metadata": {"next_cursor": _encode_cursor(str(start + limit)) if more else ""},
    }


def _ts_key(ts: str) -> tuple[int, int]:
    seconds, _, fraction = ts.partition(".")
    try:
        return int(seconds or 0), int((fraction + "000000")[:6])
    except ValueError:
        raise Refusal("invalid_ts_latest" if ts else "invalid_arguments") from None


def _encode_cursor(value: str) -> str:
    return base64.urlsafe_b64encode(f"next:{value}".encode()).decode()


def _decode_cursor(cursor: str | None) -> str | None:
    if not cursor:
        return None
    try:
        decoded = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise Refusal("invalid_cursor") from None
    if not decoded.startswith("next:"):
        raise Refusal("invalid_cursor")
    return decoded.removeprefix("next:")


def _readable_channel(ws: Workspace, args: Args) -> Channel:
    channel = _known_channel(ws, args)
    if not channel.is_member:
        raise Refusal("not_in_channel")
    return channel


def _with_thread_fields(ws: Workspace, message: Message, *, metadata: bool) -> JsonDict:
    shown = message.to_api(include_metadata=metadata)
    replies = [
        m
        for m in ws.visible_messages(message.channel_id)
        if m.is_reply and m.thread_ts == message.ts
    ]
    if replies:
        shown.update(
            thread_ts=message.ts,
            reply_count=len(replies),
            reply_users=sorted({m.user_id for m in replies if m.user_id}),
            reply_users_count=len({m.user_id for m in replies if m.user_id}),
            latest_reply=replies[-1].ts,
        )
    return shown


def conversations_history(ws: Workspace, args: Args) -> JsonDict:
    channel = _readable_channel(ws, args)
    limit = int_arg(args, "limit", default=100, low=1, high=999)
    inclusive = flag_arg(args, "inclusive")
    metadata = flag_arg(args, "include_all_metadata")
    oldest = _ts_key(text_arg(args, "oldest") or "0")
    cursor = _decode_cursor(text_arg(args, "cursor"))
    latest_ts = cursor or text_arg(args, "latest")
    latest = _ts_key(latest_ts) if latest_ts else None

    def in_range(m: Message) -> bool:
        key = _ts_key(m.ts)
        above = key >= oldest if inclusive else key > oldest
        below = latest is None or (key <= latest if inclusive and not cursor else key < latest)
        return above and below

    top = sorted(
        (m for m in ws.visible_messages(channel.channel_id) if not m.is_reply and in_range(m)),
        key=lambda m: _ts_key(m.ts),
        reverse=True,
    )
    page, more = top[:limit], len(top) > limit
    return {
        "ok": True,
        "messages": [_with_thread_fields(ws, m, metadata=metadata) for m in page],
        "has_more": more,
        "pin_count": 0,
        "channel_actions_ts": None,
        "channel_actions_count": 0,
        "response_metadata": {"next_cursor": _encode_cursor(page[-1].ts) if more else ""},
    }


def conversations_replies(ws: Workspace, args: Args) -> JsonDict:
    channel = _readable_channel(ws, args)
    ts = required_text(args, "ts", error="thread_not_found")
    parent = ws.find_message(channel.channel_id, ts)
    if parent is None or parent.deleted:
        raise Refusal("thread_not_found")
    metadata = flag_arg(args, "include_all_metadata")
    limit = int_arg(args, "limit", default=1000, low=1, high=1000)
    replies = [
        m.to_api(include_metadata=metadata)
        for m in ws.visible_messages(channel.channel_id)
        if m.is_reply and m.thread_ts == ts
    ]
    thread = [_with_thread_fields(ws, parent, metadata=metadata), *replies]
    return {
        "ok": True,
        "messages": thread[:limit],
        "has_more": len(thread) > limit,
        "response_metadata": {"next_cursor": ""},
    }


READ_METHODS: dict[str, Method] = {
    "auth.test": auth_test,
    "users.info": users_info,
    "usergroups.list": usergroups_list,
    "usergroups.users.list": usergroups_users_list,
    "conversations.info": conversations_info,
    "conversations.list": conversations_list,
    "conversations.history": conversations_history,
    "conversations.replies": conversations_replies,
}
