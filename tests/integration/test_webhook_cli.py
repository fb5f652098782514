"""`oec-chatops webhooks register | list` against the simulator served on loopback.

The secret oec.sh returns on creation is printed once, for the operator to copy into
OEC_WEBHOOK_SECRET, and appears in no log line and in no later listing.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from oec_chatops.adapters import webhook_admin
from oec_chatops.config import load_settings
from oec_chatops.playground import serve_on_loopback
from oec_chatops.sim import SimState, build_sim_app
from tests.support.cli import run_cli
from tests.support.stack import bot_environ, sim_settings

BOT_URL = "https://chatops.example.com/webhooks/oec"


@pytest.fixture
async def sim(tmp_path: Path) -> AsyncIterator[tuple[str, SimState]]:
    # No fixed webhook secret: the simulator generates one per webhook, as oec.sh does.
    app = build_sim_app(sim_settings(webhook_secret=None))
    async with serve_on_loopback(app, lifespan="on") as url:
        yield url, app.state.sim


def _environ(tmp_path: Path, sim_url: str) -> dict[str, str]:
    env = bot_environ(tmp_path, slack_url="http://127.0.0.1:9", sim_url=sim_url)
    env.pop("OEC_WEBHOOK_SECRET")
    return env


async def test_register_prints_the_secret_once_and_list_shows_the_webhook(
    tmp_path: Path, sim: tuple[str, SimState], caplog: pytest.LogCaptureFixture
) -> None:
    sim_url, state = sim
    settings = load_settings(_environ(tmp_path, sim_url))
    caplog.set_level(logging.DEBUG)

    out = io.StringIO()
    code = await webhook_admin.register(
        settings,
        url=BOT_URL,
        events=["deploy.started", "deploy.failed"],
        project_id=None,
        description="oec-chatops",
        out=out,
    )
    assert code == 0
    (created,) = state.webhooks.webhooks.values()
    assert created.url == BOT_URL
    assert list(created.events) == ["deploy.started", "deploy.failed"]
    printed = out.getvalue()
    assert created.id in printed
    assert printed.count(created.secret) == 1
    assert "OEC_WEBHOOK_SECRET" in printed

    listing = io.StringIO()
    assert await webhook_admin.list_webhooks(settings, out=listing) == 0
    shown = listing.getvalue()
    assert created.id in shown
    assert BOT_URL in shown
    assert "deploy.started, deploy.failed" in shown
    assert "active" in shown
    assert created.secret not in shown

    for record in caplog.records:
        assert created.secret not in repr(record.__dict__)


async def test_list_with_no_webhooks_says_so(tmp_path: Path, sim: tuple[str, SimState]) -> None:
    settings = load_settings(_environ(tmp_path, sim[0]))
    out = io.StringIO()
    assert await webhook_admin.list_webhooks(settings, out=out) == 0
    assert out.getvalue() == "no webhooks\n"


@pytest.mark.slow
async def test_the_cli_registers_and_lists_in_a_subprocess(
    tmp_path: Path, sim: tuple[str, SimState]
) -> None:
    sim_url, state = sim
    env = {**_environ(tmp_path, sim_url), "PATH": os.environ.get("PATH", "")}

    async def cli(*args: str) -> tuple[int, str, str]:
        return await run_cli("webhooks", *args, env=env)

    code, out, err = await cli("register", "--url", BOT_URL, "--events", "deploy.*")
    assert code == 1
    assert "unknown event 'deploy.*'" in err
    assert state.webhooks.webhooks == {}

    # Neither --url nor PUBLIC_URL: the CLI asks for one, and registers nothing.
    code, out, err = await cli("register")
    assert code == 2
    assert "--url" in err
    assert "PUBLIC_URL" in err
    assert state.webhooks.webhooks == {}

    # PUBLIC_URL is the default address: typed once, in the configuration.
    env["PUBLIC_URL"] = "https://chatops.example.com/"
    code, out, err = await cli("register")  # the default events
    assert code == 0, err
    (created,) = state.webhooks.webhooks.values()
    assert created.url == BOT_URL
    assert out.count(created.secret) == 1
    assert created.secret not in err

    code, out, err = await cli("list")
    assert code == 0, err
    assert created.id in out
    assert created.secret not in out + err

    # Without a full-access key the CLI says which variable is missing, and exits 2.
    env.pop("OEC_API_KEY")
    env.pop("SLACK_BOT_TOKEN")
    code, out, err = await cli("list")
    assert code == 2
    assert "OEC_API_KEY" in err
