"""The playground page's routes against the real demo: the page's actions reach the bot signed,
as Slack sends them, and what the bot answers shows up in what the page is given to draw."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from oec_chatops.playground import (
    FakeSlack,
    Playground,
    build_playground_app,
    page_state,
    seed_demo_workspace,
)
from tests.support.blocks import texts
from tests.support.playground import (
    DEPLOYS,
    DEV,
    LEAD,
    PageClient,
    header_is,
    text_of,
)


async def test_the_page_and_its_files_are_served(page: PageClient) -> None:
    index = await page.http.get("/")
    assert index.status_code == 200
    assert index.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="/static/app.js">' in index.text
    for name, kind in [
        ("app.js", "javascript"),
        ("blocks.js", "javascript"),
        ("app.css", "text/css"),
    ]:
        r = await page.http.get(f"/static/{name}")
        assert r.status_code == 200, name
        assert kind in r.headers["content-type"], name
    assert (await page.http.get("/static/missing.js")).status_code == 404


async def test_the_same_origin_serves_slacks_web_api_to_the_bot(page: PageClient) -> None:
    r = await page.http.post("/api/auth.test", headers={"Authorization": "Bearer xoxb-wrong"})
    assert r.json() == {"ok": False, "error": "invalid_auth"}
    token = page.demo.fake.bot_token
    me = await page.http.post("/api/auth.test", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["ok"] is True
    assert me.json()["user_id"] == page.demo.fake.identity.bot_user_id


async def test_a_command_reaches_the_bot_and_the_answer_shows_to_that_person_only(
    page: PageClient,
) -> None:
    assert await page.command("/oec envs") == {"ok": True, "status": 200}

    answer = await page.wait_for_item(
        lambda i: i["kind"] == "ephemeral" and "acme-shop/staging" in text_of(i)
    )
    assert "Environments" in text_of(answer)
    lea = await page.state(user=LEAD)
    assert [i for i in lea["timeline"] if i["kind"] == "ephemeral"] == []
    # It came back through the response_url Slack handed the bot with the signed command.
    posts = [r for r in page.demo.fake.responses() if r.kind == "command" and r.user_id == DEV]
    assert posts
    assert posts[-1].outcome == "posted_ephemeral"


async def test_a_production_deploy_is_approved_from_the_page(page: PageClient) -> None:
    await page.command("/oec deploy acme-shop/production -- fixing invoice totals")
    card = await page.wait_for_item(header_is("Approval: deploy acme-shop/production"))

    await page.click(card, "approval.approve", user=DEV)
    refusal = await page.wait_for_item(
        lambda i: i["kind"] == "ephemeral" and "approv" in text_of(i).lower() and i is not card
    )
    assert refusal["kind"] == "ephemeral"

    await page.click(card, "approval.approve", user=LEAD)
    await page.wait_for_item(
        lambda i: i["ts"] == card["ts"] and "has started" in text_of(i), user=LEAD
    )
    deployed = await page.wait_for_item(
        lambda i: header_is("Deploy acme-shop/production")(i) and "*Completed*" in text_of(i),
        user=LEAD,
    )
    assert "<@U0DEV1>" in text_of(deployed)


async def test_the_home_tab_opens_from_the_page_and_its_buttons_decide(page: PageClient) -> None:
    await page.command("/oec deploy acme-shop/production -- from the home tab")
    card = await page.wait_for_item(header_is("Approval: deploy acme-shop/production"))
    r = await page.http.post("/_play/home", json={"user": LEAD})
    assert r.status_code == 200, r.text

    def home_shows(needle: str) -> Callable[[object], dict[str, Any] | None]:
        def check(_: object) -> dict[str, Any] | None:
            home = page_state(page.demo.fake, user_id=LEAD, channel_id=DEPLOYS)["home"]
            return home if home is not None and needle in texts({"text": "", **home}) else None

        return check

    home = await page.demo.fake.wait_for(home_shows("from the home tab"), timeout=8)
    block_id = next(b["block_id"] for b in home["blocks"] if b["type"] == "actions")
    r = await page.http.post(
        "/_play/home/click",
        json={"user": LEAD, "block_id": block_id, "action_id": "approval.approve"},
    )
    assert r.status_code == 200, r.text
    await page.wait_for_item(
        lambda i: i["ts"] == card["ts"] and "has started" in text_of(i), user=LEAD
    )
    await page.demo.fake.wait_for(home_shows("Your approval was counted"), timeout=8)


async def test_reject_opens_the_reason_modal_and_its_submission_reaches_the_bot(
    page: PageClient,
) -> None:
    await page.command("/oec deploy acme-shop/production -- risky")
    card = await page.wait_for_item(header_is("Approval: deploy acme-shop/production"))

    await page.click(card, "approval.reject", user=LEAD)
    state = await page.state(user=LEAD)
    view = state["view"]
    assert view is not None
    assert view["view"]["callback_id"] == "approval.reject_reason"
    field = next(b for b in view["view"]["blocks"] if b["type"] == "input")
    assert (await page.state(user=DEV))["view"] is None

    r = await page.http.post(
        "/_play/submit",
        json={
            "user": LEAD,
            "view_id": view["id"],
            "values": {
                field["block_id"]: {
                    field["element"]["action_id"]: {
                        "type": "plain_text_input",
                        "value": "not on a Friday",
                    }
                }
            },
        },
    )

    assert r.json() == {"ok": True, "status": 200, "errors": None}
    assert (await page.state(user=LEAD))["view"] is None
    rejected = await page.wait_for_item(
        lambda i: i["ts"] == card["ts"] and "Rejected" in text_of(i)
    )
    assert "not on a Friday" in text_of(rejected)


async def test_closing_a_modal_from_the_page(page: PageClient) -> None:
    await page.command("/oec deploy acme-shop/production")
    card = await page.wait_for_item(header_is("Approval: deploy acme-shop/production"))
    await page.click(card, "approval.reject", user=LEAD)
    view = (await page.state(user=LEAD))["view"]

    r = await page.http.post("/_play/close", json={"view_id": view["id"]})

    assert r.json() == {"ok": True}
    assert (await page.state(user=LEAD))["view"] is None
    assert "approval.approve" in str(page.demo.fake.message("C0DEPLOYS", card["ts"]).blocks)


async def test_bad_requests_get_a_sentence_and_the_right_status(page: PageClient) -> None:
    async def post(path: str, **kwargs: object) -> httpx.Response:
        return await page.http.post(path, **kwargs)  # type: ignore[arg-type]

    form = await post("/_play/command", data={"user": DEV, "channel": "C0DEPLOYS", "text": "x"})
    assert form.status_code == 415
    other = await post(
        "/_play/command", json={"user": DEV, "channel": "C0DEPLOYS", "text": "/giphy cats"}
    )
    assert other.status_code == 400
    assert "Only /oec" in other.json()["error"]
    nowhere = await post(
        "/_play/command", json={"user": DEV, "channel": "C0NOWHERE", "text": "/oec envs"}
    )
    assert nowhere.status_code == 404
    missing = await post("/_play/command", json={"user": DEV, "text": "/oec envs"})
    assert missing.status_code == 400
    assert missing.json()["error"] == "channel must be a non-empty string."
    no_message = await post(
        "/_play/click",
        json={"user": DEV, "channel": "C0DEPLOYS", "ts": "1.000001", "action_id": "x"},
    )
    assert no_message.status_code == 404
    bad_values = await post(
        "/_play/submit", json={"user": LEAD, "view_id": "V0", "values": ["nope"]}
    )
    assert bad_values.status_code == 400
    no_view = await post("/_play/close", json={"view_id": "V0NONE"})
    assert no_view.status_code == 404
    no_user = await page.http.get("/_play/state", params={"user": "U0NOBODY"})
    assert no_user.status_code == 404
    assert no_user.json()["ok"] is False


async def test_actions_wait_until_the_bot_is_connected() -> None:
    playground = Playground(seed_demo_workspace(FakeSlack()))
    transport = httpx.ASGITransport(app=build_playground_app(playground))
    async with httpx.AsyncClient(transport=transport, base_url="http://play") as http:
        state = await http.get("/_play/state")
        command = await http.post(
            "/_play/command", json={"user": DEV, "channel": "C0DEPLOYS", "text": "/oec envs"}
        )
        faults = await http.get("/_play/sim/faults")

    assert state.status_code == 200
    assert state.json()["me"] == DEV
    assert state.json()["channel"]["id"] == "C0DEPLOYS"
    assert command.status_code == 503
    assert "not connected" in command.json()["error"]
    assert faults.status_code == 503
