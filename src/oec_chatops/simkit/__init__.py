"""Plumbing shared by the three platform simulators (oec.sh `sim`, `ocore_sim`, `deployerp_sim`).

Each simulator keeps what its platform pins (routes, bodies, error shapes, limits); what every
stand-in API does the same way lives here once: the request log tests assert on
(`requestlog`, `gateway.log_request`), the base of their error answers (`errors`), the
idempotency cache (`idempotency`), calendar and sliding rate-limit windows (`windows`), and
the lifespan that runs a simulator's webhook delivery worker (`lifespan`).

Like the simulators, this is the outside world: it imports nothing of the bot's services,
Slack layer or store.
"""
