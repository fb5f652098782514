"""`FakeSlack`: one in-memory Slack workspace the bot can talk to, and tests can steer and read.

The HTTP face is `slack_api.build_fake_slack_app(fake)`; this class is the whole behaviour, so
a test, the playground page and the HTTP routes all act on the same state. Scenario controls
have names (`rate_limit`, `fail`, `down`, `archive`), as STYLE.md asks, instead of magic tokens.
Use one instance from one event loop.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hmac
import json
import secrets
from collections import deque
from dataclasses import dataclass, field
from typing import Literal, TypeVar

from oec_chatops.clock import Clock, SystemClock
from oec_chatops.playground.api_args import Refusal
from oec_chatops.playground.chat_methods import CHAT_METHODS
from oec_chatops.playground.fake_directory import FakeSlackDirectory
from oec_chatops.playground.fake_oauth import FakeInstalls
from oec_chatops.playground.fake_scenarios import RESPONSE_URL_METHOD, FakeSlackScenarios
from oec_chatops.playground.fake_waiting import FakeSlackWaiting
from oec_chatops.playground.faults import DOWN, Faults
from oec_chatops.playground.read_methods import BOT_SCOPES, READ_METHODS
from oec_chatops.playground.records import Ephemeral, JsonDict, Message
from oec_chatops.playground.response_urls import apply_response, claim_response_url
from oec_chatops.playground.traffic import Call, OpenedView, Outcome, ResponseKind, ResponsePost
from oec_chatops.playground.view_methods import VIEW_METHODS
from oec_chatops.playground.workspace import Identity, ResponseUrl, Workspace

T = TypeVar("T")

METHODS = CHAT_METHODS | READ_METHODS | VIEW_METHODS

DEFAULT_BOT_TOKEN = "xoxb-0000000000-playground"  # noqa: S105 - the local fake's own token


@dataclass(frozen=True, slots=True)
class ApiAnswer:
    """An HTTP answer: status, JSON body, extra headers (Retry-After, X-OAuth-Scopes)."""

    status: int
    body: JsonDict
    headers: dict[str, str] = field(default_factory=dict)


class FakeSlack(FakeSlackDirectory, FakeSlackScenarios, FakeSlackWaiting):
    """A Slack workspace in memory: directory, messages, ephemerals, modals, call log, scenarios."""

    def __init__(
        self,
        *,
        bot_token: str = DEFAULT_BOT_TOKEN,
        team_id: str = "T0OECPLAY",
        team_domain: str = "oec-playground",
        bot_user_id: str = "U0OECBOT",
        bot_id: str = "B0OECBOT",
        app_id: str = "A0OECAPP",
        bot_name: str = "oec",
        clock: Clock | None = None,
        call_log_size: int = 10_000,
    ) -> None:
        self._bot_token = bot_token
        self.clock: Clock = clock or SystemClock()
        self._ws = Workspace(
            Identity(
                team_id=team_id,
                team_domain=team_domain,
                bot_user_id=bot_user_id,
                bot_id=bot_id,
                app_id=app_id,
                bot_name=bot_name,
            ),
            self.clock,
        )
        self._faults = Faults(self.clock)
        # OAuth installs: `oauth.v2.access` and the tokens it issued, per workspace.
        self.installs = FakeInstalls(app_id=app_id, bot_user_id=bot_user_id)
        self._calls: deque[Call] = deque(maxlen=call_log_size)
        self._responses_seq = 0
        self._calls_seq = 0

    def __repr__(self) -> str:
        me = self._ws.identity
        return f"FakeSlack(team_id={me.team_id!r}, bot_user_id={me.bot_user_id!r})"

    # -- identity ------------------------------------------------------------------------

    @property
    def identity(self) -> Identity:
        return self._ws.identity

    @property
    def bot_token(self) -> str:
        return self._bot_token

    def check_token(self, token: str | None) -> bool:
        return self.team_of_token(token) is not None

    def team_of_token(self, token: str | None) -> str | None:
        """The workspace a valid token belongs to: the fake's own, or one an install issued."""
        if token is not None and hmac.compare_digest(token.encode(), self._bot_token.encode()):
            return self._ws.identity.team_id
        return self.installs.team_of(token)

    def reset(self) -> None:
        """Clear scenarios and traffic (messages, ephemerals, views, calls); keep the directory."""
        self._faults.clear()
        self._ws.clear_traffic()
        self._calls.clear()
        for channel in list(self._ws.channels.values()):
            self._ws.messages.setdefault(channel.channel_id, [])
        self._ws.changed("reset")

    # -- what Slack hands the app with an interaction ------------------------------------

    def issue_response_url(
        self,
        *,
        kind: ResponseKind,
        channel_id: str,
        user_id: str,
        original_ts: str | None = None,
        original_is_ephemeral: bool = False,
    ) -> str:
        """Register a response_url; returns its id, served at `/response/{id}`."""
        url = ResponseUrl(
            url_id=secrets.token_urlsafe(18),
            kind=kind,
            channel_id=channel_id,
            user_id=user_id,
            issued_at=self.clock.monotonic(),
            original_ts=original_ts,
            original_is_ephemeral=original_is_ephemeral,
        )
        return self._ws.add_response_url(url).url_id

    def issue_trigger(self, *, user_id: str) -> str:
        """Register a trigger_id the app may use once, within 3 s, to open a modal."""
        return self._ws.issue_trigger(user_id=user_id).trigger_id

    # -- serving -------------------------------------------------------------------------

    async def call(self, method: str, args: JsonDict, *, token: str | None) -> ApiAnswer:
        """Answer one Web API call as Slack would, and log it (without the token)."""
        secret_free = {k: v for k, v in args.items() if k not in ("token", "client_secret")}
        channel = args.get("channel")
        names = self._ws.channel_names(channel) if isinstance(channel, str) else ()
        late = None if self._faults.is_down else self._faults.take_late(method, names)
        if late is not None and not late.applies:
            await asyncio.sleep(late.seconds)  # the network's time, not the workspace clock's
            answer = ApiAnswer(DOWN.status, {"ok": False, "error": DOWN.error})
        else:
            answer = self._answer(method, args, token)
            if late is not None:
                await asyncio.sleep(late.seconds)
                if late.status != 200 and answer.status == 200:
                    answer = ApiAnswer(late.status, {"ok": False, "error": "internal_error"})
        self._log(method, secret_free, answer, team_id=self.team_of_token(token))
        return answer

    def _answer(self, method: str, args: JsonDict, token: str | None) -> ApiAnswer:
        try:
            if self._faults.is_down:
                raise Refusal(DOWN.error, status=DOWN.status)
            if method == "api.test":  # needs no token
                return ApiAnswer(200, {"ok": True})
            if method == "oauth.v2.access":  # the app's client id and secret, not a token
                return ApiAnswer(200, self.installs.exchange(args, now=self.clock.time()))
            if not token:
                raise Refusal("not_authed")
            team = self.team_of_token(token)
            if team is None:
                raise Refusal("invalid_auth")
            channel = args.get("channel")
            self._raise_scenario(method, channel if isinstance(channel, str) else None)
            found = self._ws.find_channel(channel) if isinstance(channel, str) else None
            limited = self._faults.over_budget(method, found.channel_id if found else None)
            if limited is not None:
                raise Refusal(limited.error, status=429, retry_after=limited.retry_after)
            handler = METHODS.get(method)
            if handler is None:
                raise Refusal("unknown_method")
            body = handler(self._ws, args)
            if method == "auth.test":  # answered for the workspace the token belongs to
                body = {**body, "team_id": team}
            return ApiAnswer(200, body, {"X-OAuth-Scopes": BOT_SCOPES})
        except Refusal as refusal:
            return ApiAnswer(refusal.status, refusal.to_body(), refusal.headers)

    def _raise_scenario(self, method: str, channel: str | None) -> None:
        fault = self._faults.take(method, self._ws.channel_names(channel) if channel else ())
        if fault is not None:
            raise Refusal(fault.error, status=fault.status, retry_after=fault.retry_after)

    async def post_response(self, url_id: str, body: JsonDict) -> ApiAnswer:
        """Apply one POST to a response_url and answer as Slack does (`{"ok": true}`)."""
        url = self._ws.response_urls.get(url_id)
        outcome: Outcome = "refused"
        message_ts: str | None = None
        try:
            if self._faults.is_down:
                raise Refusal(DOWN.error, status=DOWN.status)
            self._raise_scenario(RESPONSE_URL_METHOD, url.channel_id if url else None)
            url = claim_response_url(self._ws, url_id)
            outcome, message_ts = apply_response(self._ws, url, body)
            answer = ApiAnswer(200, {"ok": True})
        except Refusal as refusal:
            answer = ApiAnswer(refusal.status, refusal.to_body(), refusal.headers)
        self._record_response(url_id, body, answer, outcome, message_ts, via="response_url")
        self._log(RESPONSE_URL_METHOD, body, answer)
        return answer

    def record_command_ack(self, url_id: str, content: bytes, content_type: str) -> None:
        """Show the body of the app's answer to a slash command, as Slack does.

        Plain text becomes an ephemeral message; JSON is read like a response_url post
        (`response_type: in_channel` makes it public). An empty body shows nothing.
        """
        url = self._ws.response_urls.get(url_id)
        if url is None or not content.strip():
            return
        outcome: Outcome = "refused"
        message_ts: str | None = None
        body: JsonDict = {"text": content.decode(errors="replace")}
        try:
            if content_type.split(";")[0].strip().lower() == "application/json":
                parsed = json.loads(content)
                if not isinstance(parsed, dict):
                    raise Refusal("invalid_payload", status=400)
                body = parsed
            outcome, message_ts = apply_response(self._ws, url, body)
            answer = ApiAnswer(200, {"ok": True})
        except json.JSONDecodeError:
            answer = ApiAnswer(400, {"ok": False, "error": "invalid_payload"})
        except Refusal as refusal:
            answer = ApiAnswer(refusal.status, refusal.to_body())
        self._record_response(url_id, body, answer, outcome, message_ts, via="ack")

    def _record_response(
        self,
        url_id: str,
        body: JsonDict,
        answer: ApiAnswer,
        outcome: Outcome,
        message_ts: str | None,
        *,
        via: Literal["response_url", "ack"],
    ) -> None:
        url = self._ws.response_urls.get(url_id)
        self._responses_seq += 1
        self._ws.responses.append(
            ResponsePost(
                seq=self._responses_seq,
                url_id=url_id,
                kind=url.kind if url is not None else None,
                channel_id=url.channel_id if url is not None else None,
                user_id=url.user_id if url is not None else None,
                body=body,
                status=answer.status,
                outcome=outcome,
                error=answer.body.get("error"),
                message_ts=message_ts,
                via=via,
            )
        )

    def _log(
        self, method: str, args: JsonDict, answer: ApiAnswer, *, team_id: str | None = None
    ) -> None:
        self._calls_seq += 1
        self._calls.append(
            Call(
                self._calls_seq,
                method,
                args,
                answer.status,
                answer.body,
                self.clock.time(),
                team_id=team_id,
            )
        )
        self._ws.changed(
            "call", channel_id=args.get("channel") if isinstance(args.get("channel"), str) else None
        )

    # -- queries -------------------------------------------------------------------------

    def messages(
        self, channel: str, *, include_replies: bool = True, include_deleted: bool = False
    ) -> list[Message]:
        """A channel's messages, oldest first (Slack's history API shows them newest first)."""
        found = self.channel(channel)
        return [
            m
            for m in self._ws.channel_messages(found.channel_id)
            if (include_deleted or not m.deleted) and (include_replies or not m.is_reply)
        ]

    def message(self, channel: str, ts: str) -> Message:
        found = self._ws.find_message(self.channel(channel).channel_id, ts)
        if found is None:
            raise LookupError(f"No message {ts} in {channel}.")
        return found

    def thread(self, channel: str, ts: str) -> list[Message]:
        """The replies to the message `ts`, oldest first."""
        return [m for m in self.messages(channel) if m.is_reply and m.thread_ts == ts]

    def ephemerals(
        self, user: str | None = None, *, channel: str | None = None, include_deleted: bool = False
    ) -> list[Ephemeral]:
        channel_id = self.channel(channel).channel_id if channel is not None else None
        return [
            e
            for e in self._ws.ephemerals
            if (user is None or e.user_id == user)
            and (channel_id is None or e.channel_id == channel_id)
            and (include_deleted or not e.deleted)
        ]

    def ephemeral(self, ts: str) -> Ephemeral:
        found = self._ws.find_ephemeral(ts)
        if found is None:
            raise LookupError(f"No ephemeral message {ts}.")
        return found

    def calls(self, method: str | None = None) -> list[Call]:
        return [c for c in self._calls if method is None or c.method == method]

    def responses(self) -> list[ResponsePost]:
        return list(self._ws.responses)

    def views(self, user: str | None = None) -> list[OpenedView]:
        return [v for v in self._ws.views.values() if user is None or v.user_id == user]

    def home(self, user: str) -> OpenedView | None:
        """The Home tab last published for `user` (`views.publish`), or None if never."""
        return self._ws.homes.get(user)

    def view(self, view_id: str) -> OpenedView:
        try:
            return self._ws.views[view_id]
        except KeyError:
            raise LookupError(f"No view {view_id!r} was opened.") from None

    def close_view(self, view_id: str) -> OpenedView:
        """Mark a modal closed (Slack closes it when the app acks a submission with nothing)."""
        closed = dataclasses.replace(self.view(view_id), closed=True)
        self._ws.put_view(closed, opened=False)
        return closed

    def replace_view(self, view_id: str, view: JsonDict) -> OpenedView:
        """Show a new view in place (a submission acked with `response_action: update`)."""
        updated = dataclasses.replace(self.view(view_id), view=dict(view))
        self._ws.put_view(updated, opened=False)
        return updated
