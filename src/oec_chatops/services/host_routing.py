"""Which host's operations an environment's id belongs to: one rule for every optional call.

Quick updates and metrics exist on oec.sh only, so they are wired per host name, not through
`Platform`. With several hosts (`hosts.Hosts`) the id's `name:` prefix picks the host and the
host's own id is what is sent; with a single platform the one entry serves every id. A host with
no entry gets `ops` None and the caller says so: a prefixed id never reaches another host's API.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from oec_chatops.hosts import Hosts

T = TypeVar("T")
THIS_PLATFORM = "this platform"


@dataclass(frozen=True, slots=True)
class Routed(Generic[T]):
    """The host's operations (None: it has none), the host's own id, its name and display."""

    ops: T | None
    own_id: str
    name: str
    display: str


def route(by_host: Mapping[str, T], hosts: Hosts | None, env_id: str) -> Routed[T]:
    """Where `env_id` lives and what that host offers; raises `OecNotFound` for no known host."""
    if hosts is None:
        if len(by_host) != 1:
            return Routed(None, env_id, "", THIS_PLATFORM)
        name, ops = next(iter(by_host.items()))
        return Routed(ops, env_id, name, THIS_PLATFORM)
    host, own_id = hosts.split(env_id)
    return Routed(by_host.get(host.name), own_id, host.name, host.display)
