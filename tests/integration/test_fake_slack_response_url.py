"""response_url posts, sent by Bolt's own `AsyncRespond` (what the bot's `respond()` is)."""

from __future__ import annotations

from slack_bolt.context.respond.async_respond import AsyncRespond

from oec_chatops.clock import ManualClock
from oec_chatops.playground import (
    FakeSlack,
)
from oec_chatops.playground.records import JsonDict
from tests.support.fake_slack import TOKEN, button_card

CARD = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "Approve *deploy shop/prod*?"}},
    *button_card("apr_1"),
]
DONE = [{"type": "section", "text": {"type": "mrkdwn", "text": ":white_check_mark: Approved"}}]


def command_url(fake: FakeSlack) -> str:
    """The response_url of a slash command Dana (U0DEV1) typed in #deploys: its id."""
    return fake.issue_response_url(kind="command", channel_id="C0DEPLOYS", user_id="U0DEV1")


def respond_for(fake_url: str, url_id: str) -> AsyncRespond:
    return AsyncRespond(response_url=f"{fake_url}/response/{url_id}")


async def post_card(fake: FakeSlack) -> str:
    answer = await fake.call(
        "chat.postMessage",
        {"channel": "C0DEPLOYS", "text": "approve?", "blocks": CARD},
        token=TOKEN,
    )
    assert answer.status == 200, answer.body
    ts: str = answer.body["ts"]
    return ts


async def test_command_answer_is_ephemeral_by_default(fake: FakeSlack, fake_url: str) -> None:
    url_id = command_url(fake)

    result = await respond_for(fake_url, url_id)("Deploying shop/staging…")

    assert result.status_code == 200
    assert result.body == '{"ok":true}'
    [ephemeral] = fake.ephemerals("U0DEV1")
    assert (ephemeral.channel_id, ephemeral.text) == ("C0DEPLOYS", "Deploying shop/staging…")
    assert fake.messages("C0DEPLOYS") == []
    [post] = fake.responses()
    assert (post.kind, post.outcome, post.user_id) == ("command", "posted_ephemeral", "U0DEV1")


async def test_command_answer_in_channel_is_a_channel_message_even_without_membership(
    fake: FakeSlack, fake_url: str
) -> None:
    url_id = fake.issue_response_url(kind="command", channel_id="C0RANDOM", user_id="U0DEV1")
    metadata: JsonDict = {"event_type": "oec_task", "event_payload": {"task_id": "t1"}}

    await respond_for(fake_url, url_id)(
        "Deploy started", response_type="in_channel", metadata=metadata
    )

    [message] = fake.messages("C0RANDOM")
    assert message.text == "Deploy started"
    assert message.origin == "response_url"
    assert message.metadata == metadata


async def test_command_replace_original_replaces_the_previous_answer(
    fake: FakeSlack, fake_url: str
) -> None:
    url_id = command_url(fake)
    respond = respond_for(fake_url, url_id)

    await respond("Working on it…")
    await respond("Done", replace_original=True)

    [ephemeral] = fake.ephemerals("U0DEV1")
    assert ephemeral.text == "Done"
    assert [e.text for e in ephemeral.edits] == ["Working on it…"]
    assert [p.outcome for p in fake.responses()] == ["posted_ephemeral", "replaced"]


async def test_click_replace_original_updates_the_card_in_place(
    fake: FakeSlack, fake_url: str
) -> None:
    ts = await post_card(fake)
    url_id = fake.issue_response_url(
        kind="block_actions", channel_id="C0DEPLOYS", user_id="U0LEAD1", original_ts=ts
    )

    await respond_for(fake_url, url_id)(text="Approved", blocks=DONE, replace_original=True)

    [card] = fake.messages("C0DEPLOYS")
    assert card.ts == ts
    assert card.text == "Approved"
    assert card.blocks[0]["text"]["text"] == ":white_check_mark: Approved"
    assert card.edits[0].text == "approve?"
    assert fake.responses()[-1].message_ts == ts


async def test_click_without_replace_posts_a_new_ephemeral(fake: FakeSlack, fake_url: str) -> None:
    ts = await post_card(fake)
    url_id = fake.issue_response_url(
        kind="block_actions", channel_id="C0DEPLOYS", user_id="U0LEAD1", original_ts=ts
    )

    await respond_for(fake_url, url_id)("You cannot approve your own request.")

    assert fake.message("C0DEPLOYS", ts).text == "approve?"
    assert fake.ephemerals("U0LEAD1")[0].text == "You cannot approve your own request."


async def test_delete_original_removes_the_card(fake: FakeSlack, fake_url: str) -> None:
    ts = await post_card(fake)
    url_id = fake.issue_response_url(
        kind="block_actions", channel_id="C0DEPLOYS", user_id="U0LEAD1", original_ts=ts
    )

    await respond_for(fake_url, url_id)(delete_original=True)

    assert fake.messages("C0DEPLOYS") == []
    assert fake.responses()[-1].outcome == "deleted"


async def test_replace_original_of_an_ephemeral_card(fake: FakeSlack, fake_url: str) -> None:
    answer = await fake.call(
        "chat.postEphemeral",
        {"channel": "C0DEPLOYS", "user": "U0DEV1", "text": "pick", "blocks": CARD},
        token=TOKEN,
    )
    ts = answer.body["message_ts"]
    url_id = fake.issue_response_url(
        kind="block_actions",
        channel_id="C0DEPLOYS",
        user_id="U0DEV1",
        original_ts=ts,
        original_is_ephemeral=True,
    )

    await respond_for(fake_url, url_id)("picked", replace_original=True)

    assert fake.ephemeral(ts).text == "picked"
    assert fake.messages("C0DEPLOYS") == []


async def test_in_channel_thread_reply(fake: FakeSlack, fake_url: str) -> None:
    ts = await post_card(fake)
    url_id = fake.issue_response_url(
        kind="block_actions", channel_id="C0DEPLOYS", user_id="U0LEAD1", original_ts=ts
    )

    await respond_for(fake_url, url_id)("logs…", response_type="in_channel", thread_ts=ts)

    assert [m.text for m in fake.thread("C0DEPLOYS", ts)] == ["logs…"]


async def test_a_response_url_works_five_times(fake: FakeSlack, fake_url: str) -> None:
    url_id = command_url(fake)
    respond = respond_for(fake_url, url_id)

    statuses = [(await respond(f"answer {i}")).status_code for i in range(6)]

    assert statuses == [200] * 5 + [404]
    assert fake.responses()[-1].error == "used_url"


async def test_notes_replaced_by_the_answer_leave_one_message_and_each_counts_a_use(
    fake: FakeSlack, fake_url: str
) -> None:
    url_id = command_url(fake)
    respond = respond_for(fake_url, url_id)

    await respond("Waiting for the rate limit budget: about 45 s.")
    await respond("The bot is restarting.", replace_original=True)
    await respond("acme-shop/staging: running", replace_original=True)
    await respond("acme-shop/staging: running", replace_original=True)  # a repeat: same sight

    [ephemeral] = fake.ephemerals("U0DEV1")
    assert ephemeral.text == "acme-shop/staging: running"
    assert len(ephemeral.edits) == 3
    assert (await respond("fifth", replace_original=True)).status_code == 200
    assert (await respond("sixth", replace_original=True)).status_code == 404
    assert fake.responses()[-1].error == "used_url"


async def test_a_response_url_expires_after_30_minutes(
    fake: FakeSlack, fake_url: str, clock: ManualClock
) -> None:
    url_id = command_url(fake)
    clock.advance(30 * 60 + 1)

    result = await respond_for(fake_url, url_id)("too late")

    assert result.status_code == 404
    assert '"expired_url"' in result.body
    assert fake.ephemerals() == []


async def test_unknown_response_url(fake: FakeSlack, fake_url: str) -> None:
    result = await respond_for(fake_url, "never-issued")("hello")

    assert result.status_code == 404


async def test_empty_answer_is_no_text(fake: FakeSlack, fake_url: str) -> None:
    url_id = command_url(fake)

    result = await respond_for(fake_url, url_id)("")

    assert result.status_code == 400
    assert '"no_text"' in result.body


async def test_scenarios_apply_to_response_urls(fake: FakeSlack, fake_url: str) -> None:
    url_id = command_url(fake)
    respond = respond_for(fake_url, url_id)
    fake.fail("response_url", error="expired_url", times=1)
    fake.down(True)

    down = await respond("a")
    fake.down(False)
    failed = await respond("b")
    fine = await respond("c")

    assert (down.status_code, failed.status_code, fine.status_code) == (503, 404, 200)
    assert [e.text for e in fake.ephemerals("U0DEV1")] == ["c"]
    assert [c.method for c in fake.calls()] == ["response_url"] * 3


async def test_rate_limited_response_url_says_when_to_retry(fake: FakeSlack, fake_url: str) -> None:
    url_id = command_url(fake)
    fake.rate_limit("response_url", retry_after=4, channel="C0DEPLOYS")

    limited = await respond_for(fake_url, url_id)("a")
    passed = await respond_for(fake_url, url_id)("b")

    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "4")
    assert passed.status_code == 200
    assert [e.text for e in fake.ephemerals("U0DEV1")] == ["b"]
