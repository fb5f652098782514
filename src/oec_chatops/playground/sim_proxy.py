"""The page's fault buttons, passed on to the oec.sh simulator's control routes.

The page talks to one origin (the playground), which forwards to `<sim>/_sim/faults` and
`<sim>/_sim/reset` and hands back the simulator's own answer, status and all, so a bad fault
value gets the simulator's sentence. Nothing else of `/_sim/` is reachable this way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True, slots=True)
class SimAnswer:
    status: int
    body: Any


class SimUnreachable(Exception):
    """The simulator did not answer; the message names why, never a key (the routes need none)."""


class SimProxy:
    """Forwards fault changes to one simulator over an `httpx.AsyncClient` it does not own."""

    def __init__(self, sim_url: str, http: httpx.AsyncClient) -> None:
        self._base = sim_url.rstrip("/")
        self._http = http

    def __repr__(self) -> str:
        return f"SimProxy({self._base!r})"

    async def faults(self, changes: dict[str, Any] | None = None) -> SimAnswer:
        """The faults now, after applying `changes` (any subset of the simulator's fields)."""
        if changes is None:
            return await self._send("GET", "/_sim/faults", None)
        return await self._send("POST", "/_sim/faults", changes)

    async def reset(self) -> SimAnswer:
        """Faults off, rate-limit counters and request log cleared; projects stay as they are."""
        return await self._send("POST", "/_sim/reset", {})

    async def _send(self, verb: str, path: str, body: dict[str, Any] | None) -> SimAnswer:
        try:
            response = await self._http.request(verb, self._base + path, json=body)
        except httpx.HTTPError as exc:
            raise SimUnreachable(
                f"The oec.sh simulator did not answer ({type(exc).__name__})."
            ) from exc
        try:
            answer = response.json()
        except ValueError:
            answer = {"detail": response.text[:500]}
        return SimAnswer(response.status_code, answer)
