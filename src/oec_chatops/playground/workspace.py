"""The state of one fake Slack workspace: who is in it, its channels, and what was said.

Only instance state: several fakes can live in one process (one per test). Every change bumps
`version` and is announced to subscribers, which is what waiting helpers and a live feed of the
playground page hang on. Not thread-safe: use a workspace from one event loop.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from oec_chatops.clock import Clock
from oec_chatops.playground.records import (
    Channel,
    Edit,
    Ephemeral,
    JsonDict,
    Message,
    User,
    UserGroup,
)
from oec_chatops.playground.traffic import (
    Change,
    ChangeKind,
    OpenedView,
    ResponseKind,
    ResponsePost,
)

log = logging.getLogger(__name__)

Subscriber = Callable[[Change], None]

RESPONSE_URL_USES = 5  # Slack: "up to 5 times within 30 minutes"
RESPONSE_URL_LIFETIME = 30 * 60.0
TRIGGER_LIFETIME = 3.0  # a trigger_id expires 3 s after Slack sends it


@dataclass(frozen=True, slots=True)
class Identity:
    """Who the app is in this workspace, as `auth.test` tells it."""

    team_id: str
    team_domain: str
    bot_user_id: str
    bot_id: str
    app_id: str
    bot_name: str


@dataclass(slots=True)
class ResponseUrl:
    """A `response_url` Slack handed to the app, and the message it can replace."""

    url_id: str
    kind: ResponseKind
    channel_id: str
    user_id: str
    issued_at: float
    uses: int = 0
    original_ts: str | None = None
    original_is_ephemeral: bool = False


@dataclass(slots=True)
class Trigger:
    """A `trigger_id`: lets the app open one modal for `user_id`, within 3 s."""

    trigger_id: str
    user_id: str
    issued_at: float
    used: bool = False


class Workspace:
    """Directory and traffic of one workspace, with primitive, validated-elsewhere operations."""

    def __init__(self, identity: Identity, clock: Clock) -> None:
        self.identity = identity
        self.clock = clock
        self.users: dict[str, User] = {}
        self.usergroups: dict[str, UserGroup] = {}
        self.channels: dict[str, Channel] = {}
        self.version = 0
        self._subscribers: list[Subscriber] = []
        self._last_ts_us = 0
        self.clear_traffic()

    def clear_traffic(self) -> None:
        """Forget messages, responses, views and issued URLs; keep users, groups, channels."""
        self.messages: dict[str, list[Message]] = {}
        self.ephemerals: list[Ephemeral] = []
        self.responses: list[ResponsePost] = []
        self.views: dict[str, OpenedView] = {}
        self.homes: dict[str, OpenedView] = {}  # user id -> that user's Home tab
        self.response_urls: dict[str, ResponseUrl] = {}
        self.triggers: dict[str, Trigger] = {}

    # -- change feed ---------------------------------------------------------------------

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Call `subscriber` with every change from now on; returns the function that stops it."""
        self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            if subscriber in self._subscribers:
                self._subscribers.remove(subscriber)

        return unsubscribe

    def changed(
        self,
        kind: ChangeKind,
        *,
        channel_id: str | None = None,
        ts: str | None = None,
        user_id: str | None = None,
    ) -> Change:
        self.version += 1
        change = Change(self.version, kind, channel_id=channel_id, ts=ts, user_id=user_id)
        for subscriber in list(self._subscribers):
            try:
                subscriber(change)
            except Exception:
                # A broken listener (a closed page) must not break the API the bot is calling.
                log.exception("playground.subscriber_failed", extra={"change": kind})
        return change

    # -- ids -----------------------------------------------------------------------------

    def next_ts(self) -> str:
        """A message ts: the clock's time in µs, moved forward if needed to stay unique."""
        now_us = int(self.clock.time() * 1_000_000)
        self._last_ts_us = max(now_us, self._last_ts_us + 100)
        seconds, micros = divmod(self._last_ts_us, 1_000_000)
        return f"{seconds}.{micros:06d}"

    @staticmethod
    def new_id(prefix: str) -> str:
        return prefix + secrets.token_hex(5).upper()

    # -- directory -----------------------------------------------------------------------

    def put_user(self, user: User) -> None:
        self.users[user.user_id] = user
        self.changed("workspace", user_id=user.user_id)

    def put_usergroup(self, group: UserGroup) -> None:
        self.usergroups[group.usergroup_id] = group
        self.changed("workspace")

    def put_channel(self, channel: Channel) -> None:
        self.channels[channel.channel_id] = channel
        self.messages.setdefault(channel.channel_id, [])
        self.changed("workspace", channel_id=channel.channel_id)

    def find_channel(self, ref: str, *, open_dm: bool = True) -> Channel | None:
        """A channel by id, `#name` or `name`; a user id finds (or opens) the DM with that user."""
        if ref in self.channels:
            return self.channels[ref]
        name = ref.removeprefix("#")
        for channel in self.channels.values():
            if channel.im_user_id is None and channel.name == name:
                return channel
        if ref in self.users:
            for channel in self.channels.values():
                if channel.im_user_id == ref:
                    return channel
            if not open_dm:
                return None
            dm = Channel(channel_id="D" + ref[1:], name=ref, im_user_id=ref)
            self.put_channel(dm)
            return dm
        return None

    def channel_names(self, ref: str) -> set[str]:
        """Every name a channel argument goes by, for matching scenario rules."""
        names = {ref}
        channel = self.find_channel(ref, open_dm=False) if ref else None
        if channel is not None:
            names |= {channel.channel_id, channel.name, "#" + channel.name}
        return names

    # -- messages ------------------------------------------------------------------------

    def channel_messages(self, channel_id: str) -> list[Message]:
        return self.messages.setdefault(channel_id, [])

    def find_message(self, channel_id: str, ts: str) -> Message | None:
        for message in self.messages.get(channel_id, []):
            if message.ts == ts:
                return message
        return None

    def add_message(self, message: Message) -> Message:
        self.channel_messages(message.channel_id).append(message)
        self.changed("message.posted", channel_id=message.channel_id, ts=message.ts)
        return message

    def edit_message(
        self,
        message: Message,
        *,
        text: str | None = None,
        blocks: list[JsonDict] | None = None,
        metadata: JsonDict | None = None,
    ) -> Message:
        """Replace a message's content in place, keeping its ts and recording the old version."""
        edit = Edit(
            replaced_at=self.next_ts(),
            text=message.text,
            blocks=message.blocks,
            metadata=message.metadata,
        )
        updated = dataclasses.replace(
            message,
            text=message.text if text is None else text,
            blocks=message.blocks if blocks is None else blocks,
            metadata=message.metadata if metadata is None else metadata,
            edits=(*message.edits, edit),
        )
        self._replace(message, updated)
        self.changed("message.updated", channel_id=message.channel_id, ts=message.ts)
        return updated

    def delete_message(self, message: Message) -> Message:
        deleted = dataclasses.replace(message, deleted=True)
        self._replace(message, deleted)
        self.changed("message.deleted", channel_id=message.channel_id, ts=message.ts)
        return deleted

    def _replace(self, old: Message, new: Message) -> None:
        messages = self.channel_messages(old.channel_id)
        messages[messages.index(old)] = new

    def visible_messages(self, channel_id: str) -> Iterator[Message]:
        return (m for m in self.messages.get(channel_id, []) if not m.deleted)

    # -- ephemerals ----------------------------------------------------------------------

    def add_ephemeral(self, ephemeral: Ephemeral) -> Ephemeral:
        self.ephemerals.append(ephemeral)
        self.changed(
            "ephemeral.posted",
            channel_id=ephemeral.channel_id,
            ts=ephemeral.ts,
            user_id=ephemeral.user_id,
        )
        return ephemeral

    def find_ephemeral(self, ts: str) -> Ephemeral | None:
        return next((e for e in self.ephemerals if e.ts == ts), None)

    def edit_ephemeral(
        self, ephemeral: Ephemeral, *, text: str, blocks: list[JsonDict]
    ) -> Ephemeral:
        edit = Edit(
            replaced_at=self.next_ts(), text=ephemeral.text, blocks=ephemeral.blocks, metadata=None
        )
        updated = dataclasses.replace(
            ephemeral, text=text, blocks=blocks, edits=(*ephemeral.edits, edit)
        )
        return self._replace_ephemeral(ephemeral, updated, "ephemeral.updated")

    def delete_ephemeral(self, ephemeral: Ephemeral) -> Ephemeral:
        deleted = dataclasses.replace(ephemeral, deleted=True)
        return self._replace_ephemeral(ephemeral, deleted, "ephemeral.deleted")

    def _replace_ephemeral(self, old: Ephemeral, new: Ephemeral, kind: ChangeKind) -> Ephemeral:
        self.ephemerals[self.ephemerals.index(old)] = new
        self.changed(kind, channel_id=old.channel_id, ts=old.ts, user_id=old.user_id)
        return new

    # -- what Slack hands the app with an interaction ------------------------------------

    def add_response_url(self, url: ResponseUrl) -> ResponseUrl:
        """Register a response_url the fake issued (see `FakeSlack.issue_response_url`)."""
        self.response_urls[url.url_id] = url
        return url

    def issue_trigger(self, *, user_id: str) -> Trigger:
        trigger_id = f"{int(self.clock.time())}.{secrets.randbelow(10**12)}.{secrets.token_hex(16)}"
        trigger = Trigger(trigger_id=trigger_id, user_id=user_id, issued_at=self.clock.monotonic())
        self.triggers[trigger_id] = trigger
        return trigger

    def put_view(self, view: OpenedView, *, opened: bool) -> None:
        self.views[view.view_id] = view
        self.changed("view.opened" if opened else "view.updated", user_id=view.user_id)

    def put_home(self, view: OpenedView) -> None:
        self.homes[view.user_id] = view
        self.changed("home.published", user_id=view.user_id)
