"""What the playground page shows one person in one channel, as JSON: a read of `FakeSlack`.

The page renders this and nothing else, so what a test reads here is what a person sees:
channel messages with their thread replies underneath, the ephemeral messages only this person
sees (interleaved by time, as Slack shows them), the modal the bot opened for them, and the
names that `<@U…>` mentions stand for. No I/O: the fake is in memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from oec_chatops.playground.demo import Persona
from oec_chatops.playground.fake_slack import FakeSlack
from oec_chatops.playground.records import Channel, Ephemeral, JsonDict, Message


@dataclass(frozen=True, slots=True)
class CommandHint:
    """One line of the composer's hints: how a command is typed and what it does."""

    syntax: str
    summary: str


def page_state(
    fake: FakeSlack,
    *,
    user_id: str,
    channel_id: str,
    people: Sequence[Persona] = (),
    hints: Sequence[CommandHint] = (),
    examples: Sequence[str] = (),
) -> JsonDict:
    """Everything the page needs to draw `channel_id` as `user_id` sees it.

    Raises LookupError for an unknown user or channel, so the route can answer 404.
    """
    me = fake.user(user_id)
    channel = fake.channel(channel_id)
    visible = [c for c in fake.channels() if c.im_user_id in (None, me.user_id)]
    bot = fake.identity
    return {
        "version": fake.version,
        "me": me.user_id,
        "channel": _channel(channel, fake, me.user_id),
        "channels": [_channel(c, fake, me.user_id) for c in visible],
        "timeline": timeline(fake.messages(channel.channel_id), _mine(fake, me.user_id, channel)),
        "view": _open_view(fake, me.user_id),
        "home": _home(fake, me.user_id),
        "people": [
            {"id": p.user_id, "name": fake.user(p.user_id).real_name, "role": p.role}
            for p in people
        ],
        "names": {u.user_id: u.real_name for u in fake.users()} | {bot.bot_user_id: bot.bot_name},
        "groups": {g.usergroup_id: g.handle for g in fake.usergroups()},
        "bot": {"id": bot.bot_user_id, "name": bot.bot_name},
        "hints": [{"syntax": h.syntax, "summary": h.summary} for h in hints],
        "examples": list(examples),
    }


def timeline(messages: Sequence[Message], ephemerals: Sequence[Ephemeral]) -> list[JsonDict]:
    """Top-level items oldest first, each with its replies; ephemerals sit where their ts falls.

    A reply whose parent is gone (deleted, or never in this channel) is shown at the top
    level rather than lost.
    """
    items = [_message(m) for m in messages] + [_ephemeral(e) for e in ephemerals]
    items.sort(key=lambda item: _ts_key(item["ts"]))
    tops: dict[str, JsonDict] = {}
    for item in items:
        if not item["is_reply"]:
            tops.setdefault(item["ts"], item)
    shown: list[JsonDict] = []
    for item in items:
        parent = tops.get(item["thread_ts"] or "") if item["is_reply"] else None
        if parent is not None and parent is not item:
            parent["replies"].append(item)
        else:
            shown.append(item)
    return shown


def _ts_key(ts: str) -> tuple[int, int]:
    seconds, _, micros = ts.partition(".")
    return int(seconds or 0), int(micros or 0)


def _message(m: Message) -> JsonDict:
    return {
        "ts": m.ts,
        "kind": "message",
        "user": m.user_id,
        "is_bot": m.bot_id is not None,
        "text": m.text,
        "blocks": m.blocks,
        "thread_ts": m.thread_ts,
        "is_reply": m.is_reply,
        "edits": len(m.edits),
        "replies": [],
    }


def _ephemeral(e: Ephemeral) -> JsonDict:
    return {
        "ts": e.ts,
        "kind": "ephemeral",
        "user": None,  # written by the app, seen by e.user_id only
        "is_bot": True,
        "text": e.text,
        "blocks": e.blocks,
        "thread_ts": e.thread_ts,
        "is_reply": e.thread_ts is not None and e.thread_ts != e.ts,
        "edits": len(e.edits),
        "replies": [],
    }


def _mine(fake: FakeSlack, user_id: str, channel: Channel) -> list[Ephemeral]:
    return fake.ephemerals(user_id, channel=channel.channel_id)


def _channel(c: Channel, fake: FakeSlack, user_id: str) -> JsonDict:
    top_level = [m for m in fake.messages(c.channel_id) if not m.is_reply]
    return {
        "id": c.channel_id,
        "name": fake.identity.bot_name if c.im_user_id is not None else c.name,
        "is_dm": c.im_user_id is not None,
        "is_member": c.is_member,
        "is_archived": c.is_archived,
        "is_private": c.is_private,
        "count": len(top_level) + len(fake.ephemerals(user_id, channel=c.channel_id)),
    }


def _open_view(fake: FakeSlack, user_id: str) -> JsonDict | None:
    opened = [v for v in fake.views(user_id) if not v.closed]
    if not opened:
        return None
    last = opened[-1]
    return {"id": last.view_id, "view": last.view}


def _home(fake: FakeSlack, user_id: str) -> JsonDict | None:
    """The Home tab the app last published for this person (`views.publish`), if any."""
    home = fake.home(user_id)
    return {"id": home.view_id, "blocks": home.view.get("blocks") or []} if home else None
