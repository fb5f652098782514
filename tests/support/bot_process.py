"""The bot as a child process (`python -m oec_chatops serve`), as it runs in production: for
the tests that kill it with SIGKILL, restart it, or run two replicas side by side."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx


@dataclass
class Bot:
    proc: subprocess.Popen[bytes]
    url: str
    log: Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def bot_process(environ: dict[str, str], tmp_path: Path, name: str) -> AsyncIterator[Bot]:
    """A started bot (its /healthz answers), killed on exit if still running; stderr (JSON
    logs) in `tmp_path/{name}.stderr`."""
    port = free_port()
    log = tmp_path / f"{name}.stderr"
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    with log.open("wb") as err:
        proc = subprocess.Popen(  # noqa: ASYNC220 - started once, then polled without blocking
            [sys.executable, "-m", "oec_chatops", "serve", "--host", "127.0.0.1"],
            env={**keep, **environ, "PORT": str(port), "LOG_FORMAT": "json"},
            stdout=subprocess.DEVNULL,
            stderr=err,
            cwd=tmp_path,
        )
    bot = Bot(proc, f"http://127.0.0.1:{port}", log)
    try:
        async with httpx.AsyncClient(timeout=1) as http, asyncio.timeout(15):
            while True:
                assert proc.poll() is None, log.read_text()
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get(bot.url + "/healthz")).status_code == 200:
                        break
                await asyncio.sleep(0.05)
        yield bot
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
