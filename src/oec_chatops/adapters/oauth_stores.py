"""Bolt's installation and OAuth state stores, on the bot's own database.

`DbInstallationStore` keeps one bot installation per workspace (`store.workspaces`), its token
sealed (`adapters.workspaces`); `DbOAuthStateStore` keeps each install's `state` until it is
used once or expires, on the injectable clock. Both go through the same repositories as the
rest of the bot, so they work on whichever database the store runs on, and every replica sees
an install or an uninstall at once.

Fail closed: an org-wide (Enterprise Grid) install, or an answer from Slack without a team or
a bot token, is refused (`BoltError`, which Bolt turns into its failure page) rather than
stored half; this bot serves workspaces one by one.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable

from slack_bolt.error import BoltError
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from oec_chatops.adapters.workspaces import Workspaces
from oec_chatops.clock import Clock
from oec_chatops.store import Store
from oec_chatops.store.workspaces import InstallationRow

log = logging.getLogger(__name__)

STATE_SECONDS = 600
"""How long an install link's state stays usable (Bolt's default: ten minutes)."""


class DbInstallationStore(AsyncInstallationStore):
    """Bot installations by workspace; deleting one forgets the workspace entirely."""

    def __init__(self, workspaces: Workspaces) -> None:
        self._workspaces = workspaces

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        if installation.is_enterprise_install:
            raise BoltError("Org-wide (Enterprise Grid) installs are not supported.")
        team_id = installation.team_id
        token = installation.bot_token
        if not team_id or not token:
            raise BoltError("Slack's answer has no workspace or no bot token: nothing stored.")
        self._workspaces.save_installation(
            InstallationRow(
                team_id=team_id,
                team_name=installation.team_name or "",
                enterprise_id=installation.enterprise_id,
                app_id=installation.app_id,
                bot_id=installation.bot_id,
                bot_user_id=installation.bot_user_id,
                bot_scopes=",".join(installation.bot_scopes or []),
                installer_user_id=installation.user_id,
                bot_token_sealed="",
                installed_at=float(installation.installed_at),
            ),
            token,
        )

    async def async_save_bot(self, bot: Bot) -> None:
        raise BoltError("Bot-only saves come with token rotation, which this app does not use.")

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        row = self._workspaces.installation(team_id or "")
        token = self._workspaces.token(team_id or "") if row is not None else None
        if row is None or token is None or is_enterprise_install:
            return None
        return Bot(
            app_id=row.app_id,
            enterprise_id=row.enterprise_id,
            team_id=row.team_id,
            team_name=row.team_name,
            bot_token=token,
            bot_id=row.bot_id or "",
            bot_user_id=row.bot_user_id or "",
            bot_scopes=row.bot_scopes,
            installed_at=row.installed_at,
        )

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        bot = await self.async_find_bot(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )
        if bot is None or user_id is not None:
            return None  # no user tokens are ever stored
        row = self._workspaces.installation(bot.team_id or "")
        return Installation(
            app_id=bot.app_id,
            enterprise_id=bot.enterprise_id,
            team_id=bot.team_id,
            team_name=bot.team_name,
            bot_token=bot.bot_token,
            bot_id=bot.bot_id,
            bot_user_id=bot.bot_user_id,
            bot_scopes=bot.bot_scopes,
            user_id=(row.installer_user_id if row else None) or "",
            installed_at=bot.installed_at,
        )

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        if team_id:
            self._workspaces.forget(team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        if team_id and user_id is None:
            self._workspaces.forget(team_id)

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        if team_id:
            self._workspaces.forget(team_id)


class DbOAuthStateStore(AsyncOAuthStateStore):
    """Install states: random, stored, single use, expiring on the bot's clock."""

    def __init__(self, *, store: Store, clock: Clock, expiration_seconds: int = STATE_SECONDS):
        self._store = store
        self._clock = clock
        self._seconds = expiration_seconds

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: object, **kwargs: object) -> str:
        state = secrets.token_urlsafe(32)
        now = self._clock.time()
        self._store.oauth_states.issue(state, expires_at=now + self._seconds, now=now)
        return state

    async def async_consume(self, state: str) -> bool:
        if not state:
            return False
        used = self._store.oauth_states.consume(state, now=self._clock.time())
        if not used:
            log.warning("oauth.state_refused")  # replayed, expired or never issued
        return used


def authorize_url(slack_api_url: str) -> str:
    """Slack's authorize page beside its Web API (`https://slack.com/api/` →
    `https://slack.com/oauth/v2/authorize`), so a Slack stand-in serves both."""
    base = slack_api_url.rstrip("/")
    base = base.removesuffix("/api")
    return f"{base}/oauth/v2/authorize"


def oauth_settings(
    *,
    client_id: str,
    client_secret: str,
    scopes: Iterable[str],
    slack_api_url: str,
    public_url: str | None,
    workspaces: Workspaces,
    store: Store,
    clock: Clock,
) -> AsyncOAuthSettings:
    """Bolt's OAuth flow on our stores: `/slack/install` redirects straight to Slack's page
    (with the state in a cookie and the URL), `/slack/oauth_redirect` completes the install."""
    return AsyncOAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=sorted(scopes),
        user_scopes=[],
        redirect_uri=f"{public_url}/slack/oauth_redirect" if public_url else None,
        install_page_rendering_enabled=False,
        authorization_url=authorize_url(slack_api_url),
        installation_store=DbInstallationStore(workspaces),
        installation_store_bot_only=True,
        state_store=DbOAuthStateStore(store=store, clock=clock),
        state_expiration_seconds=STATE_SECONDS,
        logger=log,
    )
