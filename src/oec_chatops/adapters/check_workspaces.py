"""`oec-chatops check` for a multi-workspace install: the encryption key, then each workspace.

The stored secrets are opened first: a wrong `OEC_CHATOPS_ENCRYPTION_KEY` is the one failure
that stops every workspace at once. Then each installed workspace's bot token is asked
`auth.test` and its oec.sh key probed, so "ok" means that workspace will be served; one with
no key set is named with the command that sets it. No line shows a secret.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import SecretStr
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from oec_chatops.adapters.check_hosts import KeyLine, Line
from oec_chatops.adapters.workspaces import Workspaces, open_workspaces
from oec_chatops.clock import SystemClock
from oec_chatops.config import Settings
from oec_chatops.errors import ConfigError
from oec_chatops.oec.client import OecClient
from oec_chatops.oec.errors import OecError
from oec_chatops.platforms import PlatformSecrets
from oec_chatops.store import Store

OK, FAIL, WARN = "ok  ", "FAIL", "warn"


async def check_workspaces(settings: Settings, line: Line, key_line: KeyLine) -> None:
    store = Store(settings.oec_chatops_db)
    try:
        try:
            workspaces = open_workspaces(
                settings, store=store, clock=SystemClock(), oec_client=workspace_client(settings)
            )
        except ConfigError as exc:
            line(FAIL, "encryption key", str(exc))
            return
        assert workspaces is not None  # settings.oauth
        line(OK, "encryption key", "opens every stored secret")
        await _each(settings, workspaces, line, key_line)
    finally:
        store.close()


async def _each(settings: Settings, ws: Workspaces, line: Line, key_line: KeyLine) -> None:
    installed = [s for s in ws.summaries() if s.installed]
    if not installed:
        where = f"{settings.public_url}/slack/install" if settings.public_url else "/slack/install"
        line(WARN, "workspaces", f"none installed yet: open {where} to install the app")
        return
    for s in installed:
        what = f"workspace {s.team_id}"
        slack = AsyncWebClient(
            token=ws.token(s.team_id), base_url=settings.slack_api_url, timeout=10
        )
        try:
            auth = await slack.auth_test()
            line(OK, what, f"bot token valid for {auth.get('team')}")
        except SlackApiError as exc:
            line(FAIL, what, f"auth.test refused its bot token: {exc.response.get('error')}")
        except Exception as exc:
            line(FAIL, what, f"cannot reach {settings.slack_api_url}: {type(exc).__name__}")
        finally:
            if slack.session is not None:
                await slack.session.close()
        if not s.has_webhook:
            line(
                WARN,
                what,
                "no webhook secret, so oec.sh's notifications are not posted: "
                f"oec-chatops webhooks register --team {s.team_id}",
            )
        if not s.has_key:
            line(WARN, what, f"no oec.sh key: oec-chatops workspace set-key {s.team_id}")
            continue
        try:
            async with ws.platform(s.team_id) as oec:
                for report in await oec.probe():
                    key_line(report, line, what)
        except OecError as exc:
            line(FAIL, what, str(exc))


def workspace_client(settings: Settings) -> Callable[[PlatformSecrets | None], OecClient]:
    def build(secrets: PlatformSecrets | None) -> OecClient:
        key = SecretStr(secrets.key) if secrets is not None else None
        return OecClient(base_url=settings.oec_api_url, rw_key=key)

    return build
