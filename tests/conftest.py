"""Shared fixtures: a whole running stack (simulator, fake Slack, bot) per test that asks for it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.ocore_helpers import OcoreStack, ocore_stack
from tests.support.ops_sim import OpsSim, ops_sim
from tests.support.stack import Stack, running_stack


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
