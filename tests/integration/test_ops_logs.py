"""The logs of a full run hold no secret, and carry each request's id to the calls it causes.

The run: queries, a deploy to completion with its webhooks, a production deploy approved by a
click, a forged webhook and a forged Slack request, a Slack rate limit, probes and a scrape,
start-up and shutdown. Logging is configured as `serve` configures it (JSON, DEBUG, the
configured secrets given to the redactor), and a second handler sees the records before the
redactor does: no secret may appear in either, so the code never hands one to a logger.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from oec_chatops.logs import JsonFormatter, configure_logging
from tests.support.approval_helpers import request_change, wait_card
from tests.support.ops_helpers import signed_delivery, status_event
from tests.support.stack import (
    BOT_TOKEN,
    CHANNEL,
    DEV,
    LEAD1,
    RO_KEY,
    RW_KEY,
    SIGNING_SECRET,
    WEBHOOK_SECRET,
    running_stack,
)

SECRETS = {
    "bot token": BOT_TOKEN,
    "signing secret": SIGNING_SECRET,
    "rw key": RW_KEY,
    "ro key": RO_KEY,
    "webhook secret": WEBHOOK_SECRET,
}


class Captured:
    def __init__(self) -> None:
        self.raw = io.StringIO()  # records as the code made them
        self.out = io.StringIO()  # what the operator reads

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.out.getvalue().splitlines()]


@pytest.fixture
def captured() -> Iterator[Captured]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    cap = Captured()
    raw = logging.StreamHandler(cap.raw)
    raw.setFormatter(JsonFormatter())
    root.addHandler(raw)  # before the redacting handler, so it sees records untouched
    configure_logging(level="DEBUG", fmt="json", secrets=SECRETS.values(), stream=cap.out)
    try:
        yield cap
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


async def test_a_full_run_logs_no_secret_and_carries_request_ids(
    tmp_path: Path, captured: Captured
) -> None:
    async with running_stack(tmp_path) as stack:
        project = next(p for p in stack.sim.projects.values() if p.slug == "acme-shop")
        staging = stack.env_id("acme-shop/staging")
        for text in ("envs", "status acme-shop/staging", "status nosuch/env", "frobnicate"):
            await stack.agent.command(text, user_id=DEV, channel_id=CHANNEL)

        stack.fake.rate_limit("chat.postMessage", retry_after=1)
        await stack.agent.command("deploy acme-shop/staging", user_id=DEV, channel_id=CHANNEL)
        await stack.fake.wait_for(
            lambda f: any("completed" in str(m.blocks).lower() for m in f.messages(CHANNEL)),
            timeout=10,
        )

        approval_id, card = await request_change(stack)
        await stack.agent.click(card, "approval.approve", user_id=LEAD1)
        await wait_card(stack.fake, approval_id, "has started", timeout=10)

        event = status_event(project_id=project.id, env_id=staging, env_name="staging")
        body, headers = signed_delivery(event, secret="whsec_forged_by_someone")
        forged = await stack.http.post(
            f"{stack.bot_url}/webhooks/oec", content=body, headers=headers
        )
        assert forged.status_code == 401
        slack_forged = await stack.agent.post_signed(
            b"command=%2Foec&text=envs", headers={"X-Slack-Signature": "v0=" + "1" * 64}
        )
        assert slack_forged.status_code == 401
        await stack.http.get(f"{stack.bot_url}/readyz")
        await stack.http.get(f"{stack.bot_url}/metrics")

    raw, out = captured.raw.getvalue(), captured.out.getvalue()
    assert len(out.splitlines()) > 30
    for name, secret in SECRETS.items():
        assert secret not in raw, f"the {name} was handed to a logger"
        assert secret not in out, f"the {name} reached the log output"

    lines = captured.lines()  # every line is one JSON object
    events = {line["event"] for line in lines}
    assert {"bot.started", "bot.stopped", "command.received", "oec.request"} <= events

    def received(verb: str) -> list[str]:
        return [
            line["request_id"]
            for line in lines
            if line["event"] == "command.received" and line.get("verb") == verb
        ]

    def api_calls(request_id: str) -> set[str]:
        return {
            line["endpoint"]
            for line in lines
            if line["event"] == "oec.request" and line.get("request_id") == request_id
        }

    # The status command's id is on its own line and on the API calls it made.
    [status_id, _] = received("status")
    assert status_id.startswith("req_")
    assert "GET /environments/{env_id}/status" in api_calls(status_id)
    # The deploy's id reaches the action call and the acceptance line.
    deploy_ids = received("deploy")
    assert any("POST /environments/{env_id}/deploy" in api_calls(r) for r in deploy_ids)
    accepted = [line for line in lines if line["event"] == "action.accepted"]
    assert accepted
    assert all(line.get("request_id") for line in accepted)
    # ... and the Slack message that tells the channel about it.
    sent = {
        line.get("request_id")
        for line in lines
        if line["event"] == "outbox.sent" and line.get("kind") == "deployment"
    }
    assert set(deploy_ids) & sent
    # Every API call line and every webhook line says which request it belongs to.
    assert all(line.get("request_id") for line in lines if line["event"] == "oec.request")
    webhook_lines = [line for line in lines if line["logger"] == "oec_chatops.receiver"]
    assert webhook_lines
    assert all(str(line.get("request_id", "")).startswith("req_") for line in webhook_lines)
    # Refusals are logged with their reason and never with the body or the signature.
    rejected = [line for line in webhook_lines if line["event"] == "webhook.rejected"]
    assert rejected
    assert rejected[0]["reason"]
