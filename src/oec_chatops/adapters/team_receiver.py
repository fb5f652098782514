"""`POST /webhooks/oec/{team_id}`: one workspace's oec.sh deliveries, in a multi-workspace install.

Each installed workspace registers its own oec.sh webhook (its own oec.sh key, its own signing
secret, stored sealed: `Workspaces.webhook_secrets`) pointing at its own URL. A delivery is
verified with exactly that workspace's secret(s), then handled as `/webhooks/oec` handles one
(`receiver.read_verified`, `receiver.accept`: size limit before the read, signature and
timestamp tolerance, dedupe, persisted before the 200), except that it reaches only the
channels of that workspace. Why per workspace and not one shared secret: a secret shared by
every workspace would let any of them sign deliveries that land in another's channels.

Fail closed, before the body is read: a malformed team id, a workspace that is not (or no
longer) installed → 404; an installed workspace with no webhook secret yet → 401. A delivery
signed with another workspace's secret fails the signature check → 401. Nothing is stored for a
refused delivery, and the log line says why, never the body or a secret.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from starlette.requests import Request
from starlette.responses import Response

from oec_chatops.adapters.receiver import WebhookReceiver, receive_with
from oec_chatops.adapters.workspaces import Workspaces, check_team_id
from oec_chatops.errors import ConfigError, SignatureRejected, WebhookRejected


class UnknownWorkspace(WebhookRejected):
    """No installed workspace has this id: nobody here could be told about the delivery."""

    status = 404
    reason = "unknown_workspace"


class NoWebhookSecret(SignatureRejected):
    """The workspace is installed but has no webhook secret: nothing can be verified."""

    reason = "no_webhook_secret"


def _team_of(request: Request, workspaces: Workspaces) -> tuple[str | None, tuple[str, ...]]:
    """The installed workspace the URL names and its secrets; refused otherwise. Pure reads."""
    raw = str(request.path_params.get("team_id", ""))
    try:
        team = check_team_id(raw)
    except ConfigError:
        raise UnknownWorkspace(
            "The URL does not name a Slack workspace.", reason="invalid_team_id"
        ) from None
    if team != raw or not workspaces.installed(team):
        raise UnknownWorkspace(f"Workspace {team} has not installed the app (or uninstalled it).")
    secrets = workspaces.webhook_secrets(team)
    if not secrets:
        raise NoWebhookSecret(
            f"Workspace {team} has no webhook secret set "
            f"(`oec-chatops webhooks register --team {team}`)."
        )
    return team, secrets


@dataclass(frozen=True, slots=True)
class TeamWebhookReceiver(WebhookReceiver):
    """`/webhooks/oec`'s collaborators, and the workspaces whose secrets verify each door."""

    workspaces: Workspaces

    @classmethod
    def beside(cls, door: WebhookReceiver, workspaces: Workspaces) -> TeamWebhookReceiver:
        """With the same collaborators as `/webhooks/oec`'s door."""
        same = {f.name: getattr(door, f.name) for f in fields(door)}
        return cls(**same, workspaces=workspaces)

    async def receive(self, request: Request) -> Response:
        return await receive_with(
            self, request, self.settings, lambda r: _team_of(r, self.workspaces)
        )
