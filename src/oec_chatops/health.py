"""Readiness: database writable, oec.sh reachable with our key, Slack token valid.

Probes hit /readyz every few seconds; the outside checks are cached so probes do not eat the
API's rate limit or Slack's (one oec.sh read and one auth.test a minute at most).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from oec_chatops.oec.errors import OecError

if TYPE_CHECKING:
    from oec_chatops.container import Container

CACHE_SECONDS = 60.0


@dataclass
class _Cached:
    at: float
    ok: bool
    detail: str


class Readiness:
    def __init__(self, c: Container) -> None:
        self.c = c
        self._cache: dict[str, _Cached] = {}

    async def _cached(self, name: str, probe: object) -> _Cached:
        now = self.c.clock.monotonic()
        hit = self._cache.get(name)
        if hit is not None and now - hit.at < CACHE_SECONDS:
            return hit
        ok, detail = await probe()  # type: ignore[operator]
        self._cache[name] = result = _Cached(now, ok, detail)
        return result

    async def _oec(self) -> tuple[bool, str]:
        try:
            await self.c.oec.list_projects()
        except OecError as exc:
            return False, type(exc).__name__
        return True, "ok"

    async def _slack(self) -> tuple[bool, str]:
        try:
            response = await self.c.slack.auth_test()
        except SlackApiError as exc:
            return False, str(exc.response.get("error"))
        except Exception as exc:
            return False, type(exc).__name__
        return True, f"team {response.get('team_id')}"

    async def check(self) -> dict[str, dict[str, object]]:
        db_ok = self.c.store.writable()
        oec = await self._cached("oec", self._oec)
        slack = await self._cached("slack", self._slack)
        return {
            "database": {"ok": db_ok, "detail": "writable" if db_ok else "not writable"},
            "oec": {"ok": oec.ok, "detail": oec.detail},
            "slack": {"ok": slack.ok, "detail": slack.detail},
        }
