"""Each host's failures as sentences naming that host, and one host down never hides the others.

The bot is configured for the three simulators (`tests.support.hosts`); faults are set on the
simulator concerned, and the answer is read from the fake Slack as the user saw it.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.commands_helpers import ask, deployment_messages
from tests.support.hosts import hosts_stack
from tests.support.ocore_helpers import READ_TOKEN
from tests.support.stack import CHANNEL, DEV, VIEWER


def controls(requests: list[dict[str, object]]) -> list[dict[str, object]]:
    return [r for r in requests if r["method"] == "POST" and str(r["path"]).endswith("/control")]


async def test_one_host_down_still_lists_the_others_and_names_it(tmp_path: Path) -> None:
    async with hosts_stack(tmp_path) as h:
        await h.faults(h.ocore_url, error_next=100)
        answer = await ask(h.stack, "envs", user_id=VIEWER, timeout=15)
        text = answer.text
        assert "Could not reach `ocore`" in text
        assert "derp:eu-1/shop-staging" in text
        assert "acme-shop/staging" in text
        assert "ocore:eu-1" not in text
        # A bare name found only on the hosts that answered may be the wrong one: refused.
        bare = await ask(h.stack, "status shop-prod", user_id=VIEWER, timeout=15)
        assert "could not be reached" in bare.text
        assert "derp:eu-1/shop-prod" in bare.text
        named = await ask(h.stack, "status derp:eu-1/shop-prod", user_id=VIEWER, timeout=15)
        assert "running" in named.text


async def test_an_ocore_token_without_manage_instances_is_explained(tmp_path: Path) -> None:
    async with hosts_stack(tmp_path, ocore_token=READ_TOKEN) as h:
        answer = await ask(h.stack, "restart ocore:eu-1/shop-staging", user_id=DEV, timeout=10)
        assert "manage:instances" in answer.text
        assert "oCore (ocore)" in answer.text
        assert not [
            r
            for r in controls(await h.requests(h.ocore_url))
            if r.get("status", 202) == 202 and r.get("accepted")
        ]


async def test_an_ocore_answer_lost_after_sending_is_not_resent_and_said(tmp_path: Path) -> None:
    async with hosts_stack(tmp_path) as h:
        await h.faults(h.ocore_url, lose_next_answers=1)
        answer = await ask(h.stack, "restart ocore:eu-1/shop-staging", user_id=DEV, timeout=10)
        assert "oCore (ocore)" in answer.text
        assert "may have been sent" in answer.text
        assert len(controls(await h.requests(h.ocore_url))) == 1


async def test_deployerp_errors_name_deployerp(tmp_path: Path) -> None:
    async with hosts_stack(tmp_path, action_seconds=30) as h:
        await h.stack.agent.command(
            "restart derp:eu-1/shop-staging", user_id=DEV, channel_id=CHANNEL
        )
        await h.stack.fake.wait_for(deployment_messages)  # accepted: its living message
        second = await ask(h.stack, "stop derp:eu-1/shop-staging", user_id=DEV)
        assert "Another action is already running" in second.text
        await h.faults(h.derp_url, error_next=100)
        h.stack.c.resolver.forget()
        broken = await ask(h.stack, "status derp:eu-1/shop-staging", user_id=VIEWER, timeout=20)
        assert "deployERP (derp)" in broken.text
