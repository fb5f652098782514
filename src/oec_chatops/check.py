"""`oec-chatops check`: is this configuration ready for production? One line per check.

Reaches both sides for real: Slack's `auth.test` with the bot token, one read on oec.sh with
each configured key (tier and rate-limit headers reported), and the database. Exit status is
non-zero when anything fails, so it can gate a deployment.
"""

from __future__ import annotations

from typing import TextIO

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from oec_chatops.config import Settings
from oec_chatops.oec.client import OecClient
from oec_chatops.oec.errors import OecError
from oec_chatops.store import Store

OK, FAIL, WARN = "ok  ", "FAIL", "warn"


async def run_check(settings: Settings, *, out: TextIO) -> int:
    failures = 0

    def line(mark: str, what: str, detail: str) -> None:
        nonlocal failures
        if mark == FAIL:
            failures += 1
        out.write(f"[{mark}] {what}: {detail}\n")

    if settings.embedded:
        line(FAIL, "configuration", "no SLACK_BOT_TOKEN and no OEC_API_KEY: this is the demo setup")
        return 1
    line(OK, "configuration", "all required variables set and well-formed")

    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    slack = AsyncWebClient(token=token, base_url=settings.slack_api_url, timeout=10)
    try:
        auth = await slack.auth_test()
        line(OK, "slack", f"token valid for team {auth.get('team')} as {auth.get('user')}")
    except SlackApiError as exc:
        line(FAIL, "slack", f"auth.test refused the bot token: {exc.response.get('error')}")
    except Exception as exc:
        line(FAIL, "slack", f"cannot reach {settings.slack_api_url}: {type(exc).__name__}")
    finally:
        if slack.session is not None:
            await slack.session.close()
    mode = "Socket Mode (SLACK_APP_TOKEN)" if settings.slack_app_token else "HTTP (/slack/events)"
    line(OK, "slack mode", mode)

    try:
        async with OecClient(
            base_url=settings.oec_api_url,
            rw_key=settings.oec_api_key,
            ro_key=settings.oec_api_key_ro,
        ) as oec:
            for report in await oec.probe():
                limits = (
                    f", rate limit {report.rate_remaining}/{report.rate_limit} per {report.rate_window:g} s"
                    if report.rate_limit is not None and report.rate_window is not None
                    else ""
                )
                what = f"oec.sh {report.slot.value} key"
                if report.ok:
                    line(OK, what, f"{report.tier.value}{limits}")
                else:
                    status = report.status if report.status is not None else "no answer"
                    line(
                        FAIL,
                        what,
                        f"refused ({status} {report.code or ''}) {report.message or ''}".strip(),
                    )
    except OecError as exc:
        line(FAIL, "oec.sh", str(exc))

    if settings.webhook_secrets:
        line(
            OK,
            "webhook secret",
            f"{len(settings.webhook_secrets)} configured ({settings.oec_webhook_scheme.value})",
        )
    else:
        line(
            WARN,
            "webhook secret",
            "OEC_WEBHOOK_SECRET not set: every oec.sh delivery will be refused",
        )

    try:
        store = Store(settings.oec_chatops_db)
        writable = store.writable()
        store.close()
    except Exception as exc:
        writable = False
        line(FAIL, "database", f"{settings.oec_chatops_db}: {type(exc).__name__}")
    else:
        line(
            OK if writable else FAIL,
            "database",
            f"{settings.oec_chatops_db} {'writable' if writable else 'not writable'}",
        )

    out.write("all checks passed\n" if failures == 0 else f"{failures} check(s) failed\n")
    return 0 if failures == 0 else 1
