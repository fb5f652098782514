"""A contract-faithful oec.sh Public API simulator (CONTRACT.md §5, §6, §7.4.1 and §9).

    from oec_chatops.sim import SimSettings, build_sim_app
    app = build_sim_app(SimSettings(rw_keys=(key,), ro_keys=()))   # then run it under uvicorn

Public API under `/api/public/v1` as the vendor's own client sees it: keys by tier, per-key
read/write limits, idempotency, one action per environment, tasks that move queued -> running
-> completed | failed | cancelled over `task_seconds` of the injected clock with "Step N/M"
logs, and webhook deliveries signed with `oec.signing.sign_oec_v1`, retried with backoff.
Control routes for tests under `/_sim/` (see `sim.admin`).

Error bodies come in every shape of §9.3, so clients must read all of them:

- `{"detail": {"error", "message", ...}}`: most errors (401, 403, 404 of projects, servers,
  environments and of a task in `/logs`, 409 `task_in_progress` with `task_id`, 429
  `webhook_mutation_rate_limit` and `target_rate_limit` with `retry_after`, 400
  `confirm_required` of a restore, 502 `server_unreachable`, 503 `enqueue_failed`);
- `{"detail": [{"loc", "msg", "type", ...}]}`: 422 request validation (query, path ids, bodies,
  the webhook URL rule, a duplicate environment name);
- `{"detail": "..."}`: an unknown backup, a restore of a backup not completed (400), and
  `GET /deployments/{id}` of an unknown task, unknown paths (404, e.g. any
  `/environments/{id}/actions/...`) and wrong methods (405);
- `{"error", "message", "details": {}, ...}`: 429 `rate_limit_exceeded` (with `retry_after`), 500
  `internal_error`, and 404 of an unknown webhook on every `/webhooks/{id}` route.
"""

from oec_chatops.sim.app import build_sim_app
from oec_chatops.sim.settings import SimSettings
from oec_chatops.sim.state import SimState

__all__ = ["SimSettings", "SimState", "build_sim_app"]
