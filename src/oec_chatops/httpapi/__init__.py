"""HTTP plumbing shared by the hosting-platform clients (oec.sh, oCore, deployERP).

Each platform keeps its own request loop, because what may be re-sent differs (oec.sh and
deployERP take idempotency keys, oCore does not) and so do the limits; what they share lives
here once: the httpx client policy and lifecycle (`lifecycle`), the request headers, transport
failures, redirects and attempt logs (`attempts`), the status → `OecError` class map
(`statuses`) and the bearer secret with a safe repr (`secret`).
"""
