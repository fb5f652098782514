"""API errors as sentences a Slack user can act on. Pure.

The client's exceptions carry the status, the API's code and message, and extra fields; this
is the one place that turns them into what we say in Slack. No key ever appears: the client's
messages do not contain one, we add none, and a key in a message built elsewhere is redacted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
from oec_chatops.slack.blocks.runtime_logs import runtime_limit_text

# A whole key (its token is 20-200 characters), not a mention of the prefix in a sentence.
_KEY = re.compile(r"oec_live_[A-Za-z0-9_-]{20,}")


@dataclass(frozen=True, slots=True)
class Explanation:
    message: str
    hint: str | None = None


def explain(exc: OecError, *, env_label: str | None = None, request_id: str = "") -> Explanation:
    """What to tell the user about an API failure.

    Without a `request_id` from the caller (an approval executed from a button click has no
    command to name), the one the client sent to oec.sh as X-Request-ID is shown: it finds the
    bot's log lines and the platform's alike. Some sentences quote the API's own message; the
    client redacts keys from what it parses, and a whole key is redacted here again, as the
    exception may have been built elsewhere. Hints are our own fixed sentences.
    """
    e = _explain(exc, env_label=env_label, request_id=request_id or exc.request_id)
    return Explanation(_KEY.sub("oec_live_[redacted]", e.message), e.hint)


def _explain(exc: OecError, *, env_label: str | None, request_id: str) -> Explanation:
    h = exc.host  # "oec.sh" unless `hosts.Hosts` says which platform answered
    where = f" on `{env_label}`" if env_label else ""
    ref = f" (request id `{request_id}`)" if request_id else ""
    if isinstance(exc, OecReadOnlyKey):
        return Explanation(
            f"The configured API key is read-only, so {h} refused the action.",
            "An admin should set OEC_API_KEY to a full-access key (`oec_live_rw_…`).",
        )
    if isinstance(exc, OecInvalidRequest):
        return Explanation(f"The bot refused to send that request: {exc}")
    if isinstance(exc, OecWaitTimeout):
        return Explanation(
            f"{h} did not finish the task in time{ref}.", "Follow it with `/oec status`."
        )
    if isinstance(exc, OecConfigError):
        return Explanation(
            str(exc), "An admin should check the bot's configuration (`oec-chatops check`)."
        )
    if isinstance(exc, OecAuthError):
        return Explanation(
            f"{h} refused the bot's API key (missing, invalid, expired or revoked).",
            "An admin should check OEC_API_KEY with `oec-chatops check`."
            if h == "oec.sh"
            else f"An admin should check {h}'s key with `oec-chatops check`.",
        )
    if isinstance(exc, OecPaymentRequired):
        return Explanation(
            f"{h} blocks API access for this organisation (subscription).",
            "The account owner should check billing in the oec.sh dashboard.",
        )
    if isinstance(exc, OecConflict):
        task = exc.task_id
        if exc.code == "concurrent_action":
            return Explanation(
                f"Another action is being queued{where} right now.", "Try again in a few seconds."
            )
        detail = f" (task `{task}`)" if task else ""
        return Explanation(
            f"Another action is already running{where}{detail}.",
            "Wait for it to finish, or follow it with `/oec status`.",
        )
    if isinstance(exc, OecNotFound):
        what = f"`{env_label}`" if env_label else "that"
        return Explanation(
            f"{h} does not know {what}, or the API key cannot see it.",
            "A project-scoped key only sees its own project." if h == "oec.sh" else None,
        )
    if isinstance(exc, OecForbidden):
        return Explanation(f"{h} refused{where}: {exc.message}")
    if isinstance(exc, OecRateLimited) and exc.code == "target_rate_limit":
        return Explanation(runtime_limit_text(exc.retry_after))
    if isinstance(exc, OecRateLimited):
        return Explanation(
            f"{h} is rate limiting us; retry in {int(exc.retry_after + 0.999)} s.",
        )
    if isinstance(exc, OecValidationError):
        return Explanation(f"{h} refused the request{where}: {exc.message}")
    if isinstance(exc, OecTimeout):
        return Explanation(f"{h} did not answer in time{ref}.", "Try again in a minute.")
    if isinstance(exc, OecServerError):
        return Explanation(
            f"{h} is having trouble (HTTP {exc.status}){ref}.", "Try again in a minute."
        )
    if isinstance(exc, OecRequestError):
        return Explanation(f"{h} cannot be reached{ref}.", "Try again in a minute.")
    if isinstance(exc, OecContractError):
        return Explanation(
            f"{h} sent an answer the bot does not understand{ref}.",
            "The details are in the bot's log.",
        )
    if isinstance(exc, OecResponseError):
        return Explanation(f"{h} answered HTTP {exc.status}{where}: {exc.message}{ref}")
    if h != "oec.sh" and exc.message:  # the adapter's own sentence (oCore: outcome unknown)
        return Explanation(f"{h}: {exc.message}{ref}")
    return Explanation(f"The {h} request failed{ref}.")
