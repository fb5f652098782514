"""The playground in a real browser: Debian's Chromium, driven by Playwright, against the demo.

The demo is the one `oec-chatops serve` runs with no credentials (`embedded_demo`), with a
short simulated task time. Everything the page does goes through the playground server to the
bot as signed Slack requests, so this walks the README's first minute end to end.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import pytest_asyncio

from oec_chatops.config import load_settings
from oec_chatops.entrypoints.embedded import Demo, embedded_demo

if TYPE_CHECKING:
    from playwright.async_api import Browser, Locator, Page

# The browser is shared by the module's tests, so they share its event loop too.
pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
WAIT_MS = 15_000  # generous for CI's 2 cores; each step usually takes well under a second


def _chromium_or_skip() -> str:
    """Debian's Chromium and Playwright's Python package, or a skip saying which is missing."""
    if importlib.util.find_spec("playwright") is None:
        pytest.skip("playwright is not installed: pip install -e '.[browser]'")
    found = str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")
    if found is None:
        pytest.skip("Debian's Chromium is missing at /usr/bin/chromium: apt-get install chromium")
    return found


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    """One Chromium for the module (it takes a second to start); each test gets a fresh tab."""
    chromium = _chromium_or_skip()
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        launched = await pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest_asyncio.fixture(loop_scope="module")
async def demo(tmp_path: Path, browser: Browser) -> AsyncIterator[Demo]:
    settings = load_settings({"OEC_CHATOPS_DB": str(tmp_path / "demo.db")})
    async with embedded_demo(settings, port=0, task_seconds=0.4, grace=0.5) as running:
        yield running


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: Browser, demo: Demo) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        tab = await context.new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        await tab.goto(demo.playground_url)
        await _expect(tab.locator("#live")).to_have_text("live", timeout=WAIT_MS)
        yield tab
        assert errors == [], f"the page's JavaScript failed: {errors}"
    finally:
        await context.close()


def _make_artifacts_dir() -> None:
    ARTIFACTS.mkdir(exist_ok=True)


def _expect(target: Any) -> Any:
    from playwright.async_api import expect

    return expect(target)


async def _run(page: Page, command: str) -> None:
    await page.fill("#composer", command)
    await page.press("#composer", "Enter")
    await _expect(page.locator("#status")).to_contain_text(command, timeout=WAIT_MS)


def _message(page: Page, header: str) -> Locator:
    """The top-level message whose Block Kit header reads `header`."""
    exactly = re.compile(f"^{re.escape(header)}$")
    return page.locator("#timeline > li.msg").filter(
        has=page.locator(".bk-header", has_text=exactly)
    )


async def test_envs_deploy_and_approved_production_deploy_in_the_browser(
    page: Page, demo: Demo
) -> None:
    # /oec envs: an ephemeral answer, only for Dana.
    await _run(page, "/oec envs")
    envs = page.locator("#timeline > li.msg-ephemeral").filter(has_text="Environments")
    await _expect(envs).to_contain_text("acme-shop/staging", timeout=WAIT_MS)
    await _expect(envs).to_contain_text("Only visible to you")

    # A staging deploy: one message, updated in place until it completes.
    await _run(page, "/oec deploy acme-shop/staging")
    staging = _message(page, "Deploy acme-shop/staging")
    await _expect(staging).to_contain_text("Completed", timeout=WAIT_MS)
    await _expect(staging).to_have_count(1)

    # Production is protected: Dana's request becomes an approval card she cannot approve.
    await _run(page, "/oec deploy acme-shop/production -- fixing invoice totals")
    card = _message(page, "Approval: deploy acme-shop/production")
    await _expect(card.locator('[data-action-id="approval.approve"]')).to_be_visible(
        timeout=WAIT_MS
    )
    await _expect(card).to_contain_text("fixing invoice totals")

    # Lea approves; she does not see Dana's ephemeral answers.
    await page.click('.person[data-user="U0LEAD1"]')
    await _expect(page.locator('.person[data-user="U0LEAD1"]')).to_have_attribute(
        "aria-pressed", "true"
    )
    await _expect(envs).to_have_count(0, timeout=WAIT_MS)
    await card.locator('[data-action-id="approval.approve"]').click()
    confirm = page.locator("#confirm")
    await _expect(confirm).to_be_visible()
    await _expect(confirm).to_contain_text("Approve this deploy?")
    await page.click("#confirm-ok")

    await _expect(card).to_contain_text("Approved", timeout=WAIT_MS)
    await _expect(card).to_contain_text("has started", timeout=WAIT_MS)
    await _expect(card.locator('[data-action-id="approval.approve"]')).to_have_count(0)
    production = _message(page, "Deploy acme-shop/production")
    await _expect(production).to_contain_text("Completed", timeout=WAIT_MS)

    # The bot took the signed click as Lea's: her name is on the card as the approver.
    await _expect(card).to_contain_text("Approved by @Lea Lead")
    # Editing the card notified nobody: Dana is @-mentioned in its thread, once.
    told = card.locator("li.msg-reply")
    await _expect(told).to_contain_text("@Dana Deployer your deploy", timeout=WAIT_MS)
    await _expect(told).to_contain_text("has started")
    await _expect(told).to_have_count(1)
    _make_artifacts_dir()
    await page.screenshot(path=str(ARTIFACTS / "playground.png"), animations="disabled")


async def test_a_deploy_in_a_channel_without_the_bot_is_refused_in_words(page: Page) -> None:
    await page.click('.channel-link[data-channel="C0RANDOM"]')
    await _expect(page.locator("#channel-name")).to_have_text("#random", timeout=WAIT_MS)
    await _run(page, "/oec deploy acme-shop/staging")
    said = page.locator("#timeline > li.msg-ephemeral").filter(has_text="I'm not in #random")
    await _expect(said).to_contain_text("/invite @oec", timeout=WAIT_MS)
    await _expect(said).to_contain_text("Only visible to you")
    await _expect(page.locator("#timeline > li.msg:not(.msg-ephemeral)")).to_have_count(0)
    _make_artifacts_dir()
    await page.screenshot(path=str(ARTIFACTS / "channel-without-bot.png"), animations="disabled")


async def test_hints_complete_the_verb_and_the_reject_modal_submits_a_reason(page: Page) -> None:
    await page.fill("#composer", "/oec dep")
    hints = page.locator("#hints")
    await _expect(hints).to_be_visible()
    await _expect(hints.locator(".hint")).to_have_count(1)
    await _expect(hints).to_contain_text("Pull the branch, rebuild and restart")
    await page.press("#composer", "Tab")
    await _expect(page.locator("#composer")).to_have_value("/oec deploy ")
    await _expect(page.locator("#usage")).to_contain_text("/oec deploy <project/env>")
    await page.type("#composer", "acme-shop/production -- risky")
    await page.press("#composer", "Enter")
    card = _message(page, "Approval: deploy acme-shop/production")
    await _expect(card.locator('[data-action-id="approval.reject"]')).to_be_visible(timeout=WAIT_MS)

    await page.click('.person[data-user="U0LEAD1"]')
    await card.locator('[data-action-id="approval.reject"]').click()
    modal = page.locator("#modal")
    await _expect(modal).to_be_visible(timeout=WAIT_MS)
    await _expect(modal.locator("#modal-title")).to_have_text("Reject request")
    await modal.locator("textarea.bk-field").fill("Not on a Friday")
    await modal.locator("#modal-submit").click()

    await _expect(modal).to_be_hidden(timeout=WAIT_MS)
    await _expect(card).to_contain_text("Rejected", timeout=WAIT_MS)
    await _expect(card).to_contain_text("Not on a Friday")
    await _expect(card.locator(".bk-button")).to_have_count(0)

    # Back as Dana: her private answers are there again, Lea's are not hers to see.
    await page.click('.person[data-user="U0DEV1"]')
    await _expect(
        page.locator("#timeline > li.msg-ephemeral").filter(has_text="is protected")
    ).to_have_count(1, timeout=WAIT_MS)


async def test_the_deployment_message_tells_its_story_in_the_browser(page: Page) -> None:
    """Roles as the policy names them, a viewer to switch to, and a production deploy whose
    message quotes its reason (drawn as Slack draws `>`) and names its approver."""
    people = page.locator("#people")
    await _expect(people.locator('.person[data-user="U0DEV1"] .person-role')).to_have_text(
        "deployer"
    )
    await _expect(people.locator('.person[data-user="U0VIEWER"] .person-role')).to_have_text(
        "viewer"
    )
    await _expect(people).not_to_contain_text("developer")

    await _run(page, "/oec deploy acme-shop/production --modules sale -- fixing invoice totals")
    card = _message(page, "Approval: deploy acme-shop/production")
    approve = card.locator('[data-action-id="approval.approve"]')
    await _expect(approve).to_be_visible(timeout=WAIT_MS)
    await page.click('.person[data-user="U0LEAD1"]')
    await approve.click()
    await page.click("#confirm-ok")

    production = _message(page, "Deploy acme-shop/production")
    await _expect(production).to_contain_text("Completed", timeout=WAIT_MS)
    await _expect(production.locator("blockquote")).to_have_text("fixing invoice totals")
    await _expect(production).to_contain_text("Approved by")
    await _expect(production).to_contain_text("@Lea Lead")
    await _expect(production.locator("a", has_text="the request")).to_have_count(1)
    await _expect(production).to_contain_text("sale")
    _make_artifacts_dir()
    await production.screenshot(
        path=str(ARTIFACTS / "deployment-message.png"), animations="disabled"
    )


async def test_a_slow_command_shows_working_on_it_then_the_answer_in_its_place(
    page: Page,
) -> None:
    """oec.sh made slow from the faults panel: the bot's private note says what it waits
    for within about a second, and the answer then takes the note's place."""
    await page.click('.fault[data-fault="slow"]')
    await _expect(page.locator("#fault-state")).to_contain_text("every API answer waits 2 s")

    await _run(page, "/oec status acme-shop/staging")
    mine = page.locator("#timeline > li.msg-ephemeral")
    note = mine.filter(has_text="Working on it")
    await _expect(note).to_contain_text(
        "reading acme-shop/staging's status from oec.sh", timeout=WAIT_MS
    )
    await _expect(note).to_contain_text("Only visible to you")
    _make_artifacts_dir()
    await page.screenshot(path=str(ARTIFACTS / "slow-command.png"), animations="disabled")

    answer = mine.filter(has_text="Last deployment")
    await _expect(answer).to_have_count(1, timeout=WAIT_MS)
    await _expect(answer).to_contain_text("(edited)")
    await _expect(note).to_have_count(0)  # replaced, not added to
    await _expect(mine).to_have_count(1)


async def test_the_home_tab_shows_the_request_and_approves_it_in_the_browser(page: Page) -> None:
    await _run(page, "/oec deploy acme-shop/production -- approved from the home tab")
    card = _message(page, "Approval: deploy acme-shop/production")
    await _expect(card).to_contain_text("approved from the home tab", timeout=WAIT_MS)

    # Lea opens the app's Home: the request, with the card's buttons; then approves there.
    await page.click('.person[data-user="U0LEAD1"]')
    await page.click("#home-link")
    home = page.locator("#home")
    await _expect(home).to_contain_text("Approvals waiting for you", timeout=WAIT_MS)
    await _expect(home).to_contain_text("approved from the home tab", timeout=WAIT_MS)
    await _expect(home).to_contain_text("acme-shop/staging")  # the environments, with status
    await home.locator('[data-action-id="approval.approve"]').first.click()
    await page.click("#confirm-ok")
    await _expect(home).to_contain_text("Your approval was counted", timeout=WAIT_MS)
    await _expect(home.locator('[data-action-id="approval.approve"]')).to_have_count(0)
    _make_artifacts_dir()
    await page.screenshot(path=str(ARTIFACTS / "app-home.png"), animations="disabled")

    # Back in #deploys, the card says so.
    await page.click('.channel-link[data-channel="C0DEPLOYS"]')
    await _expect(card).to_contain_text("has started", timeout=WAIT_MS)
