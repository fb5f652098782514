"""`build_bolt_app(...) -> AsyncApp`: Bolt configured for a fast ack, with our listeners."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.request.internals import extract_team_id
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier

from oec_chatops.context import team_id_var
from oec_chatops.errors import ConfigError
from oec_chatops.slack import handlers, uninstall

if TYPE_CHECKING:
    from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
    from slack_sdk.web.async_client import AsyncWebClient

    from oec_chatops.config import Settings
    from oec_chatops.slack.approval_listeners import ClickDesk
    from oec_chatops.slack.command_desk import CommandDesk
    from oec_chatops.slack.home_listeners import HomeOpened

log = logging.getLogger(__name__)

CommandAcceptor = Callable[[dict[str, Any]], Awaitable[None]]

NOT_INSTALLED = (
    "oec-chatops is not installed in this Slack workspace (or was uninstalled), so this "
    "command was not run. A workspace admin can install it again from the bot's /slack/install."
)


class TeamGate(Protocol):
    """A multi-workspace install, as the Slack door sees it (`adapters.workspaces`)."""

    def installed(self, team_id: str) -> bool: ...

    def note_channel(self, channel_id: str, team_id: str) -> None: ...


class ChatopsApp(AsyncApp):
    """Bolt, with a short path for the slash commands that take one (`take_command`).

    Such a command only needs its signature checked and its form queued before the ack, yet
    Bolt's dispatch (global middleware, matching every listener, injecting arguments) cost
    about as much as the HTTP server itself in `benchmarks/ack_latency.py`. So the signature is
    checked here, by slack_sdk's `SignatureVerifier` as Bolt's own middleware does (v0 HMAC,
    5-minute window, 401 `{"error": "invalid request"}` otherwise), the form goes to the
    acceptor, and the ack is an empty 200. SSL checks and every other request take Bolt's path.

    There is no way to build one without verification: an HTTP request that reaches it is
    always checked, also behind the door that already checked it (`slack.ingress`).
    """

    def __init__(
        self, *, signing_secret: str, teams: TeamGate | None = None, **kwargs: Any
    ) -> None:
        if not signing_secret or kwargs.get("request_verification_enabled", True) is not True:
            # Bolt would verify with "" (an HMAC anybody can compute) or not at all.
            raise ValueError("ChatopsApp always verifies Slack's signature: give it a secret.")
        super().__init__(signing_secret=signing_secret, **kwargs)
        self._verifier = SignatureVerifier(signing_secret)
        self._acceptors: dict[str, CommandAcceptor] = {}
        self._teams = teams

    def take_command(self, command: str, accept: CommandAcceptor) -> None:
        """Ack `command` on the short path, once `await accept(form)` returned; it must be
        quick (it stores the command) and must not raise."""
        self._acceptors[command] = accept

    def _acceptor(self, body: object) -> CommandAcceptor | None:
        if not isinstance(body, dict) or "ssl_check" in body:
            return None
        return self._acceptors.get(body.get("command", ""))

    def acks_at_once(self, body: dict[str, Any]) -> bool:
        """Does this request take the short path (no listener, no call out before the ack)?"""
        return self._acceptor(body) is not None

    async def async_dispatch(self, req: AsyncBoltRequest) -> BoltResponse:
        """In a multi-workspace install, the request is served as its workspace's
        (`team_id_var`: its token, key and policy); the work it spawns inherits that."""
        if self._teams is None:
            return await self._dispatch(req)
        token = team_id_var.set(extract_team_id(req.body) or "")
        try:
            return await self._dispatch(req)
        finally:
            team_id_var.reset(token)

    async def _dispatch(self, req: AsyncBoltRequest) -> BoltResponse:
        body = req.body
        accept = self._acceptor(body)
        if accept is None:
            return await super().async_dispatch(req)
        if req.mode != "socket_mode":
            timestamp = req.headers.get("x-slack-request-timestamp", ["0"])[0]
            signature = req.headers.get("x-slack-signature", [""])[0]
            if not self._verifier.is_valid(req.raw_body, timestamp, signature):
                return BoltResponse(status=401, body={"error": "invalid request"})
        if self._teams is not None:
            # Bolt's own authorisation is skipped on this path: check the workspace here.
            team = team_id_var.get()
            if not team or not self._teams.installed(team):
                log.warning("slack.not_installed", extra={"team": team})
                return BoltResponse(status=200, body=NOT_INSTALLED)
            self._teams.note_channel(str(body.get("channel_id") or ""), team)
        await accept(body)
        return BoltResponse(status=200, body="")


def build_bolt_app(
    *,
    settings: Settings,
    slack: AsyncWebClient,
    commands: CommandDesk,
    clicks: ClickDesk,
    home: HomeOpened | None = None,
    oauth: AsyncOAuthSettings | None = None,
    teams: TeamGate | None = None,
) -> AsyncApp:
    """The Bolt app. Signature verification is always on (v0 HMAC, 5-minute window).

    In Socket Mode without a signing secret, Slack's requests come over the WebSocket (which
    Bolt does not verify: the app-level token opened it) and nothing on HTTP can be verified.
    Bolt then gets a random secret nobody knows, so that should an HTTP request ever reach it,
    it is refused; `server.build_app` does not even route /slack/events in that case.

    A multi-workspace install (`oauth`, with the workspaces as `teams`) serves /slack/install
    and /slack/oauth_redirect through Bolt's OAuth flow, authorises every request by its
    workspace's installation, and forgets a workspace that uninstalls the app or revokes its
    token (`uninstall`).

    `process_before_response=True` sends the ack as soon as the listener returns instead of
    after Bolt's 10 ms poll; our listeners return right after `ack()`.
    """
    secret = settings.slack_signing_secret
    if secret is None and settings.slack_app_token is None:
        raise ConfigError("SLACK_SIGNING_SECRET is required (or SLACK_APP_TOKEN for Socket Mode).")
    if settings.oauth and (oauth is None or teams is None):
        raise ConfigError("SLACK_CLIENT_ID is set but the OAuth install was not wired.")
    app = ChatopsApp(
        client=slack,
        signing_secret=secret.get_secret_value() if secret else secrets.token_hex(32),
        request_verification_enabled=True,
        process_before_response=True,
        raise_error_for_unhandled_request=False,
        logger=logging.getLogger("oec_chatops.bolt"),
        oauth_settings=oauth,
        teams=teams if oauth is not None else None,
    )
    handlers.register(app, commands=commands, clicks=clicks, home=home)
    uninstall.register(app, oauth.installation_store if oauth is not None else None)
    return app
