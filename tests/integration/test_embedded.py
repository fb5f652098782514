"""`oec-chatops serve` with no credentials: the demo starts, says where the page is, and stops."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from oec_chatops.config import load_settings
from oec_chatops.domain import Verb
from oec_chatops.entrypoints.embedded import (
    Demo,
    DemoSecrets,
    command_hints,
    demo_examples,
    embedded_demo,
    run_embedded,
)
from oec_chatops.errors import ConfigError
from oec_chatops.slack.grammar import parse_command
from oec_chatops.store import Store


async def test_run_embedded_prints_the_page_url_serves_it_and_stops(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = load_settings({"OEC_CHATOPS_DB": str(tmp_path / "demo.db")})
    stop, started = asyncio.Event(), asyncio.Event()
    ready: list[Demo] = []
    pages: list[httpx.Response] = []

    def on_ready(demo: Demo) -> None:
        ready.append(demo)
        started.set()

    async def visit() -> None:
        await started.wait()
        async with httpx.AsyncClient() as http:
            pages.append(await http.get(ready[0].playground_url))
            pages.append(await http.get(f"{ready[0].bot_url}/healthz"))
            pages.append(await http.get(f"{ready[0].bot_url}/"))
        stop.set()

    visitor = asyncio.create_task(visit())
    async with asyncio.timeout(10):
        await run_embedded(
            settings, host="127.0.0.1", port=0, stop=stop, task_seconds=0.5, on_ready=on_ready
        )
    await visitor

    printed = capsys.readouterr().err
    assert f"open the playground:  {ready[0].playground_url}" in printed
    assert pages[0].status_code == 200
    assert "oec-chatops playground" in pages[0].text
    assert pages[1].status_code == 200
    # The bot's own port answers `/` with the way to the playground, not a bare 404.
    assert pages[2].status_code == 200
    assert f"<a href='{ready[0].playground_url}'>" in pages[2].text
    for marker in ("xoxb-", "oec_live_", "whsec_"):
        assert marker not in printed  # the demo's fresh secrets are never printed


async def test_the_demo_uses_a_fresh_database_and_never_the_configured_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    async with embedded_demo(load_settings({}), task_seconds=0.5) as demo:
        db = demo.container.settings.oec_chatops_db
        assert db.exists()
        assert tmp_path not in db.parents  # not in the working directory
    assert not db.exists()
    assert _files_in(tmp_path) == []

    # A real bot's database (the demo would write subscriptions there, and send its outbox).
    real = tmp_path / "real.db"
    Store(real).close()
    before = real.read_bytes()
    async with embedded_demo(
        load_settings({"OEC_CHATOPS_DB": str(real)}), task_seconds=0.5
    ) as demo:
        assert demo.container.settings.oec_chatops_db != real
        assert real.parent not in demo.container.settings.oec_chatops_db.parents
    assert real.read_bytes() == before
    assert _files_in(tmp_path) == [real]  # no -wal or -shm: nobody opened it


async def test_the_demo_refuses_settings_with_credentials(tmp_path: Path) -> None:
    """`serve` never gets here with a credential set; the demo checks again on its own."""
    settings = load_settings(
        {
            "SLACK_BOT_TOKEN": "xoxb-1-2-real-bot-token",
            "SLACK_SIGNING_SECRET": "real-signing-secret",
            "OEC_API_KEY": "oec_live_rw_" + "R" * 40,
            "OEC_CHATOPS_DB": str(tmp_path / "bot.db"),
        }
    )
    with pytest.raises(ConfigError, match=r"only when no Slack or oec\.sh credential"):
        async with embedded_demo(settings, task_seconds=0.5):
            pass
    assert _files_in(tmp_path) == []


def _files_in(folder: Path) -> list[Path]:
    return list(folder.iterdir())


async def test_the_demo_channel_is_subscribed_and_the_webhook_points_at_the_bot(
    tmp_path: Path,
) -> None:
    settings = load_settings({"OEC_CHATOPS_DB": str(tmp_path / "demo.db")})
    async with embedded_demo(settings, task_seconds=0.5) as demo:
        subscribed = demo.container.store.subscriptions.for_channel("C0DEPLOYS")
        hooks = list(demo.sim.webhooks.webhooks.values())

    # oec.sh's projects, and the servers of the demo's oCore and deployERP (issue 14).
    others = {"ocore:eu-1", "ocore:us-1", "derp:eu-1", "derp:us-1"}
    assert {s.project_label for s in subscribed} == {
        p.slug for p in demo.sim.projects.values()
    } | others
    assert [h.url for h in hooks] == [f"{demo.bot_url}/webhooks/oec"]


def test_the_hints_are_the_grammars_own_help_lines() -> None:
    hints = command_hints()
    assert {h.syntax.split()[1] for h in hints} == {v.value for v in Verb}
    assert all(h.syntax.startswith("/oec ") and h.summary for h in hints)


async def test_every_example_on_the_page_parses_and_names_something_that_exists(
    tmp_path: Path,
) -> None:
    settings = load_settings({"OEC_CHATOPS_DB": str(tmp_path / "demo.db")})
    async with embedded_demo(settings, task_seconds=0.5) as demo:
        examples = demo_examples(demo.sim)
        labels = {
            f"{p.slug}/{e.name}"
            for p in demo.sim.projects.values()
            for e in demo.sim.environments_of(p.id)
        }

    assert tuple(examples) == demo.playground.examples
    for example in examples:
        command = parse_command(example.removeprefix("/oec "))
        assert command.env is None or command.env in labels, example


def test_demo_secrets_hide_themselves() -> None:
    secrets = DemoSecrets.generate()
    assert secrets.bot_token not in repr(secrets)
    assert secrets.rw_key not in repr(secrets)
