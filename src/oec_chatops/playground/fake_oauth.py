"""Slack's side of an OAuth install, for the fake: apps, consent, codes, and the tokens issued.

A real install goes: the bot's `/slack/install` sends the browser to Slack's
`/oauth/v2/authorize` page; a person picks a workspace and allows the scopes; Slack sends the
browser back to the app's redirect URL with a one-time `code`; the app trades the code (with
its client id and secret) at `oauth.v2.access` for a bot token of that workspace. The fake
does the same with a consent that needs no person (`GET /oauth/v2/authorize?team=T...`), so a
test can drive the whole flow over HTTP, and then tells which workspace each token belongs to,
so a test can see which workspace's token every later call carried.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from oec_chatops.playground.api_args import Refusal
from oec_chatops.playground.records import JsonDict

CODE_SECONDS = 600.0
"""Slack's codes expire after ten minutes; a code is good once."""


@dataclass(frozen=True, slots=True)
class Consent:
    """A person allowed the app into a workspace: what its code will be traded for."""

    client_id: str
    team_id: str
    team_name: str
    user_id: str
    scope: str
    redirect_uri: str | None
    issued_at: float


class FakeInstalls:
    """OAuth apps registered with the fake, codes granted, bot tokens issued per workspace."""

    def __init__(self, *, app_id: str, bot_user_id: str) -> None:
        self._app_id = app_id
        self._bot_user_id = bot_user_id
        self._apps: dict[str, str] = {}  # client_id -> client_secret
        self._redirects: dict[str, str] = {}  # client_id -> the app's configured Redirect URL
        self._codes: dict[str, Consent] = {}
        self._tokens: dict[str, str] = {}  # bot token -> team id

    def register_app(
        self, client_id: str, client_secret: str, *, redirect_uri: str | None = None
    ) -> None:
        """An app Slack knows, with the Redirect URL of its settings (used when the authorize
        request names none)."""
        self._apps[client_id] = client_secret
        if redirect_uri is not None:
            self._redirects[client_id] = redirect_uri

    def redirect_for(self, client_id: str, asked: str | None) -> str | None:
        return asked or self._redirects.get(client_id)

    def tokens_of(self, team_id: str) -> list[str]:
        """The valid bot tokens issued to a workspace (for tests: what must never be stored)."""
        return [t for t, team in self._tokens.items() if team == team_id]

    def consent(
        self,
        *,
        client_id: str,
        team_id: str,
        team_name: str,
        user_id: str,
        scope: str,
        redirect_uri: str | None,
        now: float,
    ) -> str:
        """A person allowed the app into `team_id`: the one-time code Slack redirects with."""
        if client_id not in self._apps:
            raise Refusal("invalid_client_id", status=400)
        code = f"{team_id}.{secrets.token_urlsafe(12)}"
        self._codes[code] = Consent(
            client_id, team_id, team_name, user_id, scope, redirect_uri, issued_at=now
        )
        return code

    def exchange(self, args: JsonDict, *, now: float) -> JsonDict:
        """`oauth.v2.access`: the code (once, unexpired) for a new bot token of its workspace."""
        client_id = str(args.get("client_id", ""))
        secret = self._apps.get(client_id)
        given = str(args.get("client_secret", ""))
        if secret is None:
            raise Refusal("invalid_client_id")
        if not hmac.compare_digest(secret.encode(), given.encode()):
            raise Refusal("bad_client_secret")
        consent = self._codes.pop(str(args.get("code", "")), None)
        if consent is None or consent.client_id != client_id:
            raise Refusal("invalid_code")
        if now - consent.issued_at > CODE_SECONDS:
            raise Refusal("code_expired")
        redirect_uri = args.get("redirect_uri")
        if consent.redirect_uri and redirect_uri and redirect_uri != consent.redirect_uri:
            raise Refusal("bad_redirect_uri")
        token = f"xoxb-{consent.team_id}-{secrets.token_hex(12)}"
        self._tokens[token] = consent.team_id
        return {
            "ok": True,
            "access_token": token,
            "token_type": "bot",
            "scope": consent.scope,
            "bot_user_id": self._bot_user_id,
            "app_id": self._app_id,
            "team": {"id": consent.team_id, "name": consent.team_name},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": consent.user_id},
        }

    def team_of(self, token: str | None) -> str | None:
        """The workspace a token issued here belongs to (None: not one of ours, or revoked)."""
        return self._tokens.get(token) if token else None

    def revoke(self, team_id: str) -> int:
        """The workspace removed the app: its tokens stop working. Returns how many."""
        gone = [t for t, team in self._tokens.items() if team == team_id]
        for token in gone:
            del self._tokens[token]
        return len(gone)
