"""`explain`: every API failure becomes a sentence a Slack user can act on, with no secret in it."""

from __future__ import annotations

import pytest

from oec_chatops.oec.errors import (
    OecAuthError,
    OecConfigError,
    OecConflict,
    OecContractError,
    OecError,
    OecForbidden,
    OecInvalidRequest,
    OecNotFound,
    OecPaymentRequired,
    OecRateLimited,
    OecReadOnlyKey,
    OecRequestError,
    OecResponseError,
    OecServerError,
    OecTimeout,
    OecValidationError,
    OecWaitTimeout,
)
from oec_chatops.services.explain import explain

ENV = "acme-shop/staging"
RID = "req_0123456789ab"
TASK = "7d1c2a70-3f5e-4c5b-9d1e-2b8f6f0a9c11"
KEY = "oec_live_rw_" + "S" * 40


def answer(cls: type[OecResponseError], status: int, code: str, **kw: object) -> OecResponseError:
    return cls(
        str(kw.pop("message", "The API said no.")),
        status=status,
        code=code,
        endpoint="POST /environments/{env_id}/deploy",
        request_id=str(kw.pop("request_id", "")),
        extra=kw.pop("extra", None),  # type: ignore[arg-type]
    )


def test_read_only_key_names_the_key_and_the_fix() -> None:
    e = explain(answer(OecReadOnlyKey, 403, "read_only_key"), env_label=ENV, request_id=RID)

    assert e.message.startswith("The configured API key is read-only")
    assert e.hint is not None
    assert "OEC_API_KEY" in e.hint
    assert "oec_live_rw_" in e.hint


def test_a_running_task_is_named_with_the_environment() -> None:
    exc = answer(OecConflict, 409, "task_in_progress", extra={"task_id": TASK})

    e = explain(exc, env_label=ENV, request_id=RID)

    assert e.message == f"Another action is already running on `{ENV}` (task `{TASK}`)."
    assert e.hint is not None
    assert "/oec status" in e.hint


def test_a_conflict_without_a_task_id_still_reads_well() -> None:
    e = explain(answer(OecConflict, 409, "conflict"), env_label=ENV)

    assert e.message == f"Another action is already running on `{ENV}`."


def test_an_action_being_queued_right_now_says_to_try_again() -> None:
    e = explain(answer(OecConflict, 409, "concurrent_action"), env_label=ENV)

    assert e.message == f"Another action is being queued on `{ENV}` right now."
    assert e.hint == "Try again in a few seconds."


def test_rate_limited_says_how_long_in_whole_seconds() -> None:
    exc = OecRateLimited(
        "Too many requests.", retry_after=12.2, status=429, code="rate_limit_exceeded"
    )

    assert explain(exc).message == "oec.sh is rate limiting us; retry in 13 s."


@pytest.mark.parametrize(
    ("exc", "start"),
    [
        (answer(OecServerError, 503, "enqueue_failed"), "oec.sh is having trouble (HTTP 503)"),
        (answer(OecServerError, 500, "internal_error"), "oec.sh is having trouble (HTTP 500)"),
        (OecTimeout("slow"), "oec.sh did not answer in time"),
        (OecRequestError("refused"), "oec.sh cannot be reached"),
        (OecContractError("odd"), "oec.sh sent an answer the bot does not understand"),
        (OecWaitTimeout("late", task_id=TASK, last_status="running"), "oec.sh did not finish"),
    ],
)
def test_outages_are_short_and_carry_the_request_id(exc: OecError, start: str) -> None:
    e = explain(exc, env_label=ENV, request_id=RID)

    assert e.message.startswith(start)
    assert f"(request id `{RID}`)" in e.message
    assert len(e.message) < 120
    assert "Traceback" not in e.message


def test_without_a_request_id_from_the_caller_the_one_sent_to_oec_is_shown() -> None:
    # An approved deploy runs from a button click, not a command: the id the client sent to
    # oec.sh is the one that finds the log lines.
    exc = answer(OecServerError, 503, "enqueue_failed", request_id="req_sent0to0oec")

    assert "(request id `req_sent0to0oec`)" in explain(exc, env_label=ENV).message


def test_the_callers_request_id_wins_over_the_exceptions() -> None:
    exc = answer(OecServerError, 503, "enqueue_failed", request_id="req_sent0to0oec")

    message = explain(exc, request_id=RID).message

    assert RID in message
    assert "req_sent0to0oec" not in message


def test_no_request_id_at_all_leaves_no_empty_reference() -> None:
    message = explain(OecRequestError("refused")).message

    assert message == "oec.sh cannot be reached."


@pytest.mark.parametrize(
    ("exc", "words"),
    [
        (answer(OecAuthError, 401, "invalid_key"), "refused the bot's API key"),
        (answer(OecPaymentRequired, 402, "payment_required"), "subscription"),
        (answer(OecNotFound, 404, "not_found"), f"does not know `{ENV}`"),
        (answer(OecForbidden, 403, "forbidden", message="Plan limit."), "Plan limit."),
        (answer(OecValidationError, 422, "validation_error", message="bad"), "refused the"),
        (OecInvalidRequest("module name"), "The bot refused to send that request"),
        (OecConfigError("No oec.sh API key is configured."), "No oec.sh API key"),
        (answer(OecResponseError, 418, "http_418", message="teapot"), "HTTP 418"),
    ],
)
def test_each_refusal_has_its_own_sentence(exc: OecError, words: str) -> None:
    assert words in explain(exc, env_label=ENV, request_id=RID).message


@pytest.mark.parametrize("cls", [OecForbidden, OecValidationError, OecResponseError])
def test_no_key_appears_even_if_an_answer_echoed_one(cls: type[OecResponseError]) -> None:
    # The client redacts what it parses; a message built elsewhere must not leak either.
    exc = answer(cls, 403, "forbidden", message=f"Key {KEY} may not do this.")

    e = explain(exc, env_label=ENV, request_id=RID)

    assert KEY not in e.message
    assert "oec_live_[redacted]" in e.message
