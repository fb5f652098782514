"""A typed assignment mypy checks: `OcoreAdapter` satisfies `Platform` (never called at run time)."""

from __future__ import annotations

from oec_chatops.clock import Clock
from oec_chatops.ocore.adapter import OcoreAdapter
from oec_chatops.ocore.client import OcoreClient
from oec_chatops.platform import Platform


def as_platform(client: OcoreClient, clock: Clock) -> Platform:
    """The adapter as a `Platform`; mypy fails here if a method's signature drifts."""
    p: Platform = OcoreAdapter(client, clock=clock)
    return p
