"""The organisation and the configured keys as oec.sh sees them (for `check`)."""

from __future__ import annotations

from typing import Any

from oec_chatops.oec.errors import OecContractError, OecError, OecResponseError
from oec_chatops.oec.keys import KeyReport
from oec_chatops.oec.ratelimit import Budget
from oec_chatops.oec.resource import ResourceBase
from oec_chatops.oec.session import Call


class OrgApi(ResourceBase):
    """`GET /org` and the per-key probe."""

    async def get_org(self) -> dict[str, Any]:
        """`GET /org` as a plain mapping (id, name, slug, plan and limits)."""
        route = self._route("GET", "/org")
        body, request_id = await self._json(self._read_call(route))
        if not isinstance(body, dict):
            raise OecContractError(
                f"oec.sh answered {route.endpoint} with a {type(body).__name__}, not an object.",
                endpoint=route.endpoint,
                request_id=request_id,
            )
        return body

    async def probe(self) -> list[KeyReport]:
        """One GET with each configured key: does it work, and what limits does oec.sh report.

        Never raises for a refused key or an unreachable API; the report says so. No retry:
        `check` should show what a first request meets.
        """
        reports = []
        route = self._route("GET", "/projects")
        for key in (self._rw, self._ro):
            if key is None:
                continue
            call = Call(
                method="GET",
                url=route.url,
                endpoint=route.endpoint,
                key=key,
                budgets=(Budget.READ,),
                retry_safe=True,
                params={"limit": 1},
                max_attempts=1,
            )
            status: int | None = None
            code: str | None = None
            message: str | None = None
            try:
                status = (await self._session.send(call)).status_code
            except OecResponseError as exc:
                status, code, message = exc.status, exc.code, exc.message
            except OecError as exc:
                message = exc.message
            seen = self._session.last_rate_limit(key.slot)
            reports.append(
                KeyReport(
                    slot=key.slot,
                    tier=key.tier,
                    ok=status is not None and 200 <= status < 300,
                    status=status,
                    code=code,
                    message=message,
                    rate_limit=seen.limit,
                    rate_remaining=seen.remaining,
                    rate_window=seen.window,
                )
            )
        return reports
