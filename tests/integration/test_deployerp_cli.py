"""`oec-chatops sim --kind deployerp`: the simulator as a process, keys configured at start."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from oec_chatops.cli import main
from tests.support.derp_helpers import WEBHOOK_SECRET, WRITE_KEY


def test_without_a_key_it_refuses_to_start(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sim", "--kind", "deployerp", "--rw-key", "ignored_for_this_kind"]) == 2
    assert "--write-key" in capsys.readouterr().err


@pytest.mark.slow
async def test_it_serves_the_api_with_the_configured_key(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    stderr = tmp_path / "sim.stderr"
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    argv = ["sim", "--kind", "deployerp", "--port", str(port), "--write-key", WRITE_KEY]
    argv += ["--webhook-url", "http://127.0.0.1:9/hook", "--webhook-secret", WEBHOOK_SECRET]
    with stderr.open("wb") as err:
        proc = subprocess.Popen(  # noqa: ASYNC220, S603 - our own CLI, started once, polled
            [sys.executable, "-m", "oec_chatops", *argv], env=keep, stderr=err
        )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            async with asyncio.timeout(15):
                while True:
                    assert proc.poll() is None, stderr.read_text()
                    with contextlib.suppress(httpx.HTTPError):
                        answer = await http.get(
                            "/v1/servers", headers={"Authorization": f"Bearer {WRITE_KEY}"}
                        )
                        break
                    await asyncio.sleep(0.05)
            assert answer.status_code == 200
            assert [s["name"] for s in answer.json()["data"]] == ["us-1", "eu-1"]
            refused = await http.get("/v1/servers", headers={"Authorization": "Bearer nope"})
            assert refused.status_code == 401
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert WRITE_KEY not in stderr.read_text()
