"""Which subscriptions want an event: events and environment globs, `--only failures`. Pure.

What counts as a failure (`--only failures`), exactly:

- `deploy.failed` (a deployment, however the bot heard of it: webhook, poll or command);
- `backup.failed` and `automation_rule.failed`;
- `environment.status_changed` into `error` or `failed`;
- `monitoring.alert` while firing (any status but a resolved one, see `alert_state`).

Everything else (started, completed and cancelled deployments, created, deleted and ready
environments, servers, completed backups, resolved alerts) is not a failure. A cancelled
deployment is someone's decision, not an outcome to page anyone about.
"""

from __future__ import annotations

import fnmatch

from oec_chatops.store.rows import Subscription

FAILED_EVENTS = frozenset({"deploy.failed", "backup.failed", "automation_rule.failed"})
FAILED_ENV_STATUSES = frozenset({"error", "failed"})
RESOLVED_ALERT_STATUSES = frozenset({"resolved", "ok", "closed", "recovered", "cleared"})


def event_matches(patterns: tuple[str, ...], event: str) -> bool:
    return any(fnmatch.fnmatchcase(event, p) for p in patterns)


def env_matches(glob: str, env_name: str | None, env_id: str | None) -> bool:
    if glob == "*":
        return True
    candidates = [c.lower() for c in (env_name, env_id) if c]
    return any(fnmatch.fnmatchcase(c, glob.lower()) for c in candidates)


def alert_state(status: str | None) -> str:
    """`resolved` when the alert's status says it ended, else `firing` (an alert without a
    status is taken as firing: that is what an alert is when nothing says otherwise)."""
    return "resolved" if (status or "").strip().lower() in RESOLVED_ALERT_STATUSES else "firing"


def is_failure(event: str, status: str | None) -> bool:
    """Is this event a failure in the sense of `--only failures` (module docstring)?"""
    if event in FAILED_EVENTS:
        return True
    if event == "environment.status_changed":
        return (status or "").strip().lower() in FAILED_ENV_STATUSES
    if event == "monitoring.alert":
        return alert_state(status) == "firing"
    return False


def wants(sub: Subscription, event: str, *, failure: bool) -> bool:
    """Does `sub` ask for `event` (its environment glob is checked by the caller)?"""
    return event_matches(sub.events, event) and (failure or not sub.only_failures)
