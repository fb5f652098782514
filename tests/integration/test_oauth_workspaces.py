"""Two workspaces on one bot: each request is served with its own workspace's bot token, oec.sh
key and policy, never another's; a workspace without a key is told so plainly."""

from __future__ import annotations

from pathlib import Path

from oec_chatops.playground import FakeSlack
from oec_chatops.playground.traffic import Call
from tests.support.commands_helpers import ask, deployment_messages, final_word
from tests.support.oauth import (
    CHANNELS,
    KEYS,
    TEAM_A,
    TEAM_B,
    fingerprints_at_sim,
    install,
    key_print,
    oauth_stack,
)
from tests.support.stack import DEV, POLICY, VIEWER

VIEWERS_ONLY = 'default_role = "viewer"\n[roles]\nadmins = ["U0ADMIN"]\ndeployers = ["S0LEADS"]\n'


def _posts_in(channel: str):  # type: ignore[no-untyped-def]
    def found(f: FakeSlack) -> list[Call]:
        return [c for c in f.calls("chat.postMessage") if c.args.get("channel") == channel]

    return found


async def test_each_workspace_calls_slack_with_its_token_and_oecsh_with_its_key(
    tmp_path: Path,
) -> None:
    async with oauth_stack(tmp_path) as s:
        assert s.c.workspaces is not None
        for team in (TEAM_A, TEAM_B):
            await install(s, team, key=KEYS[team])
            s.c.workspaces.set_policy(team, POLICY)
        seen = len(await s.sim_requests())

        for team, env in ((TEAM_A, "acme-shop/staging"), (TEAM_B, "globex-erp/staging")):
            ack = await s.agent.command(
                f"deploy {env}", user_id=DEV, channel_id=CHANNELS[team], team_id=team
            )
            assert ack.status_code == 200
            posts = await s.fake.wait_for(_posts_in(CHANNELS[team]))
            assert {c.team_id for c in posts} == {team}
            # Followed to the end by the tracker, with this workspace's key, in its channel.
            await s.fake.wait_for(
                lambda f, ch=CHANNELS[team]: [
                    m for m in deployment_messages(f, ch) if "completed" in final_word(m)
                ]
            )
            updates = [
                c for c in s.fake.calls("chat.update") if c.args["channel"] == CHANNELS[team]
            ]
            assert updates
            assert {c.team_id for c in updates} == {team}
            # The policy names a user group: each workspace's own directory, its own token.
            groups = s.fake.calls("usergroups.list")
            assert team in {c.team_id for c in groups}

        by_team = {c.team_id for c in s.fake.calls() if c.method != "oauth.v2.access"}
        assert by_team <= {TEAM_A, TEAM_B}  # no call went out without a workspace's token
        requests = (await s.sim_requests())[seen:]
        actions = [r for r in requests if r["method"] == "POST"]
        assert fingerprints_at_sim(actions) == {key_print(TEAM_A), key_print(TEAM_B)}
        assert None not in fingerprints_at_sim(requests)


async def test_each_workspace_runs_under_its_own_policy(tmp_path: Path) -> None:
    async with oauth_stack(tmp_path) as s:
        assert s.c.workspaces is not None
        for team in (TEAM_A, TEAM_B):
            await install(s, team, key=KEYS[team])
        s.c.workspaces.set_policy(TEAM_A, POLICY)
        s.c.workspaces.set_policy(TEAM_B, VIEWERS_ONLY)
        seen = len(await s.sim_requests())

        denied = await ask(
            s, "deploy acme-shop/staging", user_id=DEV, channel_id=CHANNELS[TEAM_B], team_id=TEAM_B
        )
        await s.agent.command(
            "deploy acme-shop/staging", user_id=DEV, channel_id=CHANNELS[TEAM_A], team_id=TEAM_A
        )
        await s.fake.wait_for(_posts_in(CHANNELS[TEAM_A]))

        assert "deployer" in denied.text.lower()
        actions = [r for r in (await s.sim_requests())[seen:] if r["method"] == "POST"]
        assert fingerprints_at_sim(actions) == {key_print(TEAM_A)}


async def test_a_workspace_without_an_oecsh_key_is_told_so_plainly(tmp_path: Path) -> None:
    async with oauth_stack(tmp_path) as s:
        await install(s, TEAM_A)  # installed, but no operator set its key yet
        seen = len(await s.sim_requests())

        answer = await ask(s, "envs", user_id=VIEWER, channel_id=CHANNELS[TEAM_A], team_id=TEAM_A)

        assert "no oec.sh API key" in answer.text
        assert f"workspace set-key {TEAM_A}" in answer.text
        assert (await s.sim_requests())[seen:] == []


async def test_odoo_operations_use_the_asking_workspaces_key(tmp_path: Path) -> None:
    """Module updates, backups and their listing go out with the asking workspace's key, as
    deploys do: not refused as "not offered", and never with the other workspace's key."""
    async with oauth_stack(tmp_path) as s:
        assert s.c.workspaces is not None
        for team in (TEAM_A, TEAM_B):
            await install(s, team, key=KEYS[team])
            s.c.workspaces.set_policy(team, POLICY)
        seen = len(await s.sim_requests())

        room = {"user_id": DEV, "channel_id": CHANNELS[TEAM_B], "team_id": TEAM_B}
        for text in ("update globex-erp/staging all", "backup globex-erp/development"):
            ack = await s.agent.command(text, **room)  # type: ignore[arg-type]
            assert ack.status_code == 200
        await s.fake.wait_for(
            lambda f: (
                {"Update", "Backup"}
                <= {m.text.split(" ")[0] for m in deployment_messages(f, CHANNELS[TEAM_B])}
            )
        )
        listed = await ask(s, "backups globex-erp/development", **room)  # type: ignore[arg-type]

        assert "not offered" not in listed.text
        requests = (await s.sim_requests())[seen:]
        quick = [r for r in requests if r["path"].endswith("/quick-update")]
        backups = [r for r in requests if "/backups" in r["path"]]
        assert len(quick) == 1
        assert {r["method"] for r in backups} == {"POST", "GET"}
        assert fingerprints_at_sim(quick + backups) == {key_print(TEAM_B)}
