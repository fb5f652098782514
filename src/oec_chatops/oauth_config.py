"""Which variables make the bot a multi-workspace (OAuth) install, and what such a bot refuses. Pure.

With `SLACK_CLIENT_ID`, `SLACK_CLIENT_SECRET` and `OEC_CHATOPS_ENCRYPTION_KEY` the bot serves
every workspace that installs it through `/slack/install`: each workspace's bot token comes from
its installation and its oec.sh key and policy from `oec-chatops workspace ...`. Fail closed:

- any one of the three set means "this is an OAuth bot", so a missing one stops start-up naming
  it, rather than the bot quietly falling back to one workspace, or to the demo;
- variables that configure *one* workspace (a bot token, an app-level token, an oec.sh key, a
  policy file, a platforms file, a webhook secret) are refused beside them: which workspace
  would they belong to? Guessing would hand one workspace's key or token to another.
"""

from __future__ import annotations

OAUTH_VARIABLES = ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "OEC_CHATOPS_ENCRYPTION_KEY")
"""All three, or none: the app's OAuth credentials and the key that seals stored secrets."""

OAUTH_NEEDS = (*OAUTH_VARIABLES, "SLACK_SIGNING_SECRET")
"""Slack's events reach an OAuth app over HTTP only (Socket Mode is for one workspace)."""

SINGLE_WORKSPACE_ONLY: dict[str, str] = {
    "SLACK_BOT_TOKEN": "each workspace's bot token comes from its installation",
    "SLACK_APP_TOKEN": "Socket Mode serves one workspace; an OAuth install uses /slack/events",
    "OEC_API_KEY": "each workspace sets its own key (`oec-chatops workspace set-key`)",
    "OEC_API_KEY_RO": "each workspace sets its own key (`oec-chatops workspace set-key`)",
    "OEC_CHATOPS_POLICY": "each workspace sets its own policy (`oec-chatops workspace set-policy`)",
    "OEC_CHATOPS_PLATFORMS": "an OAuth install serves oec.sh (OEC_API_URL) only",
    "OEC_WEBHOOK_SECRET": "each workspace has its own webhook secret and URL "
    "(`oec-chatops webhooks register --team T...`)",
}


def oauth_requested(present: frozenset[str]) -> bool:
    """Is any OAuth variable set (upper-case names of the variables that are set)?"""
    return bool(present & set(OAUTH_VARIABLES))


def oauth_problems(present: frozenset[str]) -> list[str]:
    """Every reason an OAuth bot configured with `present` must not start; empty means start."""
    problems: list[str] = []
    missing = [name for name in OAUTH_NEEDS if name not in present]
    if missing:
        found = ", ".join(n for n in OAUTH_VARIABLES if n in present)
        problems.append(
            f"missing {', '.join(missing)} ({found} set: a multi-workspace OAuth install needs "
            f"all of {', '.join(OAUTH_NEEDS)})"
        )
    for name, why in SINGLE_WORKSPACE_ONLY.items():
        if name in present:
            problems.append(f"{name} cannot be set with SLACK_CLIENT_ID ({why})")
    return problems
