"""Every `/oec` verb, typed into the playground page as a person would, answered by the demo bot.

One demo per test, the verbs one after the other: this is the "every verb can be tried" promise
of `oec-chatops serve`, checked through the page's own routes.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from oec_chatops.domain import Verb
from tests.support.playground import ADMIN, DEV, LEAD, header_is, running_demo, text_of

QUERIES = [
    ("/oec help", "deploy"),
    ("/oec whoami", "admin"),
    ("/oec projects", "Acme Shop"),
    ("/oec envs globex-erp", "globex-erp/staging"),
    ("/oec status acme-shop/staging", "acme-shop/staging"),
    ("/oec logs acme-shop/staging --lines 5", "acme-shop/staging"),
    ("/oec logs acme-shop/staging --runtime --lines 5", "Odoo log"),
    ("/oec backups acme-shop/staging", "Backups of acme-shop/staging"),
    ("/oec metrics acme-shop/staging", "Metrics of acme-shop/staging"),
    ("/oec approvals", "No approval requests"),
    ("/oec subscriptions", "subscriptions"),
    ("/oec subscribe globex-erp/staging deploy.failed", "globex-erp/staging"),
    ("/oec unsubscribe globex-erp/staging", "globex-erp/staging"),
    ("/oec lock acme-shop/development -- trying the demo", "locked by"),
    ("/oec unlock acme-shop/development", "Unlocked"),
    ("/oec freeze globex-erp/* for 1h -- trying the demo", "frozen until"),
    ("/oec unfreeze globex-erp/*", "Lifted the freeze"),
    ("/oec audit --since 1d", "subscription.remove"),
    ("/oec restore acme-shop/staging deadbeef", "No backup `deadbeef`"),
    ("/oec frobnicate", "Unknown command"),
]
ACTIONS = [
    ("/oec deploy acme-shop/staging", "Deploy acme-shop/staging"),
    ("/oec redeploy globex-erp/development -- stuck assets", "Redeploy globex-erp/development"),
    ("/oec restart acme-shop/development", "Restart acme-shop/development"),
    ("/oec stop globex-erp/staging -- saving resources", "Stop globex-erp/staging"),
    ("/oec backup globex-erp/production -- before the demo", "Backup globex-erp/production"),
]

MODULE_UPDATES = [
    ("/oec update acme-shop/staging sale_custom,stock", "Update acme-shop/staging"),
    ("/oec pull acme-shop/development", "Pull acme-shop/development"),
]


async def test_every_query_verb_answers_the_person_privately(tmp_path: Path) -> None:
    async with running_demo(tmp_path) as page:
        for n, (text, expected) in enumerate(QUERIES, start=1):
            await page.command(text, user=ADMIN)
            await page.demo.fake.wait_for(
                lambda f, n=n: len(f.ephemerals(ADMIN, channel="C0DEPLOYS")) >= n
            )
            answer = page.demo.fake.ephemerals(ADMIN, channel="C0DEPLOYS")[n - 1]
            assert expected in answer.text + str(answer.blocks), text
        assert [e for e in page.demo.fake.ephemerals() if e.user_id != ADMIN] == []
        assert (await page.state(user=DEV))["timeline"] == []


async def test_every_action_verb_posts_one_message_that_ends_completed(tmp_path: Path) -> None:
    async with running_demo(tmp_path) as page:
        for text, _ in ACTIONS:
            await page.command(text)
        done = await asyncio.gather(
            *(
                page.wait_for_item(
                    lambda i, h=header: header_is(h)(i) and "*Completed*" in text_of(i)
                )
                for _, header in ACTIONS
            )
        )
        # (Posts are paced at Slack's one a second per channel: a message posted late may
        # show its end at once, with no edit.)
        assert all(item["kind"] == "message" for item in done)
        state = await page.state()
        headers = [i["blocks"][0]["text"]["text"] for i in state["timeline"] if i["blocks"]]
        for _, header in ACTIONS:
            assert headers.count(header) == 1, headers  # updated in place, never re-posted

        # The subscription posts the status change the stop caused; start brings it back.
        await page.wait_for_item(
            lambda i: "globex-erp/staging" in i["text"] and "→ stopped" in i["text"]
        )
        await page.command("/oec start globex-erp/staging")
        await page.wait_for_item(
            lambda i: header_is("Start globex-erp/staging")(i) and "*Completed*" in text_of(i)
        )
        await page.wait_for_item(
            lambda i: "globex-erp/staging" in i["text"] and "stopped → " in i["text"]
        )


def test_the_verbs_tried_here_are_all_the_verbs() -> None:
    tried = {t.split()[1] for t, _ in QUERIES + ACTIONS + MODULE_UPDATES} | {"start", "reinit"}
    assert {v.value for v in Verb} <= tried


async def test_a_change_made_in_oec_sh_itself_shows_up_in_the_subscribed_channel(
    tmp_path: Path,
) -> None:
    async with running_demo(tmp_path) as page:
        sim = page.demo.sim
        project = next(p for p in sim.projects.values() if p.slug == "acme-shop")
        env = next(e for e in sim.environments_of(project.id) if e.name == "staging")

        sim.set_environment_status(env.id, "stopped")

        note = await page.wait_for_item(lambda i: "/staging: running → stopped" in i["text"])
        assert note["kind"] == "message"  # a channel message everyone in #deploys sees


async def test_module_updates_run_and_a_reinit_asks_an_approver_first(tmp_path: Path) -> None:
    async with running_demo(tmp_path) as page:
        for text, _ in MODULE_UPDATES:
            await page.command(text)
        for _, header in MODULE_UPDATES:
            await page.wait_for_item(
                lambda i, h=header: header_is(h)(i) and "*Completed*" in text_of(i)
            )

        await page.command("/oec reinit globex-erp/development sale_custom", user=ADMIN)
        card = await page.wait_for_item(
            lambda i: i["kind"] == "message" and "Module data may be reset" in text_of(i)
        )
        await page.click(card, "approval.approve", user=LEAD)
        await page.wait_for_item(
            lambda i: header_is("Reinit globex-erp/development")(i) and "*Completed*" in text_of(i)
        )
