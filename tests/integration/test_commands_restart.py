"""Acknowledged slash commands survive SIGTERM and `kill -9`: each gets exactly one final answer.

The bot runs as `python -m oec_chatops serve` against the simulator and the fake Slack served
by this test. A burst of signed `/oec` commands (queries, actions on four environments, and a
deploy to production, which asks for an approval) is acked while the simulator takes 1.5 s a
call, so most of them are still queued or in flight when the bot is stopped: by SIGTERM (it
must tell the ones it cannot finish that it is restarting) or by SIGKILL (it can tell nobody).
Started again on the same database, the bot finishes every one of them: each response_url
ends with one message, holding one final answer, and no action reaches oec.sh twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from starlette.types import ASGIApp

from oec_chatops.playground import SlackUserAgent
from tests.support.bot_db import own_connection
from tests.support.command_answers import issue_command, policy_environ, shown
from tests.support.commands_helpers import deployment_messages
from tests.support.holding import HoldingSlack
from tests.support.ops_helpers import BotProcess, Outside, bot_process, outside_world
from tests.support.stack import DEV, SIGNING_SECRET, VIEWER, bot_environ, stack_database

pytestmark = pytest.mark.slow

QUERIES = 60
ACTIONS = {  # position in the burst -> command: two start at once, two wait their turn
    3: "restart acme-shop/staging",
    12: "restart globex-erp/staging",
    40: "restart acme-shop/development",
    52: "restart globex-erp/development",
}
APPROVAL_AT, APPROVAL = 20, "deploy acme-shop/production -- monthly release"
SLOW_MS = 1500


def burst() -> list[tuple[str, str]]:
    """(user, text) in the order they are sent."""
    queries = ["status acme-shop/staging", "status globex-erp/development", "envs acme-shop"]
    out = [(VIEWER, queries[i % len(queries)]) for i in range(QUERIES)]
    for at, text in sorted({**ACTIONS, APPROVAL_AT: APPROVAL}.items()):
        out.insert(at, (DEV, text))
    return out


@contextlib.asynccontextmanager
async def agent_for(o: Outside, bot: BotProcess) -> AsyncIterator[SlackUserAgent]:
    async with SlackUserAgent(
        bot_url=bot.url, signing_secret=SIGNING_SECRET, fake=o.fake, fake_url=o.slack_url
    ) as agent:
        yield agent


async def send_burst(o: Outside, agent: SlackUserAgent) -> dict[str, str]:
    """Every command of the burst, each acked 200 at once; url id -> command text."""
    sent: dict[str, str] = {}
    for user, text in burst():
        url_id, body = issue_command(o.fake, agent, text, user_id=user)
        r = await agent.post_signed(body)
        assert r.status_code == 200, r.text
        sent[url_id] = text
    return sent


async def slow_sim(o: Outside, ms: int) -> None:
    async with httpx.AsyncClient() as http:
        r = await http.post(f"{o.sim_url}/_sim/faults", json={"latency_ms": ms})
        r.raise_for_status()


def action_tasks(o: Outside, seeded: set[str]) -> dict[str, int]:
    """Tasks the simulator created (beyond its seeded history), per environment label."""
    counts: dict[str, int] = {}
    for task_id, task in o.sim.tasks.items():
        if task_id in seeded:
            continue
        env = o.sim.environments[task.environment_id]
        label = f"{o.sim.project(env.project_id).slug}/{env.name}"
        counts[label] = counts.get(label, 0) + 1
    return counts


def everything_answered(o: Outside, sent: dict[str, str]) -> bool:
    for url_id, text in sent.items():
        seen = shown(o.fake, url_id)
        if text in ACTIONS.values():
            env = text.split()[1]
            in_channel = any(env in json.dumps(m.blocks) for m in deployment_messages(o.fake))
            if not in_channel or (seen.notes and not seen.answers):
                return False
        elif not seen.answers:
            return False
    return True


def command_states(environ: dict[str, str]) -> dict[str, int]:
    """The commands table of the bot `environ` runs, by state (its database, either engine)."""
    with own_connection(environ["OEC_CHATOPS_DB"]) as conn:
        rows = conn.execute("SELECT state, count(*) FROM commands GROUP BY state").fetchall()
    return {str(state): int(n) for state, n in rows}


def assert_each_answered_once(o: Outside, sent: dict[str, str], seeded: set[str]) -> None:
    for url_id, text in sent.items():
        seen = shown(o.fake, url_id)
        # One message per command, whatever notes it showed first: each later POST replaced it.
        assert seen.messages <= 1, (text, seen.posts)
        # One final answer: a repeat (after an unknown outcome) would carry the same body.
        finals = {json.dumps(p.body["blocks"]) for p in seen.answers}
        assert len(finals) <= 1, (text, finals)
        if text in ACTIONS.values():
            continue  # answered in the channel; a note it showed was replaced by "Done"
        assert len(finals) == 1, (text, seen.posts)
        assert seen.seen == json.dumps(seen.answers[-1].body), "a note outlived the answer"
        if text == APPROVAL:
            assert "is protected" in seen.seen
    # Every action reached oec.sh exactly once, and has one message in the channel.
    assert action_tasks(o, seeded) == {text.split()[1]: 1 for text in ACTIONS.values()}
    for text in ACTIONS.values():
        env = text.split()[1]
        posted = [m for m in deployment_messages(o.fake) if env in json.dumps(m.blocks)]
        assert len(posted) == 1, (env, posted)
    cards = [m for m in deployment_messages(o.fake) if "acme-shop/production" in str(m.blocks)]
    assert len(cards) == 1, "one approval request, even if the command ran twice"


async def second_life(o: Outside, environ: dict[str, str], tmp: Path, sent: dict[str, str]) -> str:
    """Start the bot again on the same database; wait until everything is answered; its log."""
    await slow_sim(o, 0)
    async with bot_process(environ, tmp_path=tmp, name="second") as bot:
        await o.fake.wait_for(lambda f: everything_answered(o, sent), timeout=30)
        await asyncio.sleep(0.3)  # anything sent twice would arrive now
        bot.terminate()
        assert await bot.wait(timeout=10) == 0, bot.stderr()
        return bot.stderr()


def lines(log: str, event: str) -> list[dict[str, object]]:
    out = []
    for line in log.splitlines():
        with contextlib.suppress(json.JSONDecodeError):
            record = json.loads(line)
            if isinstance(record, dict) and record.get("event") == event:
                out.append(record)
    return out


@dataclass
class Burst:
    """The burst acked by the first life of the bot, still running when the test gets it."""

    o: Outside
    environ: dict[str, str]
    bot: BotProcess
    sent: dict[str, str]  # url id -> command text
    seeded: set[str]  # the simulator's tasks before the burst


@contextlib.asynccontextmanager
async def acked_burst(tmp_path: Path) -> AsyncIterator[Burst]:
    async with outside_world() as o:
        environ = {
            **bot_environ(
                tmp_path, slack_url=o.slack_url, sim_url=o.sim_url, db=stack_database(tmp_path)
            ),
            **policy_environ(tmp_path),
            "LOG_FORMAT": "json",
        }
        await slow_sim(o, SLOW_MS)
        seeded = set(o.sim.tasks)
        async with bot_process(environ, tmp_path=tmp_path, name="first") as bot:
            async with agent_for(o, bot) as agent:
                sent = await send_burst(o, agent)
            yield Burst(o, environ, bot, sent, seeded)


async def test_sigterm_tells_the_queued_commands_and_the_restart_answers_each_once(
    tmp_path: Path,
) -> None:
    async with acked_burst(tmp_path) as b:
        b.bot.terminate()
        assert await b.bot.wait(timeout=12) == 0, b.bot.stderr()
        first = b.bot.stderr()

        unfinished = command_states(b.environ)
        left = sum(n for state, n in unfinished.items() if state != "done")
        assert left >= QUERIES // 2, unfinished  # most were still waiting at SIGTERM
        told = [r for r in lines(first, "command.restart_noted") if r.get("shown")]
        assert len(told) == left, "each command left for the restart was told so"
        restarting = [
            url_id
            for url_id in b.sent
            if any("restarting" in json.dumps(p.body) for p in shown(b.o.fake, url_id).notes)
        ]
        assert len(restarting) == left

        second = await second_life(b.o, b.environ, tmp_path, b.sent)

    resumed = lines(second, "command.resumed") + lines(second, "command.answer_resent")
    assert len(resumed) == left
    assert_each_answered_once(b.o, b.sent, b.seeded)
    assert command_states(b.environ) == {"done": len(b.sent)}


async def test_kill_9_mid_queue_loses_no_command_and_runs_no_action_twice(
    tmp_path: Path,
) -> None:
    async with acked_burst(tmp_path) as b:
        # The worst moment: an action has reached oec.sh, and its answer is still on the way.
        await wait_until(lambda: set(b.o.sim.tasks) > b.seeded, timeout=15)
        b.bot.proc.send_signal(signal.SIGKILL)
        assert b.bot.proc.wait(timeout=5) == -signal.SIGKILL

        unfinished = command_states(b.environ)
        assert sum(unfinished.values()) == len(b.sent), "every acked command was stored"
        assert unfinished.get("running", 0) >= 1, unfinished  # the action among them
        second = await second_life(b.o, b.environ, tmp_path, b.sent)

    assert lines(second, "command.resumed")
    assert_each_answered_once(b.o, b.sent, b.seeded)
    assert command_states(b.environ) == {"done": len(b.sent)}


async def wait_until(predicate: Callable[[], bool], *, timeout: float) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():  # noqa: ASYNC110 - polling state another server changes
            await asyncio.sleep(0.005)


async def test_an_answer_slack_took_but_the_bot_never_heard_of_is_not_shown_twice(
    tmp_path: Path,
) -> None:
    holding: list[HoldingSlack] = []

    def hold(app: ASGIApp) -> ASGIApp:
        holding.append(HoldingSlack(app, path_part="/response/"))
        return holding[0]

    async with outside_world(wrap=hold) as o:
        slack = holding[0]
        environ = {
            **bot_environ(
                tmp_path, slack_url=o.slack_url, sim_url=o.sim_url, db=stack_database(tmp_path)
            ),
            "LOG_FORMAT": "json",
        }
        try:
            async with bot_process(environ, tmp_path=tmp_path, name="first") as bot:
                slack.hold_after = 0  # Slack shows the answer, the bot never learns it did
                async with agent_for(o, bot) as agent:
                    url_id, body = issue_command(o.fake, agent, "whoami", user_id=DEV)
                    assert (await agent.post_signed(body)).status_code == 200
                await asyncio.wait_for(slack.caught.wait(), timeout=10)
                bot.proc.send_signal(signal.SIGKILL)
                assert bot.proc.wait(timeout=5) == -signal.SIGKILL
            assert command_states(environ) == {"answering": 1}

            slack.hold_after = None
            async with bot_process(environ, tmp_path=tmp_path, name="second") as bot:
                await o.fake.wait_for(lambda f: len(shown(f, url_id).posts) == 2, timeout=10)
                bot.terminate()
                assert await bot.wait(timeout=10) == 0
                log = bot.stderr()
        finally:
            slack.release.set()

    first, again = shown(o.fake, url_id).posts
    assert again.body == {**first.body, "replace_original": True}
    assert (first.outcome, again.outcome) == ("posted_ephemeral", "replaced")
    assert shown(o.fake, url_id).messages == 1, "the user sees the answer once"
    assert lines(log, "command.answer_resent")
    assert command_states(environ) == {"done": 1}
