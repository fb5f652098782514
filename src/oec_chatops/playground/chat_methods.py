"""`chat.*`: posting, updating, deleting messages, as Slack checks and answers them.

Errors are Slack's codes for the same mistakes: an unknown channel is `channel_not_found`, a
channel the bot was not invited to is `not_in_channel`, an archived one `is_archived`, no text
and no blocks `no_text`, a Block Kit rule broken `invalid_blocks` (with Slack's pointer text).
"""

from __future__ import annotations

import secrets

from oec_chatops.playground.api_args import (
    Args,
    Method,
    Refusal,
    json_arg,
    required_text,
    text_arg,
)
from oec_chatops.playground.block_rules import INTERACTIVE_ELEMENTS, find_block_problem
from oec_chatops.playground.records import Channel, Ephemeral, JsonDict, Message
from oec_chatops.playground.workspace import Workspace

MAX_TEXT = 40_000
NO_TEXT_FALLBACK = "This content can't be displayed."


def writable_channel(ws: Workspace, args: Args) -> Channel:
    """The channel the call writes to, or Slack's reason why the bot cannot write there."""
    ref = text_arg(args, "channel")
    channel = ws.find_channel(ref) if ref else None
    if channel is None:
        raise Refusal("channel_not_found")
    if channel.is_archived:
        raise Refusal("is_archived")
    if not channel.is_member:
        raise Refusal("not_in_channel")
    return channel


def read_blocks(args: Args) -> list[JsonDict] | None:
    blocks = json_arg(args, "blocks", error="invalid_blocks_format")
    if blocks is None:
        return None
    problem = find_block_problem(blocks)
    if problem is not None:
        raise Refusal("invalid_blocks", messages=[problem])
    return with_slack_ids(blocks)


def with_slack_ids(blocks: list[JsonDict]) -> list[JsonDict]:
    """The blocks as Slack stores them: a block or button sent without an id gets a random one.

    So a click on such a button carries an id the app never chose: handlers must match on
    the ids they set, and a test must read ids from the stored message, not from what it sent.
    """
    stored: list[JsonDict] = []
    for block in blocks:
        block = dict(block)
        block.setdefault("block_id", secrets.token_urlsafe(3))
        if isinstance(block.get("accessory"), dict):
            block["accessory"] = _with_action_id(block["accessory"])
        if block.get("type") == "actions" and isinstance(block.get("elements"), list):
            block["elements"] = [_with_action_id(e) for e in block["elements"]]
        stored.append(block)
    return stored


def _with_action_id(element: JsonDict) -> JsonDict:
    if element.get("type") in INTERACTIVE_ELEMENTS and "action_id" not in element:
        return element | {"action_id": secrets.token_urlsafe(3)}
    return element


def read_metadata(args: Args) -> JsonDict | None:
    """Message metadata: `{"event_type": str, "event_payload": {...}}`, or Slack's refusal."""
    metadata = json_arg(args, "metadata", error="invalid_metadata_format")
    if metadata is None:
        return None
    if (
        not isinstance(metadata, dict)
        or not isinstance(metadata.get("event_type"), str)
        or not metadata["event_type"]
        or not isinstance(metadata.get("event_payload", {}), dict)
    ):
        raise Refusal("invalid_metadata_format")
    return {
        "event_type": metadata["event_type"],
        "event_payload": metadata.get("event_payload", {}),
    }


def read_content(args: Args, *, required: bool = True) -> tuple[str | None, list[JsonDict] | None]:
    text = text_arg(args, "text") or text_arg(args, "markdown_text")
    blocks = read_blocks(args)
    attachments = json_arg(args, "attachments", error="invalid_attachments")
    if required and text is None and not blocks and not attachments:
        raise Refusal("no_text")
    if text is not None and len(text) > MAX_TEXT:
        raise Refusal("msg_too_long")
    return text, blocks


def bot_profile(ws: Workspace) -> JsonDict:
    me = ws.identity
    return {
        "id": me.bot_id,
        "app_id": me.app_id,
        "name": me.bot_name,
        "deleted": False,
        "team_id": me.team_id,
        "icons": {},
        "updated": 1_767_225_600,
    }


def post_message(ws: Workspace, args: Args) -> JsonDict:
    channel = writable_channel(ws, args)
    text, blocks = read_content(args)
    message = ws.add_message(
        Message(
            channel_id=channel.channel_id,
            ts=ws.next_ts(),
            text=text if text is not None else NO_TEXT_FALLBACK,
            blocks=blocks or [],
            thread_ts=text_arg(args, "thread_ts"),
            metadata=read_metadata(args),
            user_id=ws.identity.bot_user_id,
            bot_id=ws.identity.bot_id,
            app_id=ws.identity.app_id,
            team_id=ws.identity.team_id,
        )
    )
    shown = message.to_api() | {"bot_profile": bot_profile(ws)}
    return {"ok": True, "channel": channel.channel_id, "ts": message.ts, "message": shown}


def _live_message(ws: Workspace, args: Args, ts_arg: str) -> tuple[Channel, Message]:
    """The channel and the not-deleted message that `channel` and `ts_arg` name."""
    ref = text_arg(args, "channel")
    channel = ws.find_channel(ref) if ref else None
    if channel is None:
        raise Refusal("channel_not_found")
    ts = required_text(args, ts_arg, error="message_not_found")
    message = ws.find_message(channel.channel_id, ts)
    if message is None or message.deleted:
        raise Refusal("message_not_found")
    return channel, message


def _own_message(ws: Workspace, args: Args, *, not_mine: str) -> tuple[Channel, Message]:
    channel, message = _live_message(ws, args, "ts")
    if message.bot_id != ws.identity.bot_id:
        raise Refusal(not_mine)
    if channel.is_archived:
        raise Refusal("is_archived")
    return channel, message


def update_message(ws: Workspace, args: Args) -> JsonDict:
    """`chat.update`: omitted blocks are kept (Slack's rule); `"blocks": []` removes them."""
    channel, message = _own_message(ws, args, not_mine="cant_update_message")
    text, blocks = read_content(args, required=False)
    metadata = read_metadata(args)
    if text is None and blocks is None and metadata is None:
        raise Refusal("no_text")
    if text is None and blocks:
        text = NO_TEXT_FALLBACK
    updated = ws.edit_message(message, text=text, blocks=blocks, metadata=metadata)
    return {
        "ok": True,
        "channel": channel.channel_id,
        "ts": updated.ts,
        "text": updated.text,
        "message": updated.to_api() | {"bot_profile": bot_profile(ws)},
    }


def delete_message(ws: Workspace, args: Args) -> JsonDict:
    channel, message = _own_message(ws, args, not_mine="cant_delete_message")
    ws.delete_message(message)
    return {"ok": True, "channel": channel.channel_id, "ts": message.ts}


def post_ephemeral(ws: Workspace, args: Args) -> JsonDict:
    channel = writable_channel(ws, args)
    user_id = required_text(args, "user", error="user_not_found")
    if user_id not in ws.users:
        raise Refusal("user_not_found")
    text, blocks = read_content(args)
    ephemeral = ws.add_ephemeral(
        Ephemeral(
            channel_id=channel.channel_id,
            user_id=user_id,
            ts=ws.next_ts(),
            text=text if text is not None else NO_TEXT_FALLBACK,
            blocks=blocks or [],
            thread_ts=text_arg(args, "thread_ts"),
        )
    )
    return {"ok": True, "message_ts": ephemeral.ts}


def get_permalink(ws: Workspace, args: Args) -> JsonDict:
    channel, message = _live_message(ws, args, "message_ts")
    ts = message.ts
    link = (
        f"https://{ws.identity.team_domain}.slack.com/archives/"
        f"{channel.channel_id}/p{ts.replace('.', '')}"
    )
    if message.is_reply:
        link += f"?thread_ts={message.thread_ts}&cid={channel.channel_id}"
    return {"ok": True, "channel": channel.channel_id, "permalink": link}


CHAT_METHODS: dict[str, Method] = {
    "chat.postMessage": post_message,
    "chat.update": update_message,
    "chat.delete": delete_message,
    "chat.postEphemeral": post_ephemeral,
    "chat.getPermalink": get_permalink,
}
