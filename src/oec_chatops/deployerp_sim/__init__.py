"""A contract-faithful deployERP API simulator (seed 003, CONTRACT.md §3).

    from oec_chatops.deployerp_sim import DerpSimSettings, build_derp_sim_app
    app = build_derp_sim_app(DerpSimSettings(write_keys=(key,)))   # then run it under uvicorn

The API under `/v1`: Bearer keys at the documented levels (a wrong key is 401 `unauthorized`, a
Read key writing 403 `forbidden`), pagination exactly as pinned, actions that run over the
injected clock (pending → running → completed | failed) with 409 `conflict` for a second one,
`Idempotency-Key` replay, an hourly budget with a per-minute burst (`X-RateLimit-*`, 429 with
`Retry-After`), and Standard Webhooks deliveries to the configured URLs. Faults, the request
log and deliveries under `/_sim/` (see `deployerp_sim.admin`).
"""

from oec_chatops.deployerp_sim.app import build_derp_sim_app
from oec_chatops.deployerp_sim.settings import DerpSimSettings
from oec_chatops.deployerp_sim.state import DerpSimState

__all__ = ["DerpSimSettings", "DerpSimState", "build_derp_sim_app"]
