"""`oec-chatops check`: is this configuration ready for production? One line per check.

Reaches both sides for real: Slack's `auth.test` with the bot token (and the granted scopes
when Slack reports them), `apps.connections.open` with the app-level token in Socket Mode, one
read on oec.sh with each configured key (tier and rate-limit headers reported), the webhook
secret, the policy file and the database. Exit status is non-zero when anything fails, so it
can gate a deployment. No line shows a secret.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TextIO

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from oec_chatops.adapters.check_hosts import check_hosts
from oec_chatops.adapters.check_workspaces import check_workspaces
from oec_chatops.config import Settings, UnknownVariable
from oec_chatops.errors import ConfigError
from oec_chatops.oec.client import OecClient
from oec_chatops.oec.errors import OecError
from oec_chatops.oec.keys import KeyReport
from oec_chatops.policy import load_policy
from oec_chatops.store import Store
from oec_chatops.store.dialect import describe

OK, FAIL, WARN = "ok  ", "FAIL", "warn"

# The bot scopes in manifest.yml (tests/unit/test_manifest.py keeps the two the same).
REQUIRED_SCOPES = frozenset(
    {
        "commands",
        "chat:write",
        "channels:read",
        "groups:read",
        "channels:history",
        "groups:history",
        "usergroups:read",
    }
)

Line = Callable[[str, str, str], None]


async def run_check(
    settings: Settings, *, out: TextIO, unknown: Sequence[UnknownVariable] = ()
) -> int:
    """Print the report to `out`; return 0 when every check passed, 1 otherwise.

    `unknown` are the SLACK_/OEC_ variables the bot does not read: each gets a warning line.
    """
    failures = 0

    def line(mark: str, what: str, detail: str) -> None:
        nonlocal failures
        if mark == FAIL:
            failures += 1
        out.write(f"[{mark}] {what}: {detail}\n")

    if settings.embedded:
        line(FAIL, "configuration", "no Slack or oec.sh credential is set: this is the demo setup")
        out.write("1 check(s) failed\n")
        return 1
    line(OK, "configuration", "all required variables set and well-formed")
    for variable in unknown:
        line(WARN, "configuration", str(variable))

    if settings.oauth:  # a multi-workspace install: each workspace's token and key
        await check_workspaces(settings, line, _key_line)
    elif settings.oec_chatops_platforms is not None:  # several hosts: one read on each
        await _check_slack(settings, line)
        await check_hosts(settings, line, _key_line)
    else:
        await _check_slack(settings, line)
        await _check_oec(settings, line)
        _check_webhook_secret(settings, line)
    _check_policy(settings, line)
    _check_database(settings, line)

    out.write("all checks passed\n" if failures == 0 else f"{failures} check(s) failed\n")
    return 0 if failures == 0 else 1


async def _check_slack(settings: Settings, line: Line) -> None:
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    slack = AsyncWebClient(token=token, base_url=settings.slack_api_url, timeout=10)
    try:
        try:
            auth = await slack.auth_test()
        except SlackApiError as exc:
            line(FAIL, "slack", f"auth.test refused the bot token: {exc.response.get('error')}")
        except Exception as exc:
            line(FAIL, "slack", f"cannot reach {settings.slack_api_url}: {type(exc).__name__}")
        else:
            line(OK, "slack", f"token valid for team {auth.get('team')} as {auth.get('user')}")
            _check_scopes(auth.headers.get("x-oauth-scopes"), line)
        if settings.slack_app_token is None:
            line(OK, "slack mode", "HTTP: Slack posts to /slack/events (needs a public URL)")
            return
        try:
            await slack.apps_connections_open(app_token=settings.slack_app_token.get_secret_value())
        except SlackApiError as exc:
            error = exc.response.get("error")
            line(FAIL, "slack mode", f"Socket Mode refused the app-level token: {error}")
        except Exception as exc:
            line(FAIL, "slack mode", f"Socket Mode unreachable: {type(exc).__name__}")
        else:
            line(OK, "slack mode", "Socket Mode: the app-level token opens a connection")
    finally:
        if slack.session is not None:
            await slack.session.close()


def _check_scopes(header: str | None, line: Line) -> None:
    if header is None:
        line(WARN, "slack scopes", "not reported by this Slack; compare with manifest.yml")
        return
    granted = {s.strip() for s in header.split(",") if s.strip()}
    missing = sorted(REQUIRED_SCOPES - granted)
    if missing:
        line(FAIL, "slack scopes", f"missing {', '.join(missing)}: reinstall from manifest.yml")
    else:
        line(OK, "slack scopes", "every scope the bot uses is granted")


async def _check_oec(settings: Settings, line: Line) -> None:
    try:
        async with OecClient(
            base_url=settings.oec_api_url,
            rw_key=settings.oec_api_key,
            ro_key=settings.oec_api_key_ro,
        ) as oec:
            for report in await oec.probe():
                _key_line(report, line)
    except OecError as exc:
        line(FAIL, "oec.sh", str(exc))


def _key_line(report: KeyReport, line: Line, host: str = "oec.sh") -> None:
    what = f"{host} {report.slot.value} key"
    if not report.ok:
        status = str(report.status) if report.status is not None else "no answer"
        reason = " ".join(p for p in (status, report.code) if p)
        line(FAIL, what, f"refused ({reason}) {report.message or ''}".strip())
        return
    limits = ""
    if report.rate_limit is not None and report.rate_window is not None:
        remaining = report.rate_remaining if report.rate_remaining is not None else "?"
        limits = f", rate limit {remaining}/{report.rate_limit} per {report.rate_window:g} s"
    tier = report.tier.value.replace("_", " ")
    line(OK, what, f"{tier}{limits}")


def _check_webhook_secret(settings: Settings, line: Line) -> None:
    if settings.webhook_secrets:
        count = len(settings.webhook_secrets)
        line(OK, "webhook secret", f"{count} configured ({settings.oec_webhook_scheme.value})")
    else:
        line(FAIL, "webhook secret", "OEC_WEBHOOK_SECRET not set: every oec.sh delivery is refused")


def _check_policy(settings: Settings, line: Line) -> None:
    if settings.oec_chatops_policy is None:
        line(OK, "policy", "built-in default (OEC_CHATOPS_POLICY not set)")
        return
    try:
        load_policy(settings.oec_chatops_policy)
    except ConfigError as exc:
        line(FAIL, "policy", str(exc))
    else:
        line(OK, "policy", f"{settings.oec_chatops_policy} is valid")


def _check_database(settings: Settings, line: Line) -> None:
    try:
        store = Store(settings.oec_chatops_db)
        writable = store.writable()
        store.close()
    except Exception as exc:
        line(FAIL, "database", f"{describe(str(settings.oec_chatops_db))}: {type(exc).__name__}")
        return
    line(
        OK if writable else FAIL,
        "database",
        f"{describe(str(settings.oec_chatops_db))} {'writable' if writable else 'not writable'}",
    )
