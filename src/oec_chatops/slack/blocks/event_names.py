"""Event names as people say them: "status changes", not `environment.status_changed`.

Text meant for people (what a channel is subscribed to, what `subscribe` just did) reads in
words; the exact names stay what commands accept and what the help's syntax shows, and a name
or pattern with no friendly form is shown exactly, in code, rather than guessed at.
"""

from __future__ import annotations

from collections.abc import Sequence

from oec_chatops.slack.blocks.kit import code

FRIENDLY_EVENTS: dict[str, str] = {
    "*": "all events",
    "deploy.*": "deployments",
    "deploy.started": "deployment starts",
    "deploy.completed": "completed deployments",
    "deploy.failed": "failed deployments",
    "deploy.cancelled": "cancelled deployments",
    "environment.*": "environment changes",
    "environment.created": "new environments",
    "environment.deleted": "deleted environments",
    "environment.status_changed": "status changes",
    "environment.ready": "environments becoming ready",
    "automation_rule.*": "automation rules",
    "automation_rule.triggered": "automation rules triggered",
    "automation_rule.completed": "automation rules completed",
    "automation_rule.failed": "failed automation rules",
    "monitoring.*": "monitoring alerts",
    "monitoring.alert": "monitoring alerts",
    "ping": "test deliveries",
}


def friendly_event(name: str) -> str:
    """Words for one event name or pattern; an unknown one in code, exactly as given."""
    return FRIENDLY_EVENTS.get(name.strip().lower()) or code(name)


def friendly_events(names: Sequence[str]) -> str:
    """`deployments and status changes`; "all events" for none. Repeats said once."""
    words: list[str] = []
    for name in names:
        word = friendly_event(name)
        if word not in words:
            words.append(word)
    if not words:
        return "all events"
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " and " + words[-1]
