"""Readiness: database writable, oec.sh reachable with our keys, Slack token valid.

/readyz answers anyone who can reach the port, so it says only whether the bot is ready and
which checks fail (`{"ok": false, "failing": ["slack"]}`): no team id, no key tiers, no error
codes. The details go to the log, at WARNING, once each time a check's outcome changes (not on
every probe), and `oec-chatops check` prints them all on demand.

Probes hit /readyz every few seconds; the outside checks are cached so probes do not eat the
API's rate limit or Slack's: a passing check is reused for a minute, a failing one for ten
seconds (so recovery shows soon), and concurrent probes share one call instead of each making
their own. The database check is local and runs every time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from oec_chatops.clock import Clock
from oec_chatops.oec.client import OecClient
from oec_chatops.oec.errors import OecError
from oec_chatops.store import Store

log = logging.getLogger("oec_chatops.health")  # the name operators' log filters know

OK_SECONDS = 60.0
FAIL_SECONDS = 10.0

Probe = Callable[[], Awaitable[tuple[bool, str]]]


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    detail: str  # for the log and for tests; never in the /readyz answer
    at: float


@dataclass(frozen=True)
class ReadyReport:
    """Every check's outcome; `public()` is all that leaves the process over HTTP."""

    checks: dict[str, CheckResult]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.checks.values())

    @property
    def failing(self) -> list[str]:
        return [name for name, r in self.checks.items() if not r.ok]

    def public(self) -> dict[str, object]:
        return {"ok": self.ok, "failing": self.failing}


class Readiness:
    """The /readyz checks, with their cache. One instance per app."""

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        oec: OecClient | None,
        slack: AsyncWebClient,
        workspaces: bool = False,
    ) -> None:
        """`oec` is None when no oec.sh platform is configured (a platforms file without one):
        then there is no oec.sh to probe, and readiness must not fail for it."""
        self._store = store
        self._clock = clock
        self._oec_client = oec
        self._slack_client = slack
        # A multi-workspace install has no token of its own: Slack is probed for reachability
        # (`api.test`); each workspace's token is proven by its own requests.
        self._workspaces = workspaces
        self._cache: dict[str, CheckResult] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._logged: dict[str, tuple[bool, str]] = {}  # the last outcome each check logged

    async def _cached(self, name: str, probe: Probe) -> CheckResult:
        lock = self._locks.setdefault(name, asyncio.Lock())
        async with lock:  # a probe arriving while one is in flight waits for its answer
            now = self._clock.monotonic()
            hit = self._cache.get(name)
            if hit is not None and now - hit.at < (OK_SECONDS if hit.ok else FAIL_SECONDS):
                return hit
            ok, detail = await probe()
            self._cache[name] = result = CheckResult(ok, detail, self._clock.monotonic())
            return result

    async def _oec(self) -> tuple[bool, str]:
        """One GET with each configured key, no retries: a probe must answer quickly."""
        if self._oec_client is None:
            return True, "no oec.sh platform configured"
        try:
            reports = await self._oec_client.probe()
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
            if self._workspaces:
                await self._slack_client.api_test()
                return True, "reachable (tokens are per workspace)"
            response = await self._slack_client.auth_test()
        except SlackApiError as exc:
            return False, str(exc.response.get("error"))
        except Exception as exc:
            return False, f"unreachable: {type(exc).__name__}"
        return True, f"team {response.get('team_id')}"

    async def check(self, *, socket_mode: bool | None = None) -> ReadyReport:
        """Run (or reuse) every check. `socket_mode` is whether the Socket Mode WebSocket is
        connected, or None when the bot serves Slack over HTTP."""
        db_ok = self._store.writable()
        oec_result, slack_result = await asyncio.gather(
            self._cached("oec", self._oec), self._cached("slack", self._slack)
        )
        now = self._clock.monotonic()
        checks = {
            "database": CheckResult(db_ok, "writable" if db_ok else "not writable", now),
            "oec": oec_result,
            "slack": slack_result,
        }
        if socket_mode is not None:
            detail = "connected" if socket_mode else "connecting"
            checks["socket_mode"] = CheckResult(socket_mode, detail, now)
        self._log_changes(checks)
        return ReadyReport(checks)

    def _log_changes(self, checks: dict[str, CheckResult]) -> None:
        """A failing check's detail at WARNING, and its recovery, once per change of outcome:
        probes every few seconds must not repeat the same line."""
        for name, result in checks.items():
            outcome = (result.ok, result.detail)
            before = self._logged.get(name)
            if before is not None and (before == outcome or (before[0] and result.ok)):
                continue
            self._logged[name] = outcome
            if not result.ok:
                log.warning("readiness.failing", extra={"check": name, "detail": result.detail})
            elif before is not None:
                log.info("readiness.recovered", extra={"check": name})
