"""Say that you heard me: a command not answered within a second shows a private "Working on
it" note saying what it waits for, which the answer replaces; one person's commands are
answered in the order typed, and nobody else waits for them.

Read at the fake Slack's response_url. The simulator's latency is real time; the bot's one
second is its clock's, which on `stepped_stack` moves only when the test moves it.
"""

from __future__ import annotations

from oec_chatops.playground import FakeSlack, ResponsePost
from tests.support.command_answers import is_note
from tests.support.commands_helpers import ask, in_flight_at_the_sim, posts_for
from tests.support.stack import CHANNEL, DEV, VIEWER, Stack
from tests.support.stepped_clock import SteppedClock


def answers_of(f: FakeSlack, user_id: str) -> list[ResponsePost]:
    return [p for p in posts_for(f, user_id) if not is_note(p.body)]


async def test_a_slow_answer_is_preceded_by_a_note_saying_what_it_waits_for(
    stepped_stack: Stack, stepped: SteppedClock
) -> None:
    stack = stepped_stack
    await stack.sim_faults(latency_ms=1500)

    r = await stack.agent.command("status acme-shop/staging", user_id=DEV, channel_id=CHANNEL)
    assert r.status_code == 200
    await in_flight_at_the_sim(stack)
    assert posts_for(stack.fake, DEV) == []  # not yet a second of the bot's clock

    await stepped.advance(1.0)
    (note,) = await stack.fake.wait_for(lambda f: posts_for(f, DEV), timeout=5)
    assert is_note(note.body)
    assert "Working on it: reading `acme-shop/staging`'s status from oec.sh." in note.body["text"]
    assert note.body["response_type"] == "ephemeral"
    assert note.body["replace_original"] is False

    *_, answer = await stack.fake.wait_for(lambda f: answers_of(f, DEV) or None, timeout=10)
    assert answer.body["replace_original"] is True  # the note is gone: one message, the answer
    assert answer.body["response_type"] == "ephemeral"
    assert "acme-shop/staging" in answer.body["text"]
    assert len(posts_for(stack.fake, DEV)) == 2


async def test_a_quick_answer_comes_alone(stepped_stack: Stack) -> None:
    answer = await ask(stepped_stack, "status acme-shop/staging", user_id=DEV)

    (post,) = answer.posts
    assert not is_note(post.body)
    assert post.body["replace_original"] is False


async def test_one_persons_commands_are_answered_in_the_order_typed_and_others_not_held(
    stack: Stack,
) -> None:
    await stack.sim_faults(latency_ms=600)  # the listing and the status read: over a second

    for text, user in (("status acme-shop/staging", DEV), ("whoami", DEV), ("whoami", VIEWER)):
        r = await stack.agent.command(text, user_id=user, channel_id=CHANNEL)
        assert r.status_code == 200

    # The viewer's whoami needs no oec.sh: it is answered while the deployer's status waits.
    await stack.fake.wait_for(lambda f: answers_of(f, VIEWER) or None, timeout=5)
    assert answers_of(stack.fake, DEV) == []

    status, whoami = await stack.fake.wait_for(
        lambda f: a if len(a := answers_of(f, DEV)) == 2 else None, timeout=10
    )
    assert "acme-shop/staging" in status.body["text"]
    assert "deployer" in str(whoami.body)
    # The second command said why it was waiting, if it waited long enough to say anything.
    for note in [p for p in posts_for(stack.fake, DEV) if is_note(p.body)]:
        assert "Working on it" in note.body["text"]


async def test_a_command_waiting_for_the_same_persons_previous_one_says_so(
    stepped_stack: Stack, stepped: SteppedClock
) -> None:
    stack = stepped_stack
    await stack.sim_faults(latency_ms=1500)
    for text in ("status acme-shop/staging", "whoami"):
        r = await stack.agent.command(text, user_id=DEV, channel_id=CHANNEL)
        assert r.status_code == 200
    await in_flight_at_the_sim(stack)

    await stepped.advance(1.0)
    notes = await stack.fake.wait_for(
        lambda f: n if len(n := posts_for(f, DEV)) == 2 else None, timeout=5
    )
    said = sorted(p.body["text"] for p in notes)
    assert said == [
        "Working on it: reading `acme-shop/staging`'s status from oec.sh.",
        "Working on it: your previous command `/oec status acme-shop/staging` is answered first.",
    ]
    status, whoami = await stack.fake.wait_for(
        lambda f: a if len(a := answers_of(f, DEV)) == 2 else None, timeout=10
    )
    assert "acme-shop/staging" in status.body["text"]
    assert whoami.body["replace_original"] is True
