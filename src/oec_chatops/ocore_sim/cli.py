"""`oec-chatops sim --kind ocore`: the oCore simulator alone, on uvicorn.

Without `--token` it mints two demo tokens (one with `manage:instances`, one read-only) and prints
them with the `servers` table for a platforms file: they sign into a local simulator only, so
showing them is the point, not a leak.
"""

from __future__ import annotations

import json
import sys
from typing import TextIO

from oec_chatops.ocore_sim.app import API_PREFIX, build_ocore_sim_app
from oec_chatops.ocore_sim.jwt import MANAGE, READ, mint_token
from oec_chatops.ocore_sim.settings import OcoreSimSettings
from oec_chatops.ocore_sim.world import SEED_SERVERS


def demo_tokens() -> tuple[str, str]:
    """(full, read-only) tokens signed with the simulator's default secret."""
    return (
        mint_token(subject="demo-manager", permissions=(READ, MANAGE)),
        mint_token(subject="demo-reader", permissions=(READ,)),
    )


def run(host: str, port: int, tokens: list[str], *, out: TextIO = sys.stdout) -> int:
    import uvicorn

    if not tokens:
        full, read_only = demo_tokens()
        tokens = [full, read_only]
        print(f"oCore simulator token with {MANAGE}: {full}", file=out)
        print(f"oCore simulator read-only token: {read_only}", file=out)
    try:
        settings = OcoreSimSettings(tokens=tuple(tokens))
    except ValueError as exc:
        print(f"oec-chatops sim --kind ocore: {exc}", file=sys.stderr)
        return 2
    print(f"oCore API at http://{host}:{port}{API_PREFIX}", file=out)
    print(f"servers = {json.dumps(SEED_SERVERS)}", file=out, flush=True)
    uvicorn.run(
        build_ocore_sim_app(settings), host=host, port=port, log_config=None, access_log=False
    )
    return 0
