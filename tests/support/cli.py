"""The `oec-chatops` command line run as an operator runs it: `python -m oec_chatops` in a
child process with only the environment given, its exit status and both streams read back."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Mapping


async def run_cli(
    *args: str, env: Mapping[str, str], within: float = 20, stdin: str | None = None
) -> tuple[int, str, str]:
    """`python -m oec_chatops *args` under `env`, with `stdin` typed in: (exit status,
    stdout, stderr), awaited (no fixed wait) for at most `within` seconds."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "oec_chatops",
        *args,
        env=dict(env),
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(within):
        out, err = await proc.communicate(stdin.encode() if stdin is not None else None)
    return proc.returncode or 0, out.decode(), err.decode()
