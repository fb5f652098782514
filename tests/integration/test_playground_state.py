"""What the playground page is given to draw: `page_state` over an in-memory `FakeSlack`.

The fake is filled through its own Web API (`fake.call`), as the bot fills it, so these
checks hold for whatever the bot posts.
"""

from __future__ import annotations

from typing import Any

import pytest

from oec_chatops.playground import (
    DEMO_PEOPLE,
    CommandHint,
    FakeSlack,
    page_state,
    seed_demo_workspace,
)
from oec_chatops.playground.page_state import timeline
from oec_chatops.playground.records import Message

TOKEN = "xoxb-state-test"


@pytest.fixture
def fake() -> FakeSlack:
    return seed_demo_workspace(FakeSlack(bot_token=TOKEN))


async def _api(fake: FakeSlack, method: str, **args: Any) -> dict[str, Any]:
    answer = await fake.call(method, args, token=TOKEN)
    assert answer.body["ok"], answer.body
    return answer.body


async def test_ephemerals_show_only_to_their_person_in_time_order(fake: FakeSlack) -> None:
    first = await _api(fake, "chat.postMessage", channel="C0DEPLOYS", text="first")
    await _api(fake, "chat.postEphemeral", channel="C0DEPLOYS", user="U0DEV1", text="for Dana")
    await _api(fake, "chat.postMessage", channel="C0DEPLOYS", text="second")

    dana = page_state(fake, user_id="U0DEV1", channel_id="C0DEPLOYS")
    lea = page_state(fake, user_id="U0LEAD1", channel_id="#deploys")

    assert [(i["kind"], i["text"]) for i in dana["timeline"]] == [
        ("message", "first"),
        ("ephemeral", "for Dana"),
        ("message", "second"),
    ]
    assert [i["text"] for i in lea["timeline"]] == ["first", "second"]
    assert dana["timeline"][0]["ts"] == first["ts"]
    assert dana["channel"]["count"] == 3
    assert lea["channel"]["count"] == 2


async def test_thread_replies_sit_under_their_parent(fake: FakeSlack) -> None:
    parent = await _api(fake, "chat.postMessage", channel="C0DEPLOYS", text="deploy failed")
    await _api(fake, "chat.postMessage", channel="C0DEPLOYS", text="later")
    await _api(
        fake, "chat.postMessage", channel="C0DEPLOYS", text="log tail", thread_ts=parent["ts"]
    )

    items = page_state(fake, user_id="U0DEV1", channel_id="C0DEPLOYS")["timeline"]

    assert [i["text"] for i in items] == ["deploy failed", "later"]
    assert [r["text"] for r in items[0]["replies"]] == ["log tail"]
    assert items[0]["replies"][0]["is_reply"] is True


def test_a_reply_whose_parent_is_missing_is_shown_at_the_top_level() -> None:
    reply = Message("C1", "1700000002.000000", "reply", thread_ts="1700000001.000000")
    shown = timeline([reply], [])
    assert [(i["text"], i["is_reply"], i["replies"]) for i in shown] == [("reply", True, [])]


async def test_an_updated_message_keeps_its_place_and_counts_its_edits(fake: FakeSlack) -> None:
    posted = await _api(fake, "chat.postMessage", channel="C0DEPLOYS", text="queued")
    await _api(fake, "chat.postMessage", channel="C0DEPLOYS", text="other")
    await _api(fake, "chat.update", channel="C0DEPLOYS", ts=posted["ts"], text="completed")

    items = page_state(fake, user_id="U0DEV1", channel_id="C0DEPLOYS")["timeline"]

    assert [(i["text"], i["edits"]) for i in items] == [("completed", 1), ("other", 0)]


async def test_a_modal_shows_to_the_person_it_was_opened_for_until_it_closes(
    fake: FakeSlack,
) -> None:
    trigger = fake.issue_trigger(user_id="U0LEAD1")
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Reject request"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Why?"}}],
    }
    opened = await _api(fake, "views.open", trigger_id=trigger, view=view)

    lea = page_state(fake, user_id="U0LEAD1", channel_id="C0DEPLOYS")
    assert lea["view"]["id"] == opened["view"]["id"]
    assert lea["view"]["view"]["title"]["text"] == "Reject request"
    assert page_state(fake, user_id="U0DEV1", channel_id="C0DEPLOYS")["view"] is None

    fake.close_view(opened["view"]["id"])
    assert page_state(fake, user_id="U0LEAD1", channel_id="C0DEPLOYS")["view"] is None


async def test_direct_messages_are_listed_for_their_person_only(fake: FakeSlack) -> None:
    await _api(fake, "chat.postMessage", channel="U0DEV1", text="psst")

    dana = page_state(fake, user_id="U0DEV1", channel_id="C0DEPLOYS")
    lea = page_state(fake, user_id="U0LEAD1", channel_id="C0DEPLOYS")

    dms = [c for c in dana["channels"] if c["is_dm"]]
    assert [(c["name"], c["count"]) for c in dms] == [("oec", 1)]
    assert not [c for c in lea["channels"] if c["is_dm"]]
    dm_view = page_state(fake, user_id="U0DEV1", channel_id=dms[0]["id"])
    assert [i["text"] for i in dm_view["timeline"]] == ["psst"]


def test_the_page_gets_names_people_hints_and_channel_flags(fake: FakeSlack) -> None:
    state = page_state(
        fake,
        user_id="U0LEAD1",
        channel_id="C0DEPLOYS",
        people=DEMO_PEOPLE,
        hints=[CommandHint("/oec envs [project]", "List environments.")],
        examples=["/oec envs"],
    )

    assert [(p["id"], p["name"], p["role"]) for p in state["people"]] == [
        ("U0DEV1", "Dana Deployer", "deployer"),
        ("U0LEAD1", "Lea Lead", "approver"),
        ("U0ADMIN", "Ada Admin", "admin"),
        ("U0VIEWER", "Vic Viewer", "viewer"),
    ]
    assert state["me"] == "U0LEAD1"
    assert state["names"]["U0LEAD1"] == "Lea Lead"
    assert state["names"][state["bot"]["id"]] == "oec"
    assert state["groups"]["S0LEADS"] == "leads"
    assert state["hints"] == [{"syntax": "/oec envs [project]", "summary": "List environments."}]
    assert state["examples"] == ["/oec envs"]
    flags = {c["name"]: (c["is_member"], c["is_archived"]) for c in state["channels"]}
    assert flags["random"] == (False, False)
    assert flags["old-project"] == (True, True)


def test_an_unknown_person_or_channel_is_a_lookup_error(fake: FakeSlack) -> None:
    with pytest.raises(LookupError):
        page_state(fake, user_id="U0NOBODY", channel_id="C0DEPLOYS")
    with pytest.raises(LookupError):
        page_state(fake, user_id="U0DEV1", channel_id="#nowhere")
