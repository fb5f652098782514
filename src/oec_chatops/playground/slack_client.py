"""`SlackUserAgent`: plays Slack forwarding a user's action (a command, a click, a modal) to the app.

Each request is built as Slack builds it (`payloads`), signed as Slack signs it (`signer`),
and carries a fresh `response_url` and `trigger_id` registered in the fake, so whatever the app
answers through them lands in the fake's state, attributed to the right user and message.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from oec_chatops.clock import Clock, SystemClock
from oec_chatops.httpapi.lifecycle import AsyncClosing
from oec_chatops.playground.fake_slack import FakeSlack
from oec_chatops.playground.payloads import (
    FORM_CONTENT_TYPE,
    JSON_CONTENT_TYPE,
    SLACK_USER_AGENT,
    app_home_opened_body,
    block_actions_body,
    slash_command_body,
    view_block_actions_body,
    view_submission_body,
)
from oec_chatops.playground.records import Channel, Ephemeral, JsonDict, Message
from oec_chatops.playground.signer import SlackSigner
from oec_chatops.playground.traffic import OpenedView


def find_button(blocks: list[JsonDict], action_id: str) -> tuple[str, JsonDict]:
    """The block_id and element of the interactive element `action_id` in these blocks."""
    for block in blocks:
        candidates: list[Any] = []
        if block.get("type") == "actions":
            candidates = list(block.get("elements") or [])
        elif isinstance(block.get("accessory"), dict):
            candidates = [block["accessory"]]
        for element in candidates:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return str(block.get("block_id", "")), element
    present = [
        e.get("action_id")
        for b in blocks
        for e in ([*(b.get("elements") or [])] if b.get("type") == "actions" else [])
        + ([b["accessory"]] if isinstance(b.get("accessory"), dict) else [])
        if isinstance(e, dict)
    ]
    raise LookupError(f"No element with action_id {action_id!r}; the message has {present}.")


class SlackUserAgent(AsyncClosing):
    """Sends signed slash commands, button clicks and modal submissions to the bot."""

    def __init__(
        self,
        *,
        bot_url: str,
        signing_secret: str,
        fake: FakeSlack,
        fake_url: str,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        events_path: str = "/slack/events",
        timeout: float = 10.0,
    ) -> None:
        self._fake = fake
        self._fake_url = fake_url.rstrip("/")
        self._clock: Clock = clock or SystemClock()
        self._signer = SlackSigner(signing_secret, clock=self._clock)
        self._events_url = bot_url.rstrip("/") + events_path
        self._http = httpx.AsyncClient(transport=transport, timeout=timeout)
        self._events = 0

    def __repr__(self) -> str:
        return f"SlackUserAgent(events_url={self._events_url!r})"

    async def aclose(self) -> None:
        await self._http.aclose()

    def response_url(self, url_id: str) -> str:
        return f"{self._fake_url}/response/{url_id}"

    async def post_signed(
        self,
        body: bytes,
        *,
        timestamp: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """POST a body to the bot's events URL, signed now (or at `timestamp`)."""
        sent = {"Content-Type": FORM_CONTENT_TYPE, "User-Agent": SLACK_USER_AGENT}
        sent |= self._signer.headers(body, timestamp=timestamp)
        sent |= headers or {}
        return await self._http.post(self._events_url, content=body, headers=sent)

    async def command(
        self,
        text: str,
        *,
        user_id: str,
        channel_id: str,
        command: str = "/oec",
        team_id: str | None = None,
    ) -> httpx.Response:
        """`user_id` types `{command} {text}` in `channel_id` (of workspace `team_id`, by
        default the fake's own: an app installed in several workspaces hears from each).

        What the app answers in the HTTP response (Bolt's `ack("...")`) is shown as Slack
        shows it: an ephemeral message for the user, or a channel message when the JSON says
        `response_type: in_channel`.
        """
        user = self._fake.user(user_id)
        channel = self._fake.channel(channel_id)
        url_id = self._fake.issue_response_url(
            kind="command", channel_id=channel.channel_id, user_id=user_id
        )
        me = self._fake.identity
        body = slash_command_body(
            text=text,
            user_id=user_id,
            user_name=user.name,
            channel_id=channel.channel_id,
            channel_name=_channel_name(channel),
            team_id=team_id or me.team_id,
            team_domain=me.team_domain,
            api_app_id=me.app_id,
            response_url=self.response_url(url_id),
            trigger_id=self._fake.issue_trigger(user_id=user_id),
            command=command,
        )
        response = await self.post_signed(body)
        if response.status_code == 200:
            self._fake.record_command_ack(
                url_id, response.content, response.headers.get("content-type", "")
            )
        return response

    async def click(
        self,
        message: Message | Ephemeral,
        action_id: str,
        *,
        user_id: str,
        value: str | None = None,
        team_id: str | None = None,
    ) -> httpx.Response:
        """`user_id` (of workspace `team_id`, by default the fake's) clicks the button
        `action_id` in a stored message (or ephemeral message)."""
        user = self._fake.user(user_id)
        is_ephemeral = isinstance(message, Ephemeral)
        if isinstance(message, Ephemeral) and message.user_id != user_id:
            raise LookupError(f"Only {message.user_id} sees ephemeral message {message.ts}.")
        if message.deleted:
            raise LookupError(f"Message {message.ts} was deleted; nobody can click it.")
        block_id, button = find_button(message.blocks, action_id)
        channel = self._fake.channel(message.channel_id)
        url_id = self._fake.issue_response_url(
            kind="block_actions",
            channel_id=channel.channel_id,
            user_id=user_id,
            original_ts=message.ts,
            original_is_ephemeral=is_ephemeral,
        )
        me = self._fake.identity
        body = block_actions_body(
            user_id=user_id,
            user_name=user.name,
            team_id=team_id or me.team_id,
            team_domain=me.team_domain,
            api_app_id=me.app_id,
            channel_id=channel.channel_id,
            channel_name=_channel_name(channel),
            message_ts=message.ts,
            message=None
            if isinstance(message, Ephemeral)
            else message.to_api(include_metadata=False),
            is_ephemeral=is_ephemeral,
            action_id=action_id,
            block_id=block_id,
            value=button.get("value") if value is None else value,
            button=button,
            action_ts=f"{self._clock.time():.6f}",
            response_url=self.response_url(url_id),
            trigger_id=self._fake.issue_trigger(user_id=user_id),
        )
        return await self.post_signed(body)

    async def open_home(
        self, user_id: str, *, tab: str = "home", team_id: str | None = None
    ) -> httpx.Response:
        """`user_id` opens the app's Home tab (in workspace `team_id`, by default the fake's
        own): Slack's `app_home_opened` event, as JSON."""
        self._fake.user(user_id)
        me = self._fake.identity
        home = self._fake.home(user_id)
        team = team_id or me.team_id
        self._events += 1
        body = app_home_opened_body(
            user_id=user_id,
            team_id=team,
            bot_user_id=me.bot_user_id,
            api_app_id=me.app_id,
            event_id=f"Ev{self._events:08d}HOME",
            event_time=int(self._clock.time()),
            im_channel_id=f"D{user_id[1:]}",
            view=home.to_api(team_id=team, app_id=me.app_id, bot_id=me.bot_id)
            if home is not None
            else None,
            tab=tab,
        )
        return await self.post_signed(body, headers={"Content-Type": JSON_CONTENT_TYPE})

    async def click_home(
        self, user_id: str, action_id: str, *, block_id: str, value: str | None = None
    ) -> httpx.Response:
        """`user_id` clicks `action_id` in block `block_id` of their Home tab, as published."""
        home = self._fake.home(user_id)
        if home is None:
            raise LookupError(f"{user_id} has no Home tab: nothing was published for them.")
        blocks = [b for b in home.view.get("blocks") or [] if b.get("block_id") == block_id]
        found_block, button = find_button(blocks, action_id)
        me = self._fake.identity
        body = view_block_actions_body(
            user_id=user_id,
            user_name=self._fake.user(user_id).name,
            team_id=me.team_id,
            team_domain=me.team_domain,
            api_app_id=me.app_id,
            view=home.to_api(team_id=me.team_id, app_id=me.app_id, bot_id=me.bot_id),
            action_id=action_id,
            block_id=found_block,
            value=button.get("value") if value is None else value,
            button=button,
            action_ts=f"{self._clock.time():.6f}",
            trigger_id=self._fake.issue_trigger(user_id=user_id),
        )
        return await self.post_signed(body)

    async def submit_view(
        self,
        view: OpenedView | str,
        *,
        values: JsonDict | None = None,
        user_id: str | None = None,
    ) -> httpx.Response:
        """Submit an opened modal with `values` (`{block_id: {action_id: {...}}}`).

        Like Slack, the modal closes when the app acks with an empty body or
        `response_action: clear`, is replaced on `response_action: update`, and stays open on
        `response_action: errors`.
        """
        opened = self._fake.view(view if isinstance(view, str) else view.view_id)
        submitter = self._fake.user(user_id or opened.user_id)
        me = self._fake.identity
        body = view_submission_body(
            user_id=submitter.user_id,
            user_name=submitter.name,
            team_id=me.team_id,
            team_domain=me.team_domain,
            api_app_id=me.app_id,
            view=opened.to_api(team_id=me.team_id, app_id=me.app_id, bot_id=me.bot_id),
            values=values or {},
            trigger_id=self._fake.issue_trigger(user_id=submitter.user_id),
        )
        response = await self.post_signed(body)
        if response.status_code == 200:
            self._apply_view_answer(opened.view_id, response.content)
        return response

    def _apply_view_answer(self, view_id: str, content: bytes) -> None:
        try:
            answer = json.loads(content) if content.strip() else {}
        except json.JSONDecodeError:
            answer = {}
        action = answer.get("response_action") if isinstance(answer, dict) else None
        if action in (None, "clear"):
            self._fake.close_view(view_id)
        elif action == "update" and isinstance(answer.get("view"), dict):
            self._fake.replace_view(view_id, answer["view"])


def _channel_name(channel: Channel) -> str:
    return "directmessage" if channel.im_user_id is not None else channel.name
