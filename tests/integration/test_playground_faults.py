"""The page's fault buttons: passed through the playground to the simulator's `/_sim/` routes,
and what the bot then shows when oec.sh misbehaves."""

from __future__ import annotations

import httpx

from oec_chatops.playground import FakeSlack, Playground, SlackUserAgent, build_playground_app
from oec_chatops.playground import serve_on_loopback as serve
from tests.support.playground import PageClient, header_is, text_of


async def test_faults_are_read_and_set_through_the_playground(page: PageClient) -> None:
    before = await page.http.get("/_play/sim/faults")
    assert before.json()["fail_next_deploys"] == 0

    changed = await page.http.post(
        "/_play/sim/faults", json={"fail_next_deploys": 1, "latency_ms": 2000}
    )

    assert changed.status_code == 200
    assert changed.json()["fail_next_deploys"] == 1
    assert page.demo.sim.faults.latency_ms == 2000
    assert (await page.http.get("/_play/sim/faults")).json()["latency_ms"] == 2000


async def test_the_simulators_refusal_reaches_the_page_as_it_said_it(page: PageClient) -> None:
    bad = await page.http.post("/_play/sim/faults", json={"fail_next_deploys": -1})

    assert bad.status_code == 400
    assert bad.json() == {"detail": "fail_next_deploys must be a whole number, 0 or more."}
    assert page.demo.sim.faults.fail_next_deploys == 0


async def test_reset_turns_every_fault_off(page: PageClient) -> None:
    await page.http.post("/_play/sim/faults", json={"force_429": 3, "latency_ms": 2000})

    reset = await page.http.post("/_play/sim/reset", json={})

    assert reset.json() == {"ok": True, "reseeded": False}
    faults = (await page.http.get("/_play/sim/faults")).json()
    assert (faults["force_429"], faults["latency_ms"]) == (0, 0)


async def test_a_failed_deploy_shows_failed_with_the_log_in_its_thread(page: PageClient) -> None:
    await page.http.post("/_play/sim/faults", json={"fail_next_deploys": 1})

    await page.command("/oec deploy acme-shop/staging")

    failed = await page.wait_for_item(
        lambda i: header_is("Deploy acme-shop/staging")(i) and "*Failed*" in text_of(i)
    )
    item = await page.wait_for_item(lambda i: i["ts"] == failed["ts"] and bool(i["replies"]))
    reply = item["replies"][0]
    assert reply["is_reply"] is True
    assert "```" in text_of(reply)  # the log tail, as a code block


async def test_a_rate_limited_command_tells_the_person_it_will_retry(page: PageClient) -> None:
    await page.http.post("/_play/sim/faults", json={"force_429": 1})

    await page.command("/oec status acme-shop/staging")

    answer = await page.wait_for_item(lambda i: i["kind"] == "ephemeral")
    assert "rate limit" in text_of(answer)


async def test_a_simulator_that_does_not_answer_is_a_sentence_not_a_crash() -> None:
    fake = FakeSlack()
    playground = Playground(fake)
    async with serve(build_playground_app(playground)) as url:
        agent = SlackUserAgent(
            bot_url="http://127.0.0.1:9", signing_secret="s" * 32, fake=fake, fake_url=url
        )
        playground.connect(agent, sim_url="http://127.0.0.1:9")  # nothing listens on port 9
        try:
            async with httpx.AsyncClient(base_url=url) as http:
                r = await http.post("/_play/sim/faults", json={"force_429": 1})
        finally:
            await playground.aclose()
            await agent.aclose()

    assert r.status_code == 502
    assert r.json() == {
        "ok": False,
        "error": "The oec.sh simulator did not answer (ConnectError).",
    }
