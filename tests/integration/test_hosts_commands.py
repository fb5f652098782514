"""One channel, three hosts: `/oec` queries and actions on oec.sh, oCore and deployERP.

The bot reads a platforms file naming the three simulators (CONTRACT.md §1); every command is a
signed slash command, every answer is read from the fake Slack, every action from the simulator
it reached.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.approval_helpers import APPROVE, request_change, wait_card
from tests.support.commands_helpers import ask, deployment_messages, final_word
from tests.support.hosts import HostsStack, hosts_stack
from tests.support.ocore_helpers import SHOP_STAGING
from tests.support.stack import CHANNEL, DEV, LEAD1, VIEWER


@pytest.fixture
async def hosts(tmp_path: Path) -> AsyncIterator[HostsStack]:
    async with hosts_stack(tmp_path) as h:
        yield h


def actions_to(requests: list[dict[str, object]], suffix: str) -> list[dict[str, object]]:
    return [r for r in requests if r["method"] == "POST" and str(r["path"]).endswith(suffix)]


async def test_envs_lists_every_host_and_says_where_each_environment_lives(
    hosts: HostsStack,
) -> None:
    answer = await ask(hosts.stack, "envs", user_id=VIEWER)
    text = answer.text
    assert "acme-shop/staging" in text  # oec.sh, its labels unchanged
    assert "ocore:eu-1/shop-staging" in text
    assert "derp:eu-1/shop-staging" in text
    assert "derp:" in text
    assert "ocore:" in text
    assert "oec:" in text


async def test_envs_of_one_platform_walks_every_page(hosts: HostsStack) -> None:
    answer = await ask(hosts.stack, "envs derp", user_id=VIEWER)
    assert "125 environments" in answer.text  # 5 seeded + 120 more: two pages of 100
    pages = {
        r["query"].get("page", "1")
        for r in await hosts.requests(hosts.derp_url)
        if r["method"] == "GET" and r["path"] == "/v1/instances"
    }
    assert pages == {"1", "2"}
    assert "ocore:" not in answer.text
    assert "acme-shop" not in answer.text


async def test_ocore_status_shows_health_and_the_health_score(hosts: HostsStack) -> None:
    answer = await ask(hosts.stack, "status ocore:eu-1/shop-staging", user_id=VIEWER)
    text = answer.text
    assert "Health score:" in text
    assert "Weakest factors:" in text
    assert "Odoo is running" in text  # the health's status message


async def test_a_bare_name_on_two_hosts_is_answered_with_the_candidates(
    hosts: HostsStack,
) -> None:
    answer = await ask(hosts.stack, "status shop-staging", user_id=VIEWER)
    text = answer.text
    assert "matches 2 environments" in text
    assert "ocore:eu-1/shop-staging" in text
    assert "derp:eu-1/shop-staging" in text
    assert not actions_to(await hosts.requests(hosts.ocore_url), "/control")


async def test_a_bare_name_on_one_host_resolves(hosts: HostsStack) -> None:
    answer = await ask(hosts.stack, "status crm-prod", user_id=VIEWER)
    assert "derp:us-1/crm-prod" in answer.text


@pytest.mark.parametrize(
    ("reference", "url_of", "suffix"),
    [
        ("ocore:eu-1/shop-staging", "ocore_url", f"/instances/{SHOP_STAGING}/control"),
        ("derp:eu-1/shop-staging", "derp_url", "/instances/ins_shop_staging/restart"),
    ],
)
async def test_restart_follows_a_living_message_to_the_end(
    hosts: HostsStack, reference: str, url_of: str, suffix: str
) -> None:
    r = await hosts.stack.agent.command(f"restart {reference}", user_id=DEV, channel_id=CHANNEL)
    assert r.status_code == 200
    (message,) = await hosts.stack.fake.wait_for(
        lambda f: [m for m in deployment_messages(f) if "completed" in final_word(m)], timeout=15
    )
    assert reference in final_word(message)
    sent = actions_to(await hosts.requests(getattr(hosts, url_of)), suffix)
    assert len(sent) == 1


async def test_deploy_on_ocore_is_answered_as_not_offered(hosts: HostsStack) -> None:
    answer = await ask(hosts.stack, "deploy ocore:eu-1/shop-staging", user_id=DEV)
    assert "oCore's API has no deploy" in answer.text
    assert not actions_to(await hosts.requests(hosts.ocore_url), "/control")


async def test_a_deployerp_production_restart_waits_for_an_approval(hosts: HostsStack) -> None:
    approval_id, message = await request_change(
        hosts.stack, "restart derp:eu-1/shop-prod -- stuck workers"
    )
    assert not actions_to(await hosts.requests(hosts.derp_url), "/restart")
    r = await hosts.stack.agent.click(message, APPROVE, user_id=LEAD1)
    assert r.status_code == 200
    await wait_card(hosts.stack.fake, approval_id, "approved")
    await hosts.stack.fake.wait_for(
        lambda f: [m for m in deployment_messages(f) if "completed" in final_word(m)], timeout=15
    )
    sent = actions_to(await hosts.requests(hosts.derp_url), "/instances/ins_shop_prod/restart")
    assert len(sent) == 1
