"""A contract-faithful oCore API simulator (CONTRACT.md §2), in the style of `oec_chatops.sim`.

    from oec_chatops.ocore_sim import OcoreSimSettings, build_ocore_sim_app, mint_token
    token = mint_token(subject="bot", permissions=("read:instances", "manage:instances"))
    app = build_ocore_sim_app(OcoreSimSettings(tokens=(token,)))   # then run it under uvicorn

Bearer JWTs configured at start (wrong → 401, control without `manage:instances` → 403),
seeded servers `eu-1` / `us-1` with a production instance `shop-prod`, control actions that
move the status over the injected clock, faults and a request log under `/_sim/` (see `app`).
"""

from oec_chatops.ocore_sim.app import API_PREFIX, build_ocore_sim_app
from oec_chatops.ocore_sim.jwt import MANAGE, READ, mint_token
from oec_chatops.ocore_sim.settings import OcoreSimSettings
from oec_chatops.ocore_sim.state import OcoreSimState
from oec_chatops.ocore_sim.world import EU_1, SEED_SERVERS, US_1, seed_id

__all__ = [
    "API_PREFIX",
    "EU_1",
    "MANAGE",
    "READ",
    "SEED_SERVERS",
    "US_1",
    "OcoreSimSettings",
    "OcoreSimState",
    "build_ocore_sim_app",
    "mint_token",
    "seed_id",
]
