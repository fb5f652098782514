"""What the fake Slack remembers: the workspace directory and the traffic, as frozen records.

Records are replaced, never mutated, so a record handed to a test is a snapshot that later
traffic cannot change under its feet. `to_api()` renders a record the way Slack's Web API
shows it; `to_dict()` adds what only the fake knows (edit history, deletion, origin).

This module holds the directory and the conversation (users, groups, channels, messages,
ephemerals); `traffic` holds the log of calls, responses, modals and changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal

JsonDict = dict[str, Any]

# What records call their ids in Python, and what the admin routes and the page call them.
_SHOWN_AS = {"channel_id": "channel", "user_id": "user"}


def record_dict(record: Any) -> JsonDict:
    """A record's fields as the admin routes and the page show them (`channel`, `user`)."""
    return {_SHOWN_AS.get(f.name, f.name): getattr(record, f.name) for f in fields(record)}


Origin = Literal["api", "response_url"]


@dataclass(frozen=True, slots=True)
class User:
    """A workspace member."""

    user_id: str
    name: str
    real_name: str
    is_admin: bool = False
    is_bot: bool = False
    email: str | None = None

    def to_api(self, *, team_id: str) -> JsonDict:
        profile: JsonDict = {
            "real_name": self.real_name,
            "display_name": self.name,
            "real_name_normalized": self.real_name,
            "display_name_normalized": self.name,
            "team": team_id,
        }
        if self.email is not None:
            profile["email"] = self.email
        return {
            "id": self.user_id,
            "team_id": team_id,
            "name": self.name,
            "deleted": False,
            "real_name": self.real_name,
            "tz": "Europe/Brussels",
            "tz_label": "Central European Time",
            "tz_offset": 3600,
            "profile": profile,
            "is_admin": self.is_admin,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "updated": 1_767_225_600,
        }


@dataclass(frozen=True, slots=True)
class UserGroup:
    """A user group (`@devteam`): roles in the bot's policy may name one by id."""

    usergroup_id: str
    handle: str
    name: str
    members: tuple[str, ...] = ()
    description: str = ""

    def to_api(self, *, team_id: str, include_users: bool) -> JsonDict:
        answer: JsonDict = {
            "id": self.usergroup_id,
            "team_id": team_id,
            "is_usergroup": True,
            "is_subteam": True,
            "name": self.name,
            "description": self.description,
            "handle": self.handle,
            "is_external": False,
            "date_create": 1_767_225_600,
            "date_update": 1_767_225_600,
            "date_delete": 0,
            "auto_type": None,
            "created_by": "",
            "updated_by": "",
            "deleted_by": None,
            "prefs": {"channels": [], "groups": []},
            "user_count": len(self.members),
        }
        if include_users:
            answer["users"] = list(self.members)
        return answer


@dataclass(frozen=True, slots=True)
class Channel:
    """A conversation. `is_member` says whether the bot is in it, which is what Slack checks."""

    channel_id: str
    name: str
    is_member: bool = True
    is_archived: bool = False
    is_private: bool = False
    im_user_id: str | None = None  # set for a direct-message conversation with this user

    def to_api(self, *, created: int = 1_767_225_600) -> JsonDict:
        if self.im_user_id is not None:
            return {
                "id": self.channel_id,
                "created": created,
                "is_im": True,
                "is_org_shared": False,
                "user": self.im_user_id,
                "is_archived": False,
            }
        return {
            "id": self.channel_id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": not self.is_private,
            "is_group": self.is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "is_archived": self.is_archived,
            "is_general": self.name == "general",
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "is_member": self.is_member,
            "created": created,
            "creator": "",
            "unlinked": 0,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
        }


@dataclass(frozen=True, slots=True)
class Edit:
    """A version a message had before an update: what it said, and when it was replaced."""

    replaced_at: str
    text: str
    blocks: list[JsonDict]
    metadata: JsonDict | None


@dataclass(frozen=True, slots=True)
class Message:
    """A message in a channel, as the channel shows it now."""

    channel_id: str
    ts: str
    text: str
    blocks: list[JsonDict] = field(default_factory=list)
    thread_ts: str | None = None
    metadata: JsonDict | None = None
    user_id: str | None = None
    bot_id: str | None = None
    app_id: str | None = None
    team_id: str | None = None
    edits: tuple[Edit, ...] = ()
    deleted: bool = False
    origin: Origin = "api"

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts

    def to_api(self, *, include_metadata: bool = True) -> JsonDict:
        """The message as `conversations.history` and `chat.postMessage` show it."""
        answer: JsonDict = {"type": "message", "text": self.text, "ts": self.ts}
        if self.user_id is not None:
            answer["user"] = self.user_id
        if self.bot_id is not None:
            answer["bot_id"] = self.bot_id
        if self.app_id is not None:
            answer["app_id"] = self.app_id
        if self.team_id is not None:
            answer["team"] = self.team_id
        if self.blocks:
            answer["blocks"] = self.blocks
        if self.thread_ts is not None:
            answer["thread_ts"] = self.thread_ts
        if self.edits:
            answer["edited"] = {"user": self.user_id or "", "ts": self.edits[-1].replaced_at}
        if include_metadata and self.metadata is not None:
            answer["metadata"] = self.metadata
        return answer

    def to_dict(self) -> JsonDict:
        """Everything the fake knows about the message, for the admin routes and the playground."""
        answer = self.to_api()
        answer.update(
            channel=self.channel_id,
            deleted=self.deleted,
            origin=self.origin,
            edits=[
                {"replaced_at": e.replaced_at, "text": e.text, "blocks": e.blocks}
                | ({"metadata": e.metadata} if e.metadata is not None else {})
                for e in self.edits
            ],
        )
        return answer


@dataclass(frozen=True, slots=True)
class Ephemeral:
    """A message only `user_id` sees; it has a ts, but no API can read it back."""

    channel_id: str
    user_id: str
    ts: str
    text: str
    blocks: list[JsonDict] = field(default_factory=list)
    thread_ts: str | None = None
    edits: tuple[Edit, ...] = ()
    deleted: bool = False
    origin: Origin = "api"

    def to_dict(self) -> JsonDict:
        answer: JsonDict = {
            "channel": self.channel_id,
            "user": self.user_id,
            "ts": self.ts,
            "text": self.text,
            "blocks": self.blocks,
            "deleted": self.deleted,
            "origin": self.origin,
            "edits": len(self.edits),
        }
        if self.thread_ts is not None:
            answer["thread_ts"] = self.thread_ts
        return answer
