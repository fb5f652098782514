"""A multi-workspace (OAuth) bot on loopback, and a person installing it through a browser.

`oauth_stack` is `running_stack` with the app's OAuth credentials instead of one workspace's
token and key; the fake Slack knows the app (client id, secret, Redirect URL). `install` walks
the browser's path: `/slack/install` (a 302 to Slack with the state, and the state cookie),
Slack's consent page (a 302 back with a code), `/slack/oauth_redirect` with the cookie.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg import sql

from oec_chatops.sim.keys import fingerprint
from oec_chatops.store.dialect import is_postgres_url
from tests.support.stack import RW_KEY, Stack, running_stack, sim_settings

CLIENT_ID = "1111111111.2222222222"
CLIENT_SECRET = "oauth-client-secret-for-the-tests-0123"
ENCRYPTION_KEY = "OWf7VL2oeyLOT-Kczhp5mubcU8Sz0OFpyelagvTXJvU="
OTHER_KEY = "EGZrt4Trp0at1uZ9TtpjiyRnCnmvdL7AM3V0heXmazM="
OAUTH_ENV = {
    "SLACK_CLIENT_ID": CLIENT_ID,
    "SLACK_CLIENT_SECRET": CLIENT_SECRET,
    "OEC_CHATOPS_ENCRYPTION_KEY": ENCRYPTION_KEY,
}
ONE_WORKSPACE = ("SLACK_BOT_TOKEN", "OEC_API_KEY", "OEC_API_KEY_RO", "OEC_WEBHOOK_SECRET")
"""What a one-workspace bot sets and a multi-workspace install must not."""

TEAM_A, TEAM_B = "T0ALPHA", "T0BRAVO"
KEY_B = "oec_live_rw_" + "B" * 20 + "b" * 23
KEYS = {TEAM_A: RW_KEY, TEAM_B: KEY_B}
CHANNELS = {TEAM_A: "C0DEPLOYS", TEAM_B: "C0GENERAL"}  # one channel each: a channel has one team


HOOK_SECRETS = {TEAM_A: "whsec-alpha-" + "a" * 24, TEAM_B: "whsec-bravo-" + "b" * 24}
"""Each workspace's oec.sh webhook signing secret."""


def hook_path(team: str) -> str:
    """The workspace's own webhook door."""
    return f"/webhooks/oec/{team}"


@contextlib.asynccontextmanager
async def oauth_stack(
    tmp_path: Path, *, sim_options: dict[str, Any] | None = None, **kwargs: Any
) -> AsyncIterator[Stack]:
    """The product with a multi-workspace bot; the simulator accepts both workspaces' keys
    (`sim_options`: more of its settings, e.g. `webhook_secret=None` to give each webhook
    created through its API a secret of its own, as oec.sh does)."""
    async with running_stack(
        tmp_path,
        sim=sim_settings(rw_keys=tuple(KEYS.values()), **(sim_options or {})),
        environ=OAUTH_ENV,
        drop=ONE_WORKSPACE,
        webhook_events=None,
        subscribe=False,
        **kwargs,
    ) as s:
        s.fake.installs.register_app(
            CLIENT_ID, CLIENT_SECRET, redirect_uri=f"{s.bot_url}/slack/oauth_redirect"
        )
        yield s


@dataclass(frozen=True)
class InstallStart:
    """What `/slack/install` gave the browser: where to go, and the state cookie."""

    authorize_url: str
    cookie: str


async def start_install(s: Stack, team: str) -> InstallStart:
    r = await s.http.get(f"{s.bot_url}/slack/install", params={"team": team})
    assert r.status_code == 302, r.text
    return InstallStart(r.headers["location"], r.headers["set-cookie"].split(";")[0])


async def consent(s: Stack, start: InstallStart) -> str:
    """The person allows the app on Slack's page: the URL Slack sends the browser back to."""
    r = await s.http.get(start.authorize_url)
    assert r.status_code == 302, r.text
    location = r.headers["location"]
    assert location.startswith(f"{s.bot_url}/slack/oauth_redirect?")
    return location


async def finish_install(s: Stack, redirect: str, start: InstallStart) -> httpx.Response:
    return await s.http.get(redirect, headers={"Cookie": start.cookie})


async def install(s: Stack, team: str, *, key: str | None = None) -> httpx.Response:
    """Install the app into `team` end to end; with `key`, the operator then sets its oec.sh key."""
    start = await start_install(s, team)
    r = await finish_install(s, await consent(s, start), start)
    assert r.status_code == 200, r.text
    if key is not None:
        assert s.c.workspaces is not None
        s.c.workspaces.set_key(team, key)
    return r


def fingerprints_at_sim(requests: list[dict[str, Any]]) -> set[str | None]:
    """Which keys the simulator saw (by fingerprint) in these requests."""
    return {r.get("key_fingerprint") for r in requests}


def key_print(team: str) -> str:
    return fingerprint(KEYS[team])


def raw_database(where: Path | str) -> bytes:
    """Everything the bot's database holds: on SQLite every byte on disk (`where` is the file
    or its directory; the file and its WAL), on PostgreSQL (`where` a URL) every row of every
    table as PostgreSQL prints it, which is what a dump of the database would contain."""
    if is_postgres_url(str(where)):
        return _every_row(str(where))
    path = Path(where)
    if path.is_dir():
        path = path / "bot.db"
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def _every_row(url: str) -> bytes:
    with psycopg.connect(url) as conn:
        tables = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        names = [str(t[0]) for t in tables.fetchall()]
        return b"\n".join(
            str(row[0]).encode()
            for name in names
            for row in conn.execute(
                sql.SQL("SELECT t::text FROM {} t").format(sql.Identifier(name))
            )
        )
