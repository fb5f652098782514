"""First end-to-end runs: a signed slash command in, answers at the fake Slack."""

from __future__ import annotations

from tests.support.stack import CHANNEL, DEV, Stack


async def test_envs_answers_ephemerally(stack: Stack) -> None:
    r = await stack.agent.command("envs", user_id=DEV, channel_id=CHANNEL)
    assert r.status_code == 200
    posts = await stack.fake.wait_for(lambda f: f.responses())
    text = str(posts[0])
    assert "staging" in text
    assert "production" in text


async def test_deploy_staging_one_message_to_completed(stack: Stack) -> None:
    r = await stack.agent.command("deploy acme-shop/staging", user_id=DEV, channel_id=CHANNEL)
    assert r.status_code == 200

    def completed(f):  # type: ignore[no-untyped-def]
        msgs = [m for m in f.messages(CHANNEL) if "staging" in str(m.blocks)]
        return msgs if msgs and "completed" in str(msgs[0].blocks).lower() else None

    msgs = await stack.fake.wait_for(completed, timeout=10)
    assert len(msgs) == 1
