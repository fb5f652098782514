"""429 wait order (CONTRACT.md §9.4), Retry-After parsing and the retry backoff."""

from __future__ import annotations

import httpx
import pytest

from oec_chatops.httpapi.backoff import backoff_delay, parse_reset, parse_retry_after
from oec_chatops.oec.backoff import rate_limit_wait, seconds_to_next_minute

NOW = 1_767_225_615.0  # 2026-01-01T00:00:15Z


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("23", 23.0),
        (" 7 ", 7.0),
        ("1.5", 1.5),
        ("0", 0.0),
        ("-4", 0.0),
        ("Thu, 01 Jan 2026 00:00:45 GMT", 30.0),
        ("Thu, 01 Jan 2026 00:00:00 GMT", 0.0),  # already past
        (None, None),
        ("", None),
        ("soon", None),
        ("nan", None),
    ],
)
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == seconds


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("1767225660", 45.0), ("12", 12.0), ("1767225600", 0.0), ("x", None), (None, None)],
)
def test_parse_reset_takes_an_instant_or_a_delay(value: str | None, seconds: float | None) -> None:
    assert parse_reset(value, now=NOW) == seconds


def test_next_minute_is_one_second_past_the_boundary() -> None:
    assert seconds_to_next_minute(NOW) == 46.0
    assert seconds_to_next_minute(1_767_225_600.0) == 61.0


def _headers(**values: str) -> httpx.Headers:
    return httpx.Headers({k.replace("_", "-"): v for k, v in values.items()})


def test_retry_after_comes_first() -> None:
    headers = _headers(Retry_After="3", X_RateLimit_Reset="20")
    assert rate_limit_wait(headers, code="rate_limit_exceeded", body_retry_after=9, now=NOW) == 3


def test_reset_comes_before_the_body() -> None:
    headers = _headers(X_RateLimit_Reset="1767225625")
    assert rate_limit_wait(headers, code="rate_limit_exceeded", body_retry_after=9, now=NOW) == 10


def test_body_retry_after_when_no_header() -> None:
    wait = rate_limit_wait(_headers(), code="rate_limit_exceeded", body_retry_after=9, now=NOW)
    assert wait == 9
    assert rate_limit_wait(_headers(), code="x", body_retry_after="4", now=NOW) == 4


@pytest.mark.parametrize(
    ("code", "wait"),
    [
        ("rate_limit_exceeded", 46.0),
        ("something_new", 46.0),
        ("webhook_mutation_rate_limit", 60.0),
        ("target_rate_limit", 60.0),
        ("ip_blocked", 900.0),
    ],
)
def test_fallbacks_without_any_hint(code: str, wait: float) -> None:
    assert rate_limit_wait(_headers(), code=code, body_retry_after=None, now=NOW) == wait


def test_unusable_hints_fall_through() -> None:
    headers = _headers(Retry_After="later", X_RateLimit_Reset="soon")
    wait = rate_limit_wait(headers, code="rate_limit_exceeded", body_retry_after=True, now=NOW)
    assert wait == 46.0


def test_backoff_grows_is_capped_and_jittered() -> None:
    assert backoff_delay(1, rand=0.0) == 0.25
    assert backoff_delay(1, rand=1.0) == 0.5
    assert backoff_delay(2, rand=0.0) == 0.5
    assert backoff_delay(3, rand=0.5) == 1.5
    assert backoff_delay(20, rand=1.0) == 8.0
    assert backoff_delay(20, rand=0.0) == 4.0
