"""Shared fixtures: a whole running stack (simulator, fake Slack, bot) per test that asks for it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.ocore_helpers import OcoreStack, ocore_stack
from tests.support.ops_sim import OpsSim, ops_sim
from tests.support.postgres import PG_MISSING, Cluster, session_cluster
from tests.support.stack import TEST_DB_ENV, Stack, running_stack


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    async with running_stack(tmp_path) as s:
        yield s


@pytest.fixture
async def ocore() -> AsyncIterator[OcoreStack]:
    """The oCore simulator on loopback and an adapter with a full token, on one ManualClock."""
    async with ocore_stack() as s:
        yield s


@pytest.fixture
async def ops() -> AsyncIterator[OpsSim]:
    """The oec.sh simulator on loopback and a client on it, on one ManualClock."""
    async with ops_sim() as s:
        yield s


@pytest.fixture(scope="session")
def pg_cluster() -> Cluster:
    """One throwaway PostgreSQL cluster for the whole session (tests/support/postgres.py)."""
    cluster = session_cluster()
    if cluster is None:
        pytest.skip(PG_MISSING)
    return cluster


@pytest.fixture
def pg_url(pg_cluster: Cluster) -> str:
    """A fresh, empty PostgreSQL database for this test."""
    return pg_cluster.fresh_database()


@pytest.fixture
def db_engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The engine of every stack this test starts (`stack_database` reads `OEC_TEST_DB`);
    `on_both_engines` parametrizes it. Skipped loudly where PostgreSQL is not installed."""
    engine: str = getattr(request, "param", "sqlite")
    if engine == "postgres" and session_cluster() is None:
        pytest.skip(PG_MISSING)
    monkeypatch.setenv(TEST_DB_ENV, engine)
    return engine


@pytest.fixture(params=["sqlite", "postgresql"])
def db_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a store lives, once per engine: an SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "bot.db")
    url: str = request.getfixturevalue("pg_url")
    return url


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say it at the end, in capitals, when PostgreSQL could not be tested here."""
    skipped = terminalreporter.stats.get("skipped", [])
    if any(PG_MISSING in str(getattr(r, "longrepr", "")) for r in skipped):
        terminalreporter.write_sep("!", "POSTGRESQL TESTS SKIPPED", red=True, bold=True)
        terminalreporter.write_line(PG_MISSING, red=True, bold=True)
