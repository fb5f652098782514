"""The fake Slack's directory: the users, user groups and channels a test or the page sets up,
and the channel changes (archive, bot removed) that make Slack answer differently.

Split from `fake_slack.py`: these only shape the `Workspace`; the fake's answers read it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from oec_chatops.playground.records import Channel, User, UserGroup
from oec_chatops.playground.workspace import Workspace


class FakeSlackDirectory:
    """Directory set-up and lookups of `FakeSlack` (which sets `_ws`)."""

    _ws: Workspace

    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        real_name: str | None = None,
        is_admin: bool = False,
        email: str | None = None,
    ) -> User:
        user = User(user_id, name, real_name or name.title(), is_admin=is_admin, email=email)
        self._ws.put_user(user)
        return user

    def add_usergroup(
        self,
        usergroup_id: str,
        handle: str,
        members: list[str] | tuple[str, ...] = (),
        *,
        name: str | None = None,
    ) -> UserGroup:
        group = UserGroup(usergroup_id, handle, name or handle, tuple(members))
        self._ws.put_usergroup(group)
        return group

    def add_channel(
        self,
        channel_id: str,
        name: str,
        *,
        is_member: bool = True,
        is_archived: bool = False,
        is_private: bool = False,
    ) -> Channel:
        channel = Channel(
            channel_id, name, is_member=is_member, is_archived=is_archived, is_private=is_private
        )
        self._ws.put_channel(channel)
        return channel

    def _set_channel(self, ref: str, **changes: Any) -> Channel:
        channel = self.channel(ref)
        updated = dataclasses.replace(channel, **changes)
        self._ws.put_channel(updated)
        return updated

    def archive(self, channel: str) -> Channel:
        """Archive a channel: posting there now answers `is_archived`."""
        return self._set_channel(channel, is_archived=True)

    def unarchive(self, channel: str) -> Channel:
        return self._set_channel(channel, is_archived=False)

    def invite_bot(self, channel: str) -> Channel:
        return self._set_channel(channel, is_member=True)

    def remove_bot(self, channel: str) -> Channel:
        """Take the bot out of a channel: posting there now answers `not_in_channel`."""
        return self._set_channel(channel, is_member=False)

    def user(self, user_id: str) -> User:
        try:
            return self._ws.users[user_id]
        except KeyError:
            raise LookupError(f"No user {user_id!r} in the fake workspace.") from None

    def users(self) -> list[User]:
        return list(self._ws.users.values())

    def usergroups(self) -> list[UserGroup]:
        return list(self._ws.usergroups.values())

    def channel(self, ref: str) -> Channel:
        """A channel by id, `#name` or `name` (a user id gives the DM with that user)."""
        channel = self._ws.find_channel(ref)
        if channel is None:
            raise LookupError(f"No channel {ref!r} in the fake workspace.")
        return channel

    def channels(self) -> list[Channel]:
        return list(self._ws.channels.values())
