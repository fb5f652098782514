"""/metrics after real traffic: every family the issue lists, with the numbers the traffic caused.

Commands, clicks and deliveries go in signed over HTTP; the exposition is parsed with
prometheus-client's own parser, so a malformed line fails here as it would fail a scrape.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Mapping
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from oec_chatops.clock import ManualClock
from oec_chatops.logs import configure_logging
from oec_chatops.playground import FakeSlack
from tests.support.approval_helpers import build_with, request_change
from tests.support.ops_helpers import signed_delivery, status_event
from tests.support.stack import CHANNEL, DEV, Stack, running_stack
from tests.support.stepped_clock import SteppedClock
from tests.support.webhook_helpers import posted_on_the_clock

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(stack: Stack) -> Samples:
    r = await stack.http.get(f"{stack.bot_url}/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    samples: Samples = {}
    for family in text_string_to_metric_families(r.text):
        for s in family.samples:
            samples[(s.name, frozenset(s.labels.items()))] = s.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def total(samples: Samples, name: str, **labels: str) -> float:
    """Sum over every sample of `name` whose labels include `labels`."""
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= ls)


async def deliver(stack: Stack, payload: Mapping[str, object], **kw: str) -> int:
    body, headers = signed_delivery(dict(payload), at=stack.c.clock.time(), **kw)
    r = await stack.http.post(f"{stack.bot_url}/webhooks/oec", content=body, headers=headers)
    return r.status_code


async def test_metrics_after_commands_deploys_deliveries_and_approvals(
    stepped_stack: Stack, stepped: SteppedClock
) -> None:
    """Given commands, a deploy run to completed (its minutes moved on the stepped clock), an
    approval request and deliveries good, duplicate and forged, the scrape counts each."""
    stack = stepped_stack
    project = next(p for p in stack.sim.projects.values() if p.slug == "acme-shop")
    env_id = stack.env_id("acme-shop/staging")

    # Commands: one good query, one typo.
    assert (await stack.agent.command("envs", user_id=DEV, channel_id=CHANNEL)).status_code == 200
    assert (
        await stack.agent.command("frobnicate", user_id=DEV, channel_id=CHANNEL)
    ).status_code == 200
    await stack.fake.wait_for(lambda f: len(f.responses()) >= 2)

    # A deploy that runs to completed, its webhooks delivered by the simulator.
    await stack.agent.command("deploy acme-shop/staging", user_id=DEV, channel_id=CHANNEL)

    def completed(f: FakeSlack) -> bool:
        return any(
            "staging" in str(m.blocks) and "completed" in str(m.blocks).lower()
            for m in f.messages(CHANNEL)
        )

    await stepped.until(lambda: completed(stack.fake))

    # A production deploy waits for approval.
    await request_change(stack)

    # The same delivery twice (deduplicated), then a forged one.
    event = status_event(project_id=project.id, env_id=env_id, env_name="staging")
    assert await deliver(stack, event, delivery_id="dlv_metrics_twice") == 200
    assert await deliver(stack, event, delivery_id="dlv_metrics_twice") == 200
    assert await deliver(stack, event, secret="whsec_not_the_secret") == 401

    # A Slack request with a bad signature.
    forged = await stack.agent.post_signed(
        b"command=%2Foec&text=envs", headers={"X-Slack-Signature": "v0=" + "0" * 64}
    )
    assert forged.status_code == 401

    await stack.http.get(f"{stack.bot_url}/readyz")
    s = await scrape(stack)

    # requests by route and status
    assert value(s, "oec_chatops_http_requests_total", route="/slack/events", status="200") >= 3
    assert value(s, "oec_chatops_http_requests_total", route="/slack/events", status="401") == 1
    assert value(s, "oec_chatops_http_requests_total", route="/webhooks/oec", status="200") >= 2
    assert value(s, "oec_chatops_http_requests_total", route="/webhooks/oec", status="401") == 1
    assert value(s, "oec_chatops_http_requests_total", route="/readyz", status="200") == 1
    # signature failures, by source
    assert (
        value(s, "oec_chatops_signature_failures_total", source="slack", reason="bad_signature")
        == 1
    )
    assert total(s, "oec_chatops_signature_failures_total", source="oec") == 1
    # commands by verb and result
    assert value(s, "oec_chatops_commands_total", verb="envs", result="ok") == 1
    assert value(s, "oec_chatops_commands_total", verb="unknown", result="bad_input") == 1
    assert value(s, "oec_chatops_commands_total", verb="deploy", result="ok") == 2
    # API calls by endpoint and status, with latency
    reads = value(s, "oec_chatops_api_call_seconds_count", endpoint="GET /projects", status="200")
    assert reads >= 1
    assert value(s, "oec_chatops_api_call_seconds_sum", endpoint="GET /projects", status="200") > 0
    deploys = total(
        s, "oec_chatops_api_call_seconds_count", endpoint="POST /environments/{env_id}/deploy"
    )
    assert deploys == 1  # production waits for its approval
    assert not any(
        n.startswith("oec_chatops_api_call") and ("endpoint", e) in ls
        for (n, ls) in s
        for e in (env_id,)
    ), "ids never become label values"
    # deliveries: stored, and the duplicate counted as such
    assert total(s, "oec_chatops_webhook_deliveries_total", outcome="stored") >= 3
    assert value(s, "oec_chatops_webhook_deliveries_total", outcome="duplicate") == 1
    # approvals by state
    assert value(s, "oec_chatops_approvals", state="pending") == 1
    # outbox: everything sent, so nothing waits
    assert value(s, "oec_chatops_outbox_depth") == 0
    assert value(s, "oec_chatops_outbox_oldest_age_seconds") == 0


async def test_outbox_depth_and_age_while_slack_is_down(tmp_path: Path) -> None:
    clock = ManualClock()
    async with running_stack(tmp_path, build=build_with(clock=clock)) as stack:
        project = next(p for p in stack.sim.projects.values() if p.slug == "acme-shop")
        env_id = stack.env_id("acme-shop/staging")
        stack.fake.down()
        for i in range(3):
            event = status_event(project_id=project.id, env_id=env_id, env_name=f"down-{i}")
            assert await deliver(stack, event) == 200
        await stack.fake.wait_for(lambda f: len(f.calls("chat.postMessage")) >= 1)
        clock.advance(30)

        s = await scrape(stack)
        assert value(s, "oec_chatops_outbox_depth") == 3
        assert value(s, "oec_chatops_outbox_oldest_age_seconds") == 30
        failed = total(s, "oec_chatops_slack_calls_total") - total(
            s, "oec_chatops_slack_calls_total", result="ok"
        )
        assert failed >= 1

        stack.fake.down(False)
        await posted_on_the_clock(stack, clock, CHANNEL, 3)
        async with asyncio.timeout(5):  # the row is marked sent right after Slack's ok
            while value(s := await scrape(stack), "oec_chatops_outbox_depth") != 0:  # noqa: ASYNC110 - polls over HTTP, as a scraper does
                await asyncio.sleep(0.01)
        assert value(s, "oec_chatops_outbox_oldest_age_seconds") == 0
        assert (
            value(s, "oec_chatops_slack_calls_total", method="chat.postMessage", result="ok") == 3
        )


async def test_api_calls_are_counted_when_the_log_level_hides_them(tmp_path: Path) -> None:
    """API-call metrics come from the client's attempt hook, not its log records: LOG_LEVEL=WARNING
    neither loses them nor prints the INFO lines."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    printed = io.StringIO()
    configure_logging(level="WARNING", fmt="json", stream=printed)
    try:
        async with running_stack(tmp_path) as stack:
            await stack.agent.command("envs", user_id=DEV, channel_id=CHANNEL)
            await stack.fake.wait_for(lambda f: f.responses())
            s = await scrape(stack)
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    assert (
        value(s, "oec_chatops_api_call_seconds_count", endpoint="GET /projects", status="200") >= 1
    )
    assert '"event":"oec.request"' not in printed.getvalue()
    assert logging.getLogger("oec_chatops.oec.client").level == logging.NOTSET  # left alone
