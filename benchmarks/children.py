"""What both benchmark scripts need of their subprocesses: a free loopback port, a sure stop.

Imported by `ack_latency.py` and `webhook_ingest.py` as a sibling module (each runs as
`python benchmarks/<script>.py`, so this folder is on `sys.path`).
"""

from __future__ import annotations

import signal
import socket
import subprocess


def free_port() -> int:
    """A port nothing listens on right now, on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop_child(proc: subprocess.Popen[bytes], *, timeout: float) -> None:
    """SIGTERM a child still running, and SIGKILL it if it is still there after `timeout`."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
