"""The fake Slack's Web API, driven by the real slack_sdk AsyncWebClient over loopback HTTP."""

from __future__ import annotations

import asyncio

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from oec_chatops.clock import ManualClock
from oec_chatops.playground import (
    FakeSlack,
)
from tests.support.fake_slack import TOKEN, button_card

BUTTONS = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "*Deploy* shop/prod?"}},
    *button_card("apr_1", block_id="approval", style="primary"),
]


@pytest.fixture
def client(fake_url: str) -> AsyncWebClient:
    # No retry handlers: the tests look at every answer the fake gives, 429s included.
    return AsyncWebClient(token=TOKEN, base_url=fake_url + "/api/", retry_handlers=[])


async def test_post_message_is_stored_and_answered_like_slack(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    metadata = {"event_type": "oec_outbox", "event_payload": {"key": "out_1"}}
    answer = await client.chat_postMessage(
        channel="C0DEPLOYS", text="Deploying", blocks=BUTTONS, metadata=metadata
    )

    assert answer["ok"] is True
    assert answer["channel"] == "C0DEPLOYS"
    stored = fake.message("C0DEPLOYS", answer["ts"])
    assert stored.text == "Deploying"
    assert stored.metadata == metadata
    assert stored.bot_id == fake.identity.bot_id
    assert answer["message"]["bot_id"] == fake.identity.bot_id
    assert answer["message"]["metadata"] == metadata
    assert answer["message"]["blocks"][1]["elements"][0]["action_id"] == "approve"
    assert answer.headers["x-oauth-scopes"]  # Bolt reads the bot's scopes from here
    call = fake.calls("chat.postMessage")[-1]
    assert call.args["channel"] == "C0DEPLOYS"
    assert "token" not in call.args
    assert call.ok


async def test_ts_values_are_unique_and_increase_even_when_the_clock_stands_still(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    stamps = [
        (await client.chat_postMessage(channel="#deploys", text=f"m{i}"))["ts"] for i in range(3)
    ]

    assert stamps == sorted(stamps, key=float)
    assert len(set(stamps)) == 3
    assert stamps[0].startswith("1767225600.")
    assert [m.ts for m in fake.messages("deploys")] == stamps


async def test_slack_gives_ids_to_blocks_sent_without_them(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    answer = await client.chat_postMessage(channel="C0DEPLOYS", text="x", blocks=BUTTONS)

    blocks = fake.message("C0DEPLOYS", answer["ts"]).blocks
    assert blocks[0]["block_id"]  # assigned by the fake, as Slack does
    assert blocks[1]["block_id"] == "approval"  # kept when the app chose one


async def test_update_keeps_the_ts_and_records_the_previous_version(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    posted = await client.chat_postMessage(channel="C0DEPLOYS", text="running", blocks=BUTTONS)
    updated = await client.chat_update(channel="C0DEPLOYS", ts=posted["ts"], text="done")

    assert updated["ts"] == posted["ts"]
    message = fake.message("C0DEPLOYS", posted["ts"])
    assert message.text == "done"
    assert [e.text for e in message.edits] == ["running"]
    assert len(message.blocks) == 2  # chat.update without blocks keeps them, as Slack does
    assert updated["message"]["edited"]["ts"] == message.edits[0].replaced_at
    cleared = await client.chat_update(channel="C0DEPLOYS", ts=posted["ts"], text="x", blocks=[])
    assert cleared["ok"]
    assert fake.message("C0DEPLOYS", posted["ts"]).blocks == []


async def test_update_of_an_unknown_ts_is_message_not_found(client: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as caught:
        await client.chat_update(channel="C0DEPLOYS", ts="1.000001", text="nope")

    assert caught.value.response["error"] == "message_not_found"


async def test_post_ephemeral_is_kept_per_user(fake: FakeSlack, client: AsyncWebClient) -> None:
    answer = await client.chat_postEphemeral(channel="C0DEPLOYS", user="U0DEV1", text="psst")

    assert answer["message_ts"]
    [ephemeral] = fake.ephemerals("U0DEV1")
    assert (ephemeral.channel_id, ephemeral.text, ephemeral.ts) == (
        "C0DEPLOYS",
        "psst",
        answer["message_ts"],
    )
    assert fake.ephemerals("U0DEV2") == []
    assert fake.messages("C0DEPLOYS") == []


async def test_post_ephemeral_to_an_unknown_user_is_refused(client: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as caught:
        await client.chat_postEphemeral(channel="C0DEPLOYS", user="U0NOBODY", text="?")

    assert caught.value.response["error"] == "user_not_found"


@pytest.mark.parametrize(
    ("channel", "error"),
    [
        ("C0NOWHERE", "channel_not_found"),
        ("C0RANDOM", "not_in_channel"),
        ("C0OLD", "is_archived"),
    ],
)
async def test_post_message_where_the_bot_cannot_post(
    client: AsyncWebClient, channel: str, error: str
) -> None:
    with pytest.raises(SlackApiError) as caught:
        await client.chat_postMessage(channel=channel, text="hello")

    assert caught.value.response.status_code == 200
    assert caught.value.response["error"] == error


async def test_archive_scenario_makes_posting_fail(fake: FakeSlack, client: AsyncWebClient) -> None:
    fake.archive("C0DEPLOYS")

    with pytest.raises(SlackApiError) as caught:
        await client.chat_postMessage(channel="C0DEPLOYS", text="hello")

    assert caught.value.response["error"] == "is_archived"


async def test_invalid_blocks_are_refused_with_slacks_pointer(client: AsyncWebClient) -> None:
    too_long = [
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": "a",
                    "text": {"type": "plain_text", "text": "x" * 76},
                }
            ],
        }
    ]

    with pytest.raises(SlackApiError) as caught:
        await client.chat_postMessage(channel="C0DEPLOYS", text="x", blocks=too_long)

    assert caught.value.response["error"] == "invalid_blocks"
    [problem] = caught.value.response["response_metadata"]["messages"]
    assert "/blocks/0/elements/0/text/text" in problem


async def test_no_text_and_no_blocks_is_no_text(client: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as caught:
        await client.api_call("chat.postMessage", json={"channel": "C0DEPLOYS"})

    assert caught.value.response["error"] == "no_text"


async def test_wrong_token_is_invalid_auth(fake_url: str, fake: FakeSlack) -> None:
    intruder = AsyncWebClient(token="xoxb-wrong", base_url=fake_url + "/api/", retry_handlers=[])

    with pytest.raises(SlackApiError) as caught:
        await intruder.chat_postMessage(channel="C0DEPLOYS", text="hi")

    assert caught.value.response["error"] == "invalid_auth"
    assert fake.messages("C0DEPLOYS") == []
    assert "xoxb-wrong" not in repr(fake.calls())


async def test_no_token_is_not_authed(fake_url: str) -> None:
    anonymous = AsyncWebClient(base_url=fake_url + "/api/", retry_handlers=[])

    with pytest.raises(SlackApiError) as caught:
        await anonymous.auth_test()

    assert caught.value.response["error"] == "not_authed"


async def test_rate_limit_answers_429_with_retry_after_then_recovers(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    fake.rate_limit("chat.postMessage", retry_after=7)

    with pytest.raises(SlackApiError) as caught:
        await client.chat_postMessage(channel="C0DEPLOYS", text="hello")

    response = caught.value.response
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert response["error"] == "ratelimited"
    assert (await client.chat_postMessage(channel="C0DEPLOYS", text="hello"))["ok"]
    assert [c.status for c in fake.calls("chat.postMessage")] == [429, 200]


async def test_rate_limit_can_target_one_channel(fake: FakeSlack, client: AsyncWebClient) -> None:
    fake.rate_limit("chat.postMessage", retry_after=1, times=2, channel="#general")

    assert (await client.chat_postMessage(channel="C0DEPLOYS", text="a"))["ok"]
    for _ in range(2):
        with pytest.raises(SlackApiError):
            await client.chat_postMessage(channel="C0GENERAL", text="b")
    assert (await client.chat_postMessage(channel="C0GENERAL", text="c"))["ok"]


async def test_fail_scenario_answers_the_named_error_times_then_stops(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    fake.fail("chat.postMessage", error="channel_not_found", times=1)

    with pytest.raises(SlackApiError) as caught:
        await client.chat_postMessage(channel="C0DEPLOYS", text="hello")

    assert caught.value.response["error"] == "channel_not_found"
    assert (await client.chat_postMessage(channel="C0DEPLOYS", text="hello"))["ok"]


async def test_fail_without_times_lasts_until_cleared(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    fake.fail("auth.test", error="invalid_auth")

    for _ in range(3):
        with pytest.raises(SlackApiError):
            await client.auth_test()
    fake.clear_scenarios()
    assert (await client.auth_test())["ok"]


async def test_down_answers_503_until_its_time_is_up(
    fake: FakeSlack, client: AsyncWebClient, clock: ManualClock
) -> None:
    fake.down(30)

    with pytest.raises(SlackApiError) as caught:
        await client.users_info(user="U0ADMIN")
    assert caught.value.response.status_code == 503

    clock.advance(31)
    assert (await client.users_info(user="U0ADMIN"))["ok"]


async def test_down_true_lasts_until_down_false(fake: FakeSlack, client: AsyncWebClient) -> None:
    fake.down(True)
    with pytest.raises(SlackApiError):
        await client.chat_postMessage(channel="C0DEPLOYS", text="x")

    fake.down(False)
    assert (await client.chat_postMessage(channel="C0DEPLOYS", text="x"))["ok"]
    assert fake.messages("C0DEPLOYS")[0].text == "x"


async def test_auth_test_says_who_the_bot_is(fake: FakeSlack, client: AsyncWebClient) -> None:
    answer = await client.auth_test()

    assert answer["user_id"] == fake.identity.bot_user_id
    assert answer["bot_id"] == fake.identity.bot_id
    assert answer["team_id"] == fake.identity.team_id


async def test_users_and_usergroups(client: AsyncWebClient) -> None:
    admin = await client.users_info(user="U0ADMIN")
    groups = await client.usergroups_list(include_users=True)
    members = await client.usergroups_users_list(usergroup="S0DEVTEAM")

    assert admin["user"]["is_admin"] is True
    assert admin["user"]["name"] == "ada"
    devteam = next(g for g in groups["usergroups"] if g["id"] == "S0DEVTEAM")
    assert devteam["handle"] == "devteam"
    assert devteam["users"] == ["U0DEV1", "U0DEV2"]
    assert members["users"] == ["U0DEV1", "U0DEV2"]
    without_users = await client.usergroups_list()
    assert "users" not in without_users["usergroups"][0]
    with pytest.raises(SlackApiError) as caught:
        await client.users_info(user="U0NOBODY")
    assert caught.value.response["error"] == "user_not_found"


async def test_conversations_info(client: AsyncWebClient) -> None:
    answer = await client.conversations_info(channel="C0OLD")

    assert answer["channel"]["name"] == "old-project"
    assert answer["channel"]["is_archived"] is True


async def test_history_is_newest_first_with_metadata_only_when_asked(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    for key in ("a", "b", "c"):
        await client.chat_postMessage(
            channel="C0DEPLOYS",
            text=key,
            metadata={"event_type": "oec_outbox", "event_payload": {"key": key}},
        )

    plain = await client.conversations_history(channel="C0DEPLOYS", limit=10)
    full = await client.conversations_history(
        channel="C0DEPLOYS", limit=10, include_all_metadata=True
    )

    assert [m["text"] for m in plain["messages"]] == ["c", "b", "a"]
    assert all("metadata" not in m for m in plain["messages"])
    assert [m["metadata"]["event_payload"]["key"] for m in full["messages"]] == ["c", "b", "a"]
    assert fake.calls("conversations.history")[-1].args["include_all_metadata"] == "1"


async def test_history_pages_with_a_cursor_and_honours_oldest(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    stamps = [
        (await client.chat_postMessage(channel="C0DEPLOYS", text=str(i)))["ts"] for i in range(5)
    ]

    first = await client.conversations_history(channel="C0DEPLOYS", limit=2)
    second = await client.conversations_history(
        channel="C0DEPLOYS", limit=2, cursor=first["response_metadata"]["next_cursor"]
    )
    recent = await client.conversations_history(channel="C0DEPLOYS", oldest=stamps[2])

    assert [m["text"] for m in first["messages"]] == ["4", "3"]
    assert first["has_more"] is True
    assert [m["text"] for m in second["messages"]] == ["2", "1"]
    assert [m["text"] for m in recent["messages"]] == ["4", "3"]


async def test_history_shows_parents_with_reply_counts_not_replies(
    client: AsyncWebClient,
) -> None:
    parent = await client.chat_postMessage(channel="C0DEPLOYS", text="deploy")
    await client.chat_postMessage(channel="C0DEPLOYS", text="log", thread_ts=parent["ts"])

    history = await client.conversations_history(channel="C0DEPLOYS")
    replies = await client.conversations_replies(channel="C0DEPLOYS", ts=parent["ts"])

    [shown] = history["messages"]
    assert shown["reply_count"] == 1
    assert [m["text"] for m in replies["messages"]] == ["deploy", "log"]


async def test_history_needs_the_bot_in_the_channel(client: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as caught:
        await client.conversations_history(channel="C0RANDOM")

    assert caught.value.response["error"] == "not_in_channel"


async def test_permalink_and_delete(fake: FakeSlack, client: AsyncWebClient) -> None:
    posted = await client.chat_postMessage(channel="C0DEPLOYS", text="bye")

    link = await client.chat_getPermalink(channel="C0DEPLOYS", message_ts=posted["ts"])
    await client.chat_delete(channel="C0DEPLOYS", ts=posted["ts"])

    assert link["permalink"].endswith("/archives/C0DEPLOYS/p" + posted["ts"].replace(".", ""))
    assert fake.messages("C0DEPLOYS") == []
    assert fake.messages("C0DEPLOYS", include_deleted=True)[0].deleted


async def test_a_user_id_as_channel_posts_to_the_direct_message(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    answer = await client.chat_postMessage(channel="U0LEAD1", text="please approve")

    assert answer["channel"].startswith("D")
    assert fake.messages("U0LEAD1")[0].text == "please approve"


async def test_unknown_method(client: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as caught:
        await client.api_call("chat.scheduleTeleport")

    assert caught.value.response["error"] == "unknown_method"


async def test_wait_for_wakes_on_a_new_message(fake: FakeSlack, client: AsyncWebClient) -> None:
    waiter = asyncio.create_task(
        fake.wait_for(lambda f: next(iter(f.messages("C0DEPLOYS")), None), timeout=5)
    )
    await asyncio.sleep(0)
    assert not waiter.done()

    await client.chat_postMessage(channel="C0DEPLOYS", text="hello")

    message = await waiter
    assert message.text == "hello"


async def test_wait_for_timeout_tells_what_the_fake_saw(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    fake.rate_limit("chat.postMessage", retry_after=3)
    with pytest.raises(SlackApiError):
        await client.chat_postMessage(channel="C0DEPLOYS", text="hello")

    with pytest.raises(TimeoutError) as caught:
        await fake.wait_for(lambda f: f.messages("C0DEPLOYS"), timeout=0.05)

    assert "chat.postMessage(channel='C0DEPLOYS'" in str(caught.value)
    assert "429 ratelimited" in str(caught.value)


async def test_subscribers_see_numbered_changes(fake: FakeSlack, client: AsyncWebClient) -> None:
    seen: list[str] = []
    unsubscribe = fake.subscribe(lambda change: seen.append(change.kind))
    start = fake.version

    await client.chat_postMessage(channel="C0DEPLOYS", text="one")
    unsubscribe()
    await client.chat_postMessage(channel="C0DEPLOYS", text="two")

    assert seen == ["message.posted", "call"]
    assert fake.version == start + 4
