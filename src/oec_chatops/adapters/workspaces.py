"""`Workspaces`: each installed Slack workspace's bot token, oec.sh client and policy.

In a multi-workspace (OAuth) install every request is served for the workspace it came from
(`context.team_id_var`): the Slack client posts with that workspace's token and the platform
calls oec.sh with that workspace's key (`adapters.team_scope`), the commands run under that
workspace's policy. This is the one place that opens the sealed values (`secretbox`).

Nothing is cached across processes: a key or policy set by `oec-chatops workspace ...` in
another process, or an uninstall seen by another replica, counts from the next request. What
is cached is keyed by the sealed value itself (an oec.sh client per key, a policy per text), so
a change replaces it rather than going stale.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from oec_chatops.clock import Clock
from oec_chatops.config import Settings
from oec_chatops.context import team_id_var
from oec_chatops.errors import CommandError, ConfigError
from oec_chatops.oec.client import OecClient
from oec_chatops.platforms import PlatformSecrets, single_platform
from oec_chatops.policy import Policy, parse_policy
from oec_chatops.secretbox import SecretBox
from oec_chatops.store import Store
from oec_chatops.store.workspaces import InstallationRow

log = logging.getLogger(__name__)

_TEAM_ID = re.compile(r"^[TE][A-Z0-9]{2,30}$")
_RW_KEY = re.compile(r"^oec_live_(?:rw_)?[A-Za-z0-9_-]{20,200}$")

UNINSTALLED = "the Slack workspace uninstalled the app (or revoked its token)"
MIN_WEBHOOK_SECRET = 16
"""Shorter is a typo or a truncated paste, not a secret oec.sh issued."""
NO_WORKSPACE = "the channel's Slack workspace is not installed"


class WorkspaceNotConnected(CommandError):
    """The workspace asking has no oec.sh key set: said to the user, plainly, with the fix."""


def check_team_id(team_id: str) -> str:
    """A Slack team id as typed by an operator (`T0123ABC`); `ConfigError` otherwise."""
    team = team_id.strip().upper()
    if not _TEAM_ID.match(team):
        raise ConfigError(f"{team_id!r} is not a Slack workspace id (T followed by letters/digits)")
    return team


def check_webhook_secrets(secrets: Sequence[str]) -> tuple[str, ...]:
    """Webhook secrets as typed or returned by oec.sh (comma-separated allowed, as in
    OEC_WEBHOOK_SECRET), each long enough to be one; the message never repeats them."""
    kept = tuple(
        dict.fromkeys(part.strip() for s in secrets for part in s.split(",") if part.strip())
    )
    if not kept:
        raise ConfigError("no webhook secret given")
    if any(len(s) < MIN_WEBHOOK_SECRET or any(c.isspace() for c in s) for s in kept):
        raise ConfigError(
            f"a webhook secret is at least {MIN_WEBHOOK_SECRET} characters, without spaces"
        )
    return kept


def check_oec_key(key: str) -> str:
    """A full-access oec.sh key (`oec_live_rw_...`); the message never repeats it."""
    key = key.strip()
    if not _RW_KEY.match(key):
        raise ConfigError("the oec.sh key must be a full-access key (oec_live_rw_<token>)")
    return key


@dataclass(frozen=True, slots=True)
class WorkspaceSummary:
    """What `oec-chatops workspace list` shows: never a secret."""

    team_id: str
    team_name: str
    installed: bool
    has_key: bool
    has_policy: bool
    has_webhook: bool = False


class Workspaces:
    """Installations, keys and policies by workspace, sealed at rest."""

    def __init__(
        self,
        *,
        store: Store,
        box: SecretBox,
        clock: Clock,
        oec_client: Callable[[str], OecClient],
    ) -> None:
        self._store = store
        self._box = box
        self._clock = clock
        self._oec_client = oec_client
        self._clients: dict[str, tuple[str, OecClient]] = {}  # team -> (sealed key, client)
        self._policies: dict[str, Policy] = {}  # sha256 of the text -> parsed policy
        self._default = Policy.default()  # one instance: the services built on it are reused

    def __repr__(self) -> str:
        return "Workspaces(<sealed>)"

    # -- installations -------------------------------------------------------------------------

    def save_installation(self, row: InstallationRow, bot_token: str) -> None:
        """Store (or replace, on a reinstall) a workspace's installation, its token sealed."""
        self._store.installations.save(replace(row, bot_token_sealed=self._box.seal(bot_token)))
        log.info("workspace.installed", extra={"team": row.team_id})

    def installed(self, team_id: str) -> bool:
        return self.installation(team_id) is not None

    def installation(self, team_id: str) -> InstallationRow | None:
        return self._store.installations.get(team_id) if team_id else None

    def token(self, team_id: str) -> str | None:
        """The workspace's bot token, or None when it is not installed (then nothing is sent:
        Slack answers `not_authed`, and no other workspace's token is ever tried)."""
        row = self.installation(team_id)
        if row is None:
            return None
        return self._box.open(row.bot_token_sealed, what=f"the bot token of workspace {team_id}")

    def forget(self, team_id: str) -> int:
        """Uninstalled or revoked: drop its installation, key, policy and webhook secret (one
        row of `workspace_settings`), and fail its pending outbox rows; return how many rows
        were failed."""
        now = self._clock.time()
        with self._store.tx():
            self._store.installations.delete(team_id)
            self._store.workspace_settings.delete(team_id)
            failed = self._store.channel_teams.fail_pending(team_id, reason=UNINSTALLED, now=now)
            self._store.audit.record(
                at=now,
                actor="slack",
                action="workspace.forget",
                target=team_id,
                result="uninstalled",
                detail={"outbox_failed": failed},
            )
        self._clients.pop(team_id, None)
        log.warning("workspace.forgotten", extra={"team": team_id, "outbox_failed": failed})
        return failed

    # -- channels ------------------------------------------------------------------------------

    def note_channel(self, channel_id: str, team_id: str) -> None:
        """Remember which workspace a channel belongs to (from a request Slack signed)."""
        if channel_id and team_id and self._store.channel_teams.team_of(channel_id) != team_id:
            self._store.channel_teams.note(channel_id, team_id, now=self._clock.time())

    def team_of(self, channel_id: str) -> str:
        """The channel's workspace, or "" when no signed request from it was ever seen."""
        return self._store.channel_teams.team_of(channel_id) or "" if channel_id else ""

    def enter(self, channel_id: str) -> str | None:
        """Enter the workspace of a channel the outbox posts to (`team_id_var`, for the rest of
        the caller's task), or say why nothing may be posted there: its workspace is unknown,
        or no longer installed."""
        team = self.team_of(channel_id)
        if not team:
            return NO_WORKSPACE
        if self.installation(team) is None:
            return UNINSTALLED
        team_id_var.set(team)
        return None

    # -- oec.sh keys ---------------------------------------------------------------------------

    def set_key(self, team_id: str, key: str) -> None:
        self._store.workspace_settings.set_key(
            check_team_id(team_id), self._box.seal(check_oec_key(key)), now=self._clock.time()
        )

    def platform(self, team_id: str) -> OecClient:
        """The oec.sh client with this workspace's key; `WorkspaceNotConnected` without one."""
        settings = self._store.workspace_settings.get(team_id) if team_id else None
        sealed = settings.oec_key_sealed if settings is not None else None
        if not sealed:
            raise WorkspaceNotConnected(
                "This Slack workspace has no oec.sh API key yet, so the bot cannot reach oec.sh "
                "for it.",
                hint=f"An operator sets one on the bot's host: `oec-chatops workspace set-key "
                f"{team_id or 'T…'}` (the key is read from standard input).",
            )
        cached = self._clients.get(team_id)
        if cached is not None and cached[0] == sealed:
            return cached[1]
        client = self._oec_client(self._box.open(sealed, what=f"the oec.sh key of {team_id}"))
        self._clients[team_id] = (sealed, client)
        return client

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for _, client in clients:
            await client.aclose()

    # -- oec.sh webhook secrets ----------------------------------------------------------------

    def set_webhook_secrets(self, team_id: str, secrets: Sequence[str]) -> None:
        """Replace the workspace's webhook secret(s), newest first (two while rotating)."""
        kept = check_webhook_secrets(secrets)
        self._store.workspace_webhooks.set_sealed(
            check_team_id(team_id), self._box.seal(",".join(kept)), now=self._clock.time()
        )

    def add_webhook_secret(self, team_id: str, secret: str) -> None:
        """Accept one more secret (a newly registered webhook), first, beside those already
        set: each oec.sh webhook signs with its own secret, and an older webhook of the same
        workspace (another project) keeps delivering."""
        team = check_team_id(team_id)
        self.set_webhook_secrets(team, [secret, *self.webhook_secrets(team)])

    def webhook_secrets(self, team_id: str) -> tuple[str, ...]:
        """The secrets a delivery to this workspace's URL may be signed with; () when none."""
        sealed = self._store.workspace_webhooks.sealed_secret(team_id) if team_id else None
        if not sealed:
            return ()
        opened = self._box.open(sealed, what=f"the webhook secret of {team_id}")
        return tuple(s for s in opened.split(",") if s)

    def webhook_gap(self, team_id: str) -> str | None:
        """Why nothing oec.sh sends reaches this workspace yet (no webhook secret), or None."""
        if not team_id or self._store.workspace_webhooks.sealed_secret(team_id):
            return None
        return (
            "Nothing will be posted here yet: this Slack workspace has no oec.sh webhook "
            "connected to the bot. An operator connects it on the bot's host with "
            f"`oec-chatops webhooks register --team {team_id}` (or, for a webhook created by "
            f"hand, `oec-chatops workspace set-webhook-secret {team_id}`)."
        )

    # -- policies ------------------------------------------------------------------------------

    def set_policy(self, team_id: str, text: str) -> None:
        """Store a workspace's policy file text, once it parses (a bad one changes nothing)."""
        parse_policy(text)
        self._store.workspace_settings.set_policy(
            check_team_id(team_id), text, now=self._clock.time()
        )

    def policy(self, team_id: str) -> Policy:
        """The workspace's policy; without one, the default: everyone may look, nobody may
        change anything (never another workspace's roles: user ids are per workspace)."""
        settings = self._store.workspace_settings.get(team_id) if team_id else None
        text = settings.policy_text if settings is not None else None
        if not text:
            return self._default
        digest = hashlib.sha256(text.encode()).hexdigest()
        found = self._policies.get(digest)
        if found is None:
            found = self._policies[digest] = parse_policy(text)
        return found

    # -- operations ----------------------------------------------------------------------------

    def summaries(self) -> list[WorkspaceSummary]:
        installed = {r.team_id: r for r in self._store.installations.all()}
        settings = {s.team_id: s for s in self._store.workspace_settings.all()}
        hooks = dict(self._store.workspace_webhooks.all_sealed())
        return [
            WorkspaceSummary(
                team_id=team,
                team_name=installed[team].team_name if team in installed else "",
                installed=team in installed,
                has_key=bool(settings.get(team) and settings[team].oec_key_sealed),
                has_policy=bool(settings.get(team) and settings[team].policy_text),
                has_webhook=team in hooks,
            )
            for team in sorted(installed.keys() | settings.keys())
        ]

    def check_key(self) -> int:
        """Open every stored secret once (start-up): a wrong key stops the bot here, naming the
        variable, instead of on the first request of each workspace. Returns how many."""
        opened = 0
        for row in self._store.installations.all():
            self._box.open(row.bot_token_sealed, what=f"the bot token of {row.team_id}")
            opened += 1
        for s in self._store.workspace_settings.all():
            if s.oec_key_sealed:
                self._box.open(s.oec_key_sealed, what=f"the oec.sh key of {s.team_id}")
                opened += 1
        for team, sealed in self._store.workspace_webhooks.all_sealed():
            self._box.open(sealed, what=f"the webhook secret of {team}")
            opened += 1
        return opened

    def rotate(self) -> int:
        """Seal every stored secret again under the first key; returns how many."""
        count = 0
        with self._store.tx():
            for row in self._store.installations.all():
                self._store.installations.reseal(
                    row.team_id, self._box.reseal(row.bot_token_sealed, what=row.team_id)
                )
                count += 1
            for s in self._store.workspace_settings.all():
                if s.oec_key_sealed:
                    self._store.workspace_settings.set_key(
                        s.team_id,
                        self._box.reseal(s.oec_key_sealed, what=s.team_id),
                        now=self._clock.time(),
                    )
                    count += 1
            for team, sealed in self._store.workspace_webhooks.all_sealed():
                self._store.workspace_webhooks.set_sealed(
                    team, self._box.reseal(sealed, what=team), now=self._clock.time()
                )
                count += 1
        return count


def open_workspaces(
    settings: Settings,
    *,
    store: Store,
    clock: Clock,
    oec_client: Callable[[PlatformSecrets | None], OecClient],
) -> Workspaces | None:
    """The workspaces of a multi-workspace install (None for a one-workspace bot), after
    opening every stored secret once: a wrong `OEC_CHATOPS_ENCRYPTION_KEY` stops start-up here
    (`SecretUnreadable`, a `ConfigError`) instead of failing each workspace's first request."""
    if not settings.oauth:
        return None
    if settings.oec_chatops_encryption_key is None:
        raise ConfigError("SLACK_CLIENT_ID is set without OEC_CHATOPS_ENCRYPTION_KEY.")

    def client_for(key: str) -> OecClient:
        return oec_client(single_platform(settings.oec_api_url, key, None, None))

    workspaces = Workspaces(
        store=store,
        box=SecretBox(settings.oec_chatops_encryption_key.get_secret_value()),
        clock=clock,
        oec_client=client_for,
    )
    workspaces.check_key()
    return workspaces
