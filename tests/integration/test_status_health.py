"""`/oec status` ends with one health line once the latest deployment completed.

The figures are oec.sh's metrics of the environment, read by the bot over HTTP from the
simulator; the assertions count the metrics calls in the simulator's request log, since each
one spends one of the environment's 6 calls a minute that people need for `/oec metrics`.
"""

from __future__ import annotations

import pytest

from oec_chatops.playground import FakeSlack, Message
from oec_chatops.sim.seed import seed_id
from tests.support.commands_helpers import ask, deployment_messages, final_word
from tests.support.stack import CHANNEL, DEV, VIEWER, Stack
from tests.support.stepped_clock import SteppedClock

DEV_ENV = "acme-shop/development"
LINE = "Health since the last deployment: Odoo CPU"


@pytest.fixture
def stack(stepped_stack: Stack) -> Stack:
    return stepped_stack


async def metrics_calls(stack: Stack, label: str) -> int:
    path = f"/environments/{seed_id(f'env/{label}')}/metrics"
    return sum(1 for r in await stack.sim_requests() if str(r["path"]).endswith(path))


def ended(fake: FakeSlack, word: str) -> list[Message]:
    return [m for m in deployment_messages(fake) if word in final_word(m)]


async def test_the_line_follows_the_latest_completed_deployment(
    stack: Stack, stepped: SteppedClock
) -> None:
    first = await ask(stack, f"status {DEV_ENV}", user_id=VIEWER)  # the seeded deploy
    assert LINE in first.text
    assert "PostgreSQL CPU" in first.text
    await stepped.advance(61)  # the first reading's call leaves the minute's window
    again = await ask(stack, f"status {DEV_ENV}", user_id=VIEWER)
    assert LINE in again.text
    assert await metrics_calls(stack, DEV_ENV) == 1  # the reading is kept, not read again

    await stack.agent.command(f"deploy {DEV_ENV}", user_id=DEV, channel_id=CHANNEL)
    await stepped.until(lambda: ended(stack.fake, "completed"))
    after = await ask(stack, f"status {DEV_ENV}", user_id=VIEWER)

    assert LINE in after.text
    assert await metrics_calls(stack, DEV_ENV) == 2  # a new deployment: a new reading


async def test_no_line_while_the_latest_deployment_failed(
    stack: Stack, stepped: SteppedClock
) -> None:
    await stack.sim_faults(fail_next_deploys=1)
    await stack.agent.command(f"deploy {DEV_ENV}", user_id=DEV, channel_id=CHANNEL)
    await stepped.until(lambda: ended(stack.fake, "failed"))
    # The previous release serves again, but the latest deployment is the failed one.
    stack.sim.set_environment_status(seed_id(f"env/{DEV_ENV}"), "running")

    answer = await ask(stack, f"status {DEV_ENV}", user_id=VIEWER)

    assert f"{DEV_ENV}: running" in answer.text
    assert ":stethoscope:" not in answer.text
    assert "Health" not in answer.text
    assert await metrics_calls(stack, DEV_ENV) == 0


async def test_a_metrics_failure_leaves_the_status_whole(stack: Stack) -> None:
    await stack.sim_faults(target_unreachable=1)

    answer = await ask(stack, f"status {DEV_ENV}", user_id=VIEWER)

    assert f"{DEV_ENV}: running" in answer.text
    assert "Last deployment" in answer.text
    assert "Health not available" in answer.text
    assert LINE not in answer.text
    assert await metrics_calls(stack, DEV_ENV) == 1


async def test_status_leaves_the_minutes_metrics_calls_to_people(
    stack: Stack, stepped: SteppedClock
) -> None:
    shown = await ask(stack, f"metrics {DEV_ENV}", user_id=VIEWER)
    assert "Metrics of acme-shop/development" in shown.text

    busy = await ask(stack, f"status {DEV_ENV}", user_id=VIEWER)

    assert "Health not read" in busy.text
    assert f"`/oec metrics {DEV_ENV}`" in busy.text
    assert await metrics_calls(stack, DEV_ENV) == 1  # only the person's own call
    for _ in range(5):  # the rest of the minute's six are still theirs
        assert "Metrics of" in (await ask(stack, f"metrics {DEV_ENV}", user_id=VIEWER)).text

    await stepped.advance(61)
    later = await ask(stack, f"status {DEV_ENV}", user_id=VIEWER)
    assert LINE in later.text
    assert await metrics_calls(stack, DEV_ENV) == 7
