"""Readiness: database writable, oec.sh reachable with our keys, Slack token valid.

Probes hit /readyz every few seconds; the outside checks are cached so probes do not eat the
API's rate limit or Slack's: a passing check is reused for a minute, a failing one for ten
seconds (so recovery shows soon), and concurrent probes share one call instead of each making
their own. The database check is local and runs every time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from oec_chatops.oec.errors import OecError

if TYPE_CHECKING:
    from oec_chatops.container import Container

OK_SECONDS = 60.0
FAIL_SECONDS = 10.0

Probe = Callable[[], Awaitable[tuple[bool, str]]]


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    detail: str
    at: float

    def as_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "detail": self.detail}


class Readiness:
    """The /readyz checks, with their cache. One instance per app."""

    def __init__(self, c: Container) -> None:
        self.c = c
        self._cache: dict[str, CheckResult] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def _cached(self, name: str, probe: Probe) -> CheckResult:
        lock = self._locks.setdefault(name, asyncio.Lock())
        async with lock:  # a probe arriving while one is in flight waits for its answer
            now = self.c.clock.monotonic()
            hit = self._cache.get(name)
            if hit is not None and now - hit.at < (OK_SECONDS if hit.ok else FAIL_SECONDS):
                return hit
            ok, detail = await probe()
            self._cache[name] = result = CheckResult(ok, detail, self.c.clock.monotonic())
            return result

    async def _oec(self) -> tuple[bool, str]:
        """One GET with each configured key, no retries: a probe must answer quickly."""
        try:
            reports = await self.c.oec.probe()
        except OecError as exc:
            return False, type(exc).__name__
        failed = [r for r in reports if not r.ok]
        if failed:
            return False, "; ".join(
                f"{r.slot.value} key: {r.status or 'no answer'} {r.code or ''}".strip()
                for r in failed
            )
        return True, ", ".join(f"{r.slot.value} key ok" for r in reports)

    async def _slack(self) -> tuple[bool, str]:
        try:
            response = await self.c.slack.auth_test()
        except SlackApiError as exc:
            return False, str(exc.response.get("error"))
        except Exception as exc:
            return False, f"unreachable: {type(exc).__name__}"
        return True, f"team {response.get('team_id')}"

    async def check(self) -> dict[str, dict[str, object]]:
        db_ok = self.c.store.writable()
        oec_result, slack_result = await asyncio.gather(
            self._cached("oec", self._oec), self._cached("slack", self._slack)
        )
        return {
            "database": {"ok": db_ok, "detail": "writable" if db_ok else "not writable"},
            "oec": oec_result.as_dict(),
            "slack": slack_result.as_dict(),
        }
