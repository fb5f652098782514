"""oec.sh webhooks in a multi-workspace install: each workspace's webhook delivers to its own
URL, signed with its own secret (stored sealed), and reaches only that workspace's channels,
posted with its own token; whatever else arrives is refused and nothing of it is stored."""

from __future__ import annotations

import io
import logging
from collections.abc import Awaitable
from pathlib import Path

import httpx
import pytest

from oec_chatops.adapters import webhook_admin
from oec_chatops.domain import WEBHOOK_EVENTS_FOLLOWED
from oec_chatops.playground import FakeSlack
from tests.support.commands_helpers import ask
from tests.support.oauth import (
    CHANNELS,
    HOOK_SECRETS,
    KEYS,
    TEAM_A,
    TEAM_B,
    hook_path,
    install,
    oauth_stack,
    raw_database,
)
from tests.support.stack import ADMIN, DEV, POLICY, Stack, on_both_engines
from tests.support.webhook_helpers import (
    WEBHOOK_PATH,
    deliver,
    deployment_messages,
    new_task,
    outbox_settled,
    table_count,
    task_data,
    text_of,
    until,
)

STAGING = "acme-shop/staging"


async def _connect(s: Stack, *teams: str, secrets: bool = True) -> None:
    """Install `teams` with their keys and the policy, their webhook secrets set (`secrets`),
    and subscribe each one's channel to acme-shop with `/oec subscribe`, typed there."""
    assert s.c.workspaces is not None
    for team in teams:
        await install(s, team, key=KEYS[team])
        s.c.workspaces.set_policy(team, POLICY)
        if secrets:
            s.c.workspaces.set_webhook_secrets(team, [HOOK_SECRETS[team]])
        await ask(s, "subscribe acme-shop", user_id=ADMIN, channel_id=CHANNELS[team], team_id=team)


def _calls_in(fake: FakeSlack, channel: str) -> set[str | None]:
    """The workspaces whose tokens made the Web API calls into `channel`."""
    return {c.team_id for c in fake.calls() if c.args.get("channel") == channel}


@on_both_engines
async def test_each_workspace_gets_only_its_own_deliveries_with_its_own_token(
    tmp_path: Path,
) -> None:
    # Tasks stay running in the simulator: only the deliveries below end them.
    async with oauth_stack(tmp_path, sim_options={"task_seconds": 3600}) as s:
        await _connect(s, TEAM_A, TEAM_B)
        a, b = CHANNELS[TEAM_A], CHANNELS[TEAM_B]
        task = new_task(s, STAGING)

        started = await deliver(
            s,
            "deploy.started",
            task_data(s, STAGING, task, "running"),
            secrets=[HOOK_SECRETS[TEAM_A]],
            path=hook_path(TEAM_A),
        )
        assert started.status_code == 200, started.text
        await s.fake.wait_for(lambda f: deployment_messages(f, a, task))
        await outbox_settled(s)
        assert deployment_messages(s.fake, b, task) == []  # B subscribed too: not B's delivery

        # Each workspace's webhook sends its own delivery (here with one payload id) about
        # the task's end: B's first, which reaches B alone; then A's, which changes nothing
        # in the record any more but must still end A's message.
        done = task_data(s, STAGING, task, "completed")

        def ended(team: str) -> Awaitable[httpx.Response]:
            return deliver(
                s,
                "deploy.completed",
                done,
                delivery_id="dlv-same-payload-id",
                secrets=[HOOK_SECRETS[team]],
                path=hook_path(team),
            )

        for team in (TEAM_B, TEAM_A):
            r = await ended(team)
            assert r.status_code == 200, r.text
            assert r.json()["duplicate"] is False
            if team == TEAM_B:
                await s.fake.wait_for(lambda f: deployment_messages(f, b, task))
                await outbox_settled(s)
                [still] = deployment_messages(s.fake, a, task)
                assert "completed" not in text_of(still).lower()

        await s.fake.wait_for(
            lambda f: [m for m in deployment_messages(f, a, task) if "completed" in text_of(m)]
        )
        [in_b] = deployment_messages(s.fake, b, task)
        assert "completed" in text_of(in_b)
        assert _calls_in(s.fake, a) == {TEAM_A}
        assert _calls_in(s.fake, b) == {TEAM_B}
        replay = await ended(TEAM_A)
        assert replay.json()["duplicate"] is True


async def test_deliveries_to_the_wrong_or_an_unknown_door_are_refused_and_not_stored(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with oauth_stack(tmp_path) as s:
        assert s.c.workspaces is not None
        await _connect(s, TEAM_A)
        await install(s, TEAM_B, key=KEYS[TEAM_B])  # installed, no webhook secret yet
        await outbox_settled(s)
        caplog.set_level(logging.INFO, logger="oec_chatops.receiver")
        data = task_data(s, STAGING, new_task(s, STAGING), "running")
        signed_by_a = [HOOK_SECRETS[TEAM_A]]

        answers = {
            "B, which has no secret yet": await deliver(
                s, "deploy.started", data, secrets=signed_by_a, path=hook_path(TEAM_B)
            )
        }
        s.c.workspaces.set_webhook_secrets(TEAM_B, [HOOK_SECRETS[TEAM_B]])
        refused = {
            "A's secret at B's door": (hook_path(TEAM_B), signed_by_a),
            "B's secret at A's door": (hook_path(TEAM_A), [HOOK_SECRETS[TEAM_B]]),
            "the one-workspace door": (WEBHOOK_PATH, signed_by_a),
            "an unknown workspace": (hook_path("T0NOBODY"), signed_by_a),
            "A's id in lower case": (hook_path("t0alpha"), signed_by_a),
            "not a workspace id": (hook_path("not-a-team"), signed_by_a),
        }
        for why, (path, signed) in refused.items():
            answers[why] = await deliver(s, "deploy.started", data, secrets=signed, path=path)
        s.c.workspaces.forget(TEAM_A)  # uninstalled: its secret goes with it
        answers["an uninstalled workspace"] = await deliver(
            s, "deploy.started", data, secrets=signed_by_a, path=hook_path(TEAM_A)
        )

        assert {why: (r.status_code, r.json()["error"]) for why, r in answers.items()} == {
            "B, which has no secret yet": (401, "no_webhook_secret"),
            "A's secret at B's door": (401, "bad_signature"),
            "B's secret at A's door": (401, "bad_signature"),
            "the one-workspace door": (401, "bad_signature"),
            "an unknown workspace": (404, "unknown_workspace"),
            "A's id in lower case": (404, "unknown_workspace"),
            "not a workspace id": (404, "invalid_team_id"),
            "an uninstalled workspace": (404, "unknown_workspace"),
        }
        assert s.c.store.workspace_webhooks.sealed_secret(TEAM_A) is None
        assert table_count(s, "deliveries") == 0
        assert table_count(s, "deployments") == 0
        assert deployment_messages(s.fake, CHANNELS[TEAM_A], data["task_id"]) == []
        rejected = [r for r in caplog.records if r.getMessage() == "webhook.rejected"]
        assert len(rejected) == len(answers)
        logged = repr([r.__dict__ for r in rejected])
        assert all(secret not in logged for secret in HOOK_SECRETS.values())
        assert data["task_id"] not in logged  # nothing of the body


async def test_subscribing_without_a_webhook_says_nothing_will_be_posted_yet(
    tmp_path: Path,
) -> None:
    async with oauth_stack(tmp_path) as s:
        assert s.c.workspaces is not None
        await _connect(s, TEAM_A, secrets=False)
        channel = CHANNELS[TEAM_A]
        [answer] = [p for p in s.fake.responses() if p.user_id == ADMIN]
        said = str(answer.body)

        assert "acme-shop" in said
        assert "Nothing will be posted here yet" in said
        assert f"oec-chatops webhooks register --team {TEAM_A}" in said
        assert [sub.channel_id for sub in s.c.store.subscriptions.for_channel(channel)] == [channel]

        s.c.workspaces.set_webhook_secrets(TEAM_A, [HOOK_SECRETS[TEAM_A]])
        again = await ask(
            s, "subscribe globex-erp", user_id=ADMIN, channel_id=channel, team_id=TEAM_A
        )
        assert "Nothing will be posted" not in again.text


async def test_register_team_stores_oecsh_secret_sealed_and_its_deliveries_are_accepted(
    tmp_path: Path,
) -> None:
    # The simulator gives each webhook created through its API its own secret, as oec.sh does.
    async with oauth_stack(tmp_path, sim_options={"webhook_secret": None}) as s:
        await _connect(s, TEAM_A, secrets=False)
        out = io.StringIO()

        status = await webhook_admin.register_for_team(
            s.settings,
            TEAM_A,
            url=s.bot_url + hook_path(TEAM_A),
            events=list(WEBHOOK_EVENTS_FOLLOWED),
            project_id=None,
            description="oec-chatops",
            out=out,
        )

        assert status == 0, out.getvalue()
        (created,) = s.sim.webhooks.webhooks.values()
        assert created.url == s.bot_url + hook_path(TEAM_A)
        assert created.secret not in out.getvalue()
        assert "stored for T0ALPHA (sealed" in out.getvalue()
        assert created.secret.encode() not in raw_database(tmp_path)
        requests = [r for r in await s.sim_requests() if r["path"].endswith("/webhooks")]
        assert {r.get("key_fingerprint") for r in requests} != {None}

        # The workspace deploys; oec.sh's own deliveries, signed with that secret, get in.
        ack = await s.agent.command(
            f"deploy {STAGING}", user_id=DEV, channel_id=CHANNELS[TEAM_A], team_id=TEAM_A
        )
        assert ack.status_code == 200

        def stored() -> int:
            row = s.c.store.conn.execute(
                "SELECT count(*) FROM deliveries WHERE delivery_id LIKE ?", (f"{TEAM_A}:%",)
            ).fetchone()
            return int(row[0])

        await until(lambda: stored() >= 2, timeout=10, what="oec.sh's deliveries stored")


async def test_a_rotation_accepts_the_old_secret_until_it_is_dropped(tmp_path: Path) -> None:
    async with oauth_stack(tmp_path) as s:
        assert s.c.workspaces is not None
        await install(s, TEAM_A, key=KEYS[TEAM_A])
        new, old = "whsec-rotated-" + "n" * 24, HOOK_SECRETS[TEAM_A]
        data = task_data(s, STAGING, "task-rotation", "running")

        async def status_with(secret: str, delivery: str) -> int:
            r = await deliver(
                s,
                "environment.created",
                data,
                delivery_id=delivery,
                secrets=[secret],
                path=hook_path(TEAM_A),
            )
            return r.status_code

        s.c.workspaces.set_webhook_secrets(TEAM_A, [f"{new},{old}"])
        assert [await status_with(new, "d1"), await status_with(old, "d2")] == [200, 200]
        s.c.workspaces.set_webhook_secrets(TEAM_A, [new])
        assert [await status_with(new, "d3"), await status_with(old, "d4")] == [200, 401]
