"""The image's HEALTHCHECK command, run as Docker would run it, against a live bot and a dead one.

No Docker engine here: the command is taken from the Dockerfile and run with the interpreter
the image has, with PORT set as the image sets it.
"""

from __future__ import annotations

import asyncio
import sys
from urllib.parse import urlsplit

import pytest

from tests.support.ops_helpers import ROOT, child_environ, free_port, parse_dockerfile
from tests.support.stack import Stack


def healthcheck() -> list[str]:
    stage = parse_dockerfile((ROOT / "Dockerfile").read_text(encoding="utf-8")).stages[-1]
    [check] = stage.all("HEALTHCHECK")
    command = check.exec_form()
    assert command[0] == "python"
    return [sys.executable, *command[1:]]


async def run(port: int) -> int:
    proc = await asyncio.create_subprocess_exec(
        *healthcheck(),
        env=child_environ({"PORT": str(port)}),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    return await asyncio.wait_for(proc.wait(), timeout=10)


@pytest.mark.slow
async def test_healthcheck_passes_on_a_live_bot_and_fails_on_a_dead_port(stack: Stack) -> None:
    port = urlsplit(stack.bot_url).port
    assert port is not None
    assert await run(port) == 0
    assert await run(free_port()) != 0
