"""The bot's edges that are neither Slack listeners nor services: the oec.sh webhook route,
readiness probes, the `check`, `webhooks` and `db` commands' work.

Each takes the collaborators it uses (the store, the clock, the oec.sh client ...) and never the
container; `entrypoints` builds them from it. Above `services`, below `entrypoints` (the layers
contract in pyproject.toml).
"""
