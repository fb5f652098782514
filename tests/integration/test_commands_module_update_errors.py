"""What the quick-update verbs say when oec.sh refuses, is busy, or does not answer.

Every refusal is a sentence naming the environment, never a traceback; an answer that may have
been lost never makes the bot send the update again under a new key: the client's retries and
a restart's re-run carry the same `Idempotency-Key`, so oec.sh runs it at most once.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import ClassVar

from starlette.types import ASGIApp, Receive, Scope, Send

from oec_chatops.sim.seed import seed_id
from tests.support.commands_helpers import (
    ask,
    audit_rows,
    deployment_messages,
    final_word,
    run_twice,
    skipping_stack,
)
from tests.support.stack import CHANNEL, DEV, RW_KEY, Stack, running_stack, sim_settings

STAGING = "acme-shop/staging"
ENV_ID = seed_id(f"env/{STAGING}")


def quick_updates(requests: list[dict[str, object]]) -> list[dict[str, object]]:
    return [
        r for r in requests if r["method"] == "POST" and str(r["path"]).endswith("/quick-update")
    ]


class RefusesQuickUpdates:
    """In front of the simulator: answers every quick update as oec.sh answers a module it does
    not have, a FastAPI 422 in the list shape (§9.3); passes everything else through."""

    BODY: ClassVar[dict[str, object]] = {
        "detail": [
            {
                "loc": ["body", "modules", 0],
                "msg": "Module sale_custom is not installed on this environment",
                "type": "value_error",
            }
        ]
    }

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.refused = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].endswith("/quick-update"):
            await self.app(scope, receive, send)
            return
        self.refused += 1
        body = json.dumps(self.BODY).encode()
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 422, "headers": headers})
        await send({"type": "http.response.body", "body": body})


async def test_an_update_while_a_task_runs_names_the_running_task(tmp_path: Path) -> None:
    async with running_stack(tmp_path, sim=sim_settings(task_seconds=60)) as stack:
        r = await stack.http.post(
            f"{stack.sim_url}/api/public/v1/environments/{ENV_ID}/deploy",
            headers={"Authorization": f"Bearer {RW_KEY}", "Idempotency-Key": str(uuid.uuid4())},
        )
        running = r.json()["task_id"]

        answer = await ask(stack, f"update {STAGING} all", user_id=DEV)

        assert f"Another action is already running on `{STAGING}` (task `{running}`)" in (
            answer.text
        )
        assert [s["status"] for s in quick_updates(await stack.sim_requests())] == [409]
        (row,) = [r for r in audit_rows(stack) if r["action"] == "action.update"]
        assert row["result"] == "error"
        assert row["detail"]["task_id"] == running


async def test_an_environment_gone_since_it_was_listed_is_not_found(stack: Stack) -> None:
    await ask(stack, f"status {STAGING}", user_id=DEV)  # the bot lists it, and keeps the list
    del stack.sim.environments[ENV_ID]  # deleted in the dashboard meanwhile

    answer = await ask(stack, f"pull {STAGING}", user_id=DEV)

    assert f"oec.sh does not know `{STAGING}`" in answer.text
    assert [s["status"] for s in quick_updates(await stack.sim_requests())] == [404]
    assert deployment_messages(stack.fake) == []


async def test_a_422_from_oec_sh_is_said_in_its_own_words(tmp_path: Path) -> None:
    fronts: list[RefusesQuickUpdates] = []

    def front(app: ASGIApp) -> ASGIApp:
        fronts.append(RefusesQuickUpdates(app))
        return fronts[-1]

    async with running_stack(tmp_path, sim_front=front) as stack:
        answer = await ask(stack, f"update {STAGING} sale_custom", user_id=DEV)

        assert f"oec.sh refused the request on `{STAGING}`" in answer.text
        assert "Module sale_custom is not installed" in answer.text
        assert fronts[0].refused == 1  # a clear no: not retried
        assert deployment_messages(stack.fake) == []
        (row,) = [r for r in audit_rows(stack) if r["action"] == "action.update"]
        assert (row["result"], row["detail"]["error"]) == ("error", "OecValidationError")


async def test_a_lost_answer_is_asked_again_with_the_same_key_and_runs_once(
    stack: Stack,
) -> None:
    tasks_before = len(stack.sim.tasks_of(ENV_ID))
    await stack.sim_faults(lose_next_answers=1)

    await stack.agent.command(f"update {STAGING} all", user_id=DEV, channel_id=CHANNEL)

    # The webhook of the task the lost call started may post first; the bot's own record of
    # the update (who asked) comes once the retry got the task back.
    await stack.fake.wait_for(
        lambda f: (
            [m for m in deployment_messages(f) if "<@U0DEV1>" in json.dumps(m.blocks)] or None
        ),
        timeout=10,
    )
    tries = quick_updates(await stack.sim_requests())
    assert [t["status"] for t in tries] == [504, 202]
    assert len(deployment_messages(stack.fake)) == 1  # the webhook's message, completed in place
    assert len({t["idempotency_key"] for t in tries}) == 1
    assert len(stack.sim.tasks_of(ENV_ID)) == tasks_before + 1


async def test_no_answer_at_all_says_it_may_have_run_and_never_changes_the_key(
    tmp_path: Path,
) -> None:
    async with skipping_stack(tmp_path) as (stack, _clock):
        await ask(stack, f"status {STAGING}", user_id=DEV)
        await stack.sim_faults(error_rate=1.0)

        answer = await ask(stack, f"update {STAGING} sale_custom", user_id=DEV)

        assert "It may still have run" in answer.text
        assert f"`/oec status {STAGING}`" in answer.text
        tries = quick_updates(await stack.sim_requests())
        assert len(tries) > 1
        assert len({t["idempotency_key"] for t in tries}) == 1


async def test_an_update_run_again_after_a_restart_reaches_oec_sh_once(stack: Stack) -> None:
    before = set(stack.sim.tasks)

    await run_twice(stack, f"update {STAGING} sale_custom")

    sent = quick_updates(await stack.sim_requests())
    assert len(sent) == 2
    assert sent[0]["idempotency_key"] == sent[1]["idempotency_key"]
    assert len(set(stack.sim.tasks) - before) == 1, "the repeated key got the first task"


async def test_a_module_update_that_fails_says_so_in_its_message(stack: Stack) -> None:
    await stack.sim_faults(fail_next_module_updates=1)

    await stack.agent.command(f"update {STAGING} sale_custom", user_id=DEV, channel_id=CHANNEL)

    (message,) = await stack.fake.wait_for(
        lambda f: [m for m in deployment_messages(f) if "failed" in final_word(m)] or None,
        timeout=15,
    )
    assert f"Update {STAGING}" in json.dumps(message.blocks)
