"""The fake Slack's scenario controls: named faults a test or the playground page switches on.

Split from `fake_slack.py`: these only record rules in `Faults`; the fake applies them when it
answers a call (`FakeSlack.call`).
"""

from __future__ import annotations

from oec_chatops.playground.faults import Faults, Late

RESPONSE_URL_METHOD = "response_url"  # the name response_url posts go by in calls() and rules


class FakeSlackScenarios:
    """Scenario controls of `FakeSlack` (which sets `_faults`)."""

    _faults: Faults

    def rate_limit(
        self, method: str, *, retry_after: int, times: int = 1, channel: str | None = None
    ) -> None:
        """Answer the next `times` calls of `method` with HTTP 429, `Retry-After` and `ratelimited`."""
        self._faults.rate_limit(method, retry_after=retry_after, times=times, channel=channel)

    def fail(
        self, method: str, *, error: str, times: int | None = None, channel: str | None = None
    ) -> None:
        """Answer calls of `method` with `{"ok": false, "error": error}`; `times=None`: all of them."""
        status = 404 if method == RESPONSE_URL_METHOD else 200
        self._faults.fail(method, error=error, times=times, channel=channel, status=status)

    def down(self, seconds_or_bool: float | bool = True) -> None:
        """Answer every call with 503: `True` until `down(False)`, a number for that many seconds."""
        self._faults.down(seconds_or_bool)

    def hang(
        self, method: str, *, seconds: float, times: int | None = 1, channel: str | None = None
    ) -> None:
        """Hold calls of `method` for `seconds`, then answer 503 having done nothing (the client
        gave up long before): Slack took the request and never acted on it."""
        self._faults.late(method, Late(seconds, applies=False), times=times, channel=channel)

    def answer_late(
        self, method: str, *, seconds: float, times: int | None = 1, channel: str | None = None
    ) -> None:
        """Do what the call asks at once, and answer only after `seconds`: a post that exists
        although the client timed out."""
        self._faults.late(method, Late(seconds, applies=True), times=times, channel=channel)

    def fail_after_applying(
        self, method: str, *, status: int = 500, times: int | None = 1, channel: str | None = None
    ) -> None:
        """Do what the call asks, then answer `status` (`internal_error`): a 5xx that posted."""
        self._faults.late(
            method, Late(0.0, applies=True, status=status), times=times, channel=channel
        )

    def limit(
        self, method: str, *, per_minute: float, burst: int = 1, per_channel: bool = False
    ) -> None:
        """Enforce Slack's rate limit for `method` on the fake's clock: `per_minute` calls per
        channel (`per_channel`) or per workspace, `burst` at once; over it, 429 + Retry-After."""
        self._faults.budget(method, per_minute=per_minute, burst=burst, per_channel=per_channel)

    @property
    def limited(self) -> int:
        """How many calls a `limit` answered with 429."""
        return self._faults.limited

    def clear_scenarios(self) -> None:
        self._faults.clear()

    def scenarios(self) -> list[dict[str, object]]:
        return self._faults.describe()
