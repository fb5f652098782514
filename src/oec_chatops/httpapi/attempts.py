"""One HTTP attempt's edges, shared by the platform sessions: headers, failures, redirects, logs.

Why here and not in each session: what goes out with every request (who we are, which request
id), how a transport failure reads (with the secret redacted), that a redirect is refused rather
than followed (the key would go along) and what an attempt's log line holds are the same for
oec.sh, oCore and deployERP. What may be re-sent differs and stays in each session.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from oec_chatops import __version__
from oec_chatops.clock import Clock
from oec_chatops.context import current_request_id
from oec_chatops.httpapi.backoff import backoff_delay
from oec_chatops.oec.errors import OecContractError, OecRequestError, OecTimeout

USER_AGENT = f"oec-chatops/{__version__}"


def request_headers(authorization: str, request_id: str) -> dict[str, str]:
    """The headers every attempt carries; the caller adds idempotency headers of its own."""
    return {
        "Authorization": authorization,
        "Accept": "application/json",
        "User-Agent": USER_AGENT,
        "X-Request-ID": request_id,
    }


def transport_error(
    exc: httpx.RequestError,
    *,
    platform: str,
    endpoint: str,
    request_id: str,
    timeout: float,
    redact: Callable[[str], str],
) -> OecRequestError:
    """httpx's failure as ours: a timeout, or a platform that could not be reached."""
    if isinstance(exc, httpx.TimeoutException):
        return OecTimeout(
            f"{platform} did not answer {endpoint} within {timeout:g} s.",
            endpoint=endpoint,
            request_id=request_id,
        )
    detail = redact(str(exc)) or type(exc).__name__
    return OecRequestError(
        f"Could not reach {platform} for {endpoint}: {detail}.",
        endpoint=endpoint,
        request_id=request_id,
    )


@contextmanager
def transport_errors(
    *,
    platform: str,
    endpoint: str,
    request_id: str,
    timeout: float,
    redact: Callable[[str], str],
) -> Iterator[None]:
    """Turn httpx's exceptions into ours, keeping the cause (`raise ... from`)."""
    try:
        yield
    except httpx.RequestError as exc:
        raise transport_error(
            exc,
            platform=platform,
            endpoint=endpoint,
            request_id=request_id,
            timeout=timeout,
            redact=redact,
        ) from exc


def redirect_refused(
    *, platform: str, endpoint: str, status: int, request_id: str, credential: str, where: str
) -> OecContractError:
    """A 3xx is never followed: it means a proxy or a wrong URL, and the secret would go along."""
    return OecContractError(
        f"{platform} answered {endpoint} with a redirect (HTTP {status}); it was not "
        f"followed, so the {credential} stayed here. Check {where}.",
        endpoint=endpoint,
        request_id=request_id,
    )


def log_attempt(
    logger: logging.Logger,
    event: str,
    *,
    method: str,
    endpoint: str,
    attempt: int,
    started: float,
    status: int | None,
    request_id: str,
    error: str | None = None,
) -> None:
    """One line per attempt: template endpoint, status, attempt, duration; never a secret or id.

    WARNING for an attempt that got no answer or an error status, INFO otherwise.
    """
    fields: dict[str, object] = {
        "method": method,
        "endpoint": endpoint,
        "status": status,
        "attempt": attempt,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        "request_id": request_id,
    }
    if error is not None:
        fields["error"] = error
    failed = error is not None or status is None or status >= 400
    logger.log(logging.WARNING if failed else logging.INFO, event, extra=fields)


@dataclass(frozen=True, slots=True)
class RetryPacer:
    """How a session waits between attempts: a jittered backoff, and a logged pause.

    Shared by the oCore and deployERP sessions, which wait alike; each makes one with its own
    logger, event name, clock and random source (tests pass a `ManualClock` and a fixed rand).
    """

    logger: logging.Logger
    event: str
    clock: Clock
    rand: Callable[[], float]

    def backoff(self, attempt: int) -> float:
        """The jittered exponential wait before attempt `attempt + 1` (`backoff_delay`)."""
        return backoff_delay(attempt, rand=self.rand())

    async def pause(self, endpoint: str, attempt: int, reason: str, wait: float) -> None:
        """Log why and how long, then wait on the injected clock (tests see the exact waits)."""
        self.logger.warning(
            self.event,
            extra={
                "endpoint": endpoint,
                "attempt": attempt,
                "reason": reason,
                "wait_s": round(wait, 3),
                "request_id": current_request_id(),
            },
        )
        await self.clock.sleep(wait)
