"""`oec-chatops sim --kind ocore` runs the oCore simulator; `--kind oec` stays the default."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from oec_chatops.cli import _parser
from oec_chatops.ocore_sim import MANAGE
from tests.support.ocore_helpers import SHOP_PROD
from tests.support.ops_helpers import child_environ, free_port


def test_kind_defaults_to_oec() -> None:
    assert _parser().parse_args(["sim", "--rw-key", "k"]).kind == "oec"
    args = _parser().parse_args(["sim", "--kind", "ocore", "--token", "a.b.c"])
    assert (args.kind, args.token) == ("ocore", ["a.b.c"])


@pytest.mark.slow
async def test_sim_kind_ocore_serves_the_api_with_the_printed_demo_tokens(
    tmp_path: Path,
) -> None:
    port = free_port()
    out_path = tmp_path / "sim.out"
    with out_path.open("wb") as out:
        proc = subprocess.Popen(  # noqa: ASYNC220, S603 - our own CLI, polled without blocking
            [sys.executable, "-m", "oec_chatops", "sim", "--kind", "ocore", "--port", str(port)],
            env=child_environ({}),
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        async with httpx.AsyncClient(base_url=base, timeout=1) as http:
            while True:
                assert proc.poll() is None, out_path.read_text()
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get("/_sim/faults")).status_code == 200:
                        break
                assert time.monotonic() < deadline, out_path.read_text()
                await asyncio.sleep(0.05)
            printed = out_path.read_text()
            token = next(
                line.rsplit(" ", 1)[1]
                for line in printed.splitlines()
                if line.startswith(f"oCore simulator token with {MANAGE}")
            )
            assert f"oCore API at {base}/api" in printed
            assert '"eu-1"' in printed
            auth = {"Authorization": f"Bearer {token}"}
            listed = await http.get("/api/instances", headers=auth)
            assert listed.json()["total"] == 5
            control = await http.post(
                f"/api/instances/{SHOP_PROD}/control", headers=auth, json={"action": "restart"}
            )
            assert control.status_code == 202
            assert (await http.get("/api/instances")).status_code == 401
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
