"""The demo (`serve` with no credentials) runs three hosts, and its channel hears all three.

Driven as the playground page drives it: a command typed in #deploys, what a person then sees.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.playground import DEV, running_demo, text_of


async def test_the_demo_lists_three_hosts_and_hears_a_deployerp_deploy(tmp_path: Path) -> None:
    async with running_demo(tmp_path) as page:
        await page.command("/oec envs")
        envs = await page.wait_for_item(lambda i: "derp:eu-1/shop-staging" in text_of(i))
        assert "ocore:eu-1/shop-staging" in text_of(envs)
        assert "acme-shop/staging" in text_of(envs)

        await page.command("/oec deploy derp:eu-1/shop-staging", user=DEV)
        # deployERP's signed `instance.deployed` webhook, posted to the subscribed channel.
        event = await page.wait_for_item(lambda i: "`deploy.completed`" in text_of(i))
        assert "derp:eu-1/shop-staging" in text_of(event)
