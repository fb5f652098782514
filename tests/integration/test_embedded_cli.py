"""`oec-chatops serve` with no credentials: the demo, which says on a non-loopback address that
it has no login, and never opens the database OEC_CHATOPS_DB names (the image sets it)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path


def _demo_stderr(tmp_path: Path, host: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OEC_"))}
    real_db = tmp_path / "data" / "oec-chatops.db"
    real_db.parent.mkdir()
    env["OEC_CHATOPS_DB"] = str(real_db)
    proc = subprocess.Popen(  # noqa: S603 - this interpreter, this package, the test's arguments
        # Port 0: the bot, the simulator and the playground each get a free port.
        [sys.executable, "-m", "oec_chatops", "serve", "--host", host, "--port", "0"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    lines: list[str] = []
    try:
        assert proc.stderr is not None
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line:
                break
            lines.append(line)
            if "Press Ctrl+C to stop" in line:
                break
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    assert list(real_db.parent.iterdir()) == []  # the real database was never created
    return "".join(lines)


def test_the_demo_on_every_interface_warns_it_has_no_login(tmp_path: Path) -> None:
    out = _demo_stderr(tmp_path, "0.0.0.0")  # noqa: S104 - the point of the test
    assert "it has no login" in out
    assert "Press Ctrl+C to stop" in out


def test_the_demo_on_loopback_does_not_warn(tmp_path: Path) -> None:
    out = _demo_stderr(tmp_path, "127.0.0.1")
    assert "no login" not in out
    assert "Press Ctrl+C to stop" in out


def test_the_demo_says_its_database_is_temporary_and_ignores_oec_chatops_db(
    tmp_path: Path,
) -> None:
    out = _demo_stderr(tmp_path, "127.0.0.1")
    database = next(line for line in out.splitlines() if "database:" in line)
    assert "temporary, deleted when the demo stops" in database
    assert f"OEC_CHATOPS_DB ({tmp_path / 'data' / 'oec-chatops.db'}) is ignored" in database
