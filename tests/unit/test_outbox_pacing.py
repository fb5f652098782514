"""The outbox's pure parts: what a failed Slack call proves, and the token buckets."""

from __future__ import annotations

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from oec_chatops.services.outbox.outcomes import Verdict, classify
from oec_chatops.services.outbox.pacing import SlackBudgets, TokenBucket


def _answer(
    status: int, body: dict[str, object], headers: dict[str, str] | None = None
) -> Exception:
    response = AsyncSlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.com/api/chat.postMessage",
        req_args={},
        data=body,
        headers=headers or {},
        status_code=status,
    )
    return SlackApiError("failed", response)


@pytest.mark.parametrize(
    ("exc", "verdict", "error"),
    [
        (_answer(200, {"ok": False, "error": "invalid_blocks"}), Verdict.REFUSED, "invalid_blocks"),
        (
            _answer(200, {"ok": False, "error": "not_in_channel"}),
            Verdict.DEAD_CHANNEL,
            "not_in_channel",
        ),
        (_answer(500, {"ok": False, "error": "internal_error"}), Verdict.UNKNOWN, "http_500"),
        (_answer(503, {"ok": False, "error": "service_unavailable"}), Verdict.UNKNOWN, "http_503"),
        (TimeoutError(), Verdict.UNKNOWN, "slack timed out"),
        (
            aiohttp.ServerDisconnectedError(),
            Verdict.UNKNOWN,
            "slack unreachable: ServerDisconnectedError",
        ),
        (
            aiohttp.ClientConnectorError(None, OSError(111, "refused")),  # type: ignore[arg-type]
            Verdict.REFUSED,
            "slack unreachable: ClientConnectorError",
        ),
    ],
)
def test_only_an_answer_or_a_connection_never_made_proves_nothing_was_posted(
    exc: Exception, verdict: Verdict, error: str
) -> None:
    failure = classify("chat.postMessage", exc)
    assert (failure.verdict, failure.error) == (verdict, error)


def test_a_429_says_how_long_to_wait() -> None:
    failure = classify(
        "chat.update",
        _answer(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "7"}),
    )
    assert (failure.verdict, failure.retry_after) == (Verdict.RATELIMITED, 7.0)
    no_header = classify("chat.update", _answer(429, {"ok": False, "error": "ratelimited"}))
    assert no_header.retry_after == 30.0


def test_a_bucket_lets_a_burst_through_then_paces_callers_in_order() -> None:
    bucket = TokenBucket(rate=1.0, burst=3, now=0.0)
    assert [bucket.reserve(0.0) for _ in range(5)] == [0.0, 0.0, 0.0, 1.0, 2.0]
    assert bucket.reserve(10.0) == 0.0  # refilled meanwhile (to its burst, no more)
    bucket.empty(10.0)
    assert bucket.reserve(10.0) == 1.0  # after a 429: no burst
    bucket.refund(10.0)
    assert bucket.reserve(11.0) == 0.0
    bucket.in_flight(4.0)  # half of a slow answer's time earns nothing
    assert bucket.reserve(12.0) == pytest.approx(2.0)


def test_no_rate_means_no_pacing_and_the_budgets_keep_headroom() -> None:
    assert TokenBucket(rate=None, burst=1, now=0.0).reserve(0.0) == 0.0
    budgets = SlackBudgets()
    assert budgets.post_rate() == pytest.approx(0.9)
    assert budgets.update_rate() == pytest.approx(50 / 60 * 0.9)
    assert SlackBudgets(posts_per_second=None).post_rate() is None
