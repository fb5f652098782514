"""Platform events other than deployments, as one short channel message each.

Deployment events (`deploy.*`) update the living deployment message instead
(`render_deployment`); they are still drawn here, plainly, so that nothing a subscription
delivers is ever dropped for lack of a renderer. Every field of a delivery may be missing
(CONTRACT.md §7.4.1), so each line reads well with only the event name.
"""

from __future__ import annotations

from oec_chatops.oec.models import EventData, WebhookEvent
from oec_chatops.slack.blocks.kit import (
    Message,
    code,
    context,
    cut,
    defuse_fences,
    escape,
    link,
    message,
    section,
    slack_date,
)
from oec_chatops.slack.blocks.statuses import UNKNOWN, env_emoji, task_emoji, task_word

MAX_EVENT_TEXT = 1500

_SEVERITY_EMOJI = {
    "critical": ":rotating_light:",
    "error": ":red_circle:",
    "warning": ":warning:",
    "info": ":information_source:",
}


def event_label(data: EventData) -> str:
    """`project/env` when both names came with the event, else whatever names it best."""
    if data.project_name and data.environment_name:
        return f"{data.project_name}/{data.environment_name}"
    return (
        data.environment_name
        or data.environment_id
        or data.project_name
        or data.project_id
        or "oec.sh"
    )


def render_event(event: WebhookEvent, *, env_label: str | None = None) -> Message:
    """One notification line for a webhook event.

    `env_label` overrides the label built from the payload, for services that resolved the
    environment (the payload may carry only ids).
    """
    d = event.data
    label = env_label or event_label(d)
    line, fallback = _describe(event.event.strip().lower(), d, label)
    details: list[str] = []
    if d.message and not event.event.startswith("monitoring."):
        details.append(escape(cut(d.message, MAX_EVENT_TEXT)))
    if d.error_message:
        details.append(f"```{escape(defuse_fences(cut(d.error_message, MAX_EVENT_TEXT)))}```")
    notes = [code(event.event)]
    if event.timestamp:
        notes.append(slack_date(event.timestamp))
    if d.environment_id:
        notes.append(f"environment {code(d.environment_id)}")
    text = "\n".join([line, *details])
    return message(fallback, [section(text), context(*notes)])


def _describe(name: str, d: EventData, label: str) -> tuple[str, str]:
    """The mrkdwn line and the plain fallback for one event."""
    where = code(label)
    url = f" · {link(d.url)}" if d.url else ""
    if name == "environment.status_changed":
        old, new = d.previous_status or "?", d.status or "?"
        return (
            f"{env_emoji(new)} {where}: {escape(old)} → *{escape(new)}*",
            f"{label}: {old} → {new}",
        )
    if name == "environment.created":
        branch = f" from branch {code(d.branch)}" if d.branch else ""
        return f":sparkles: {where} was created{branch}{url}", f"{label} was created"
    if name == "environment.deleted":
        return f":wastebasket: {where} was deleted", f"{label} was deleted"
    if name == "environment.ready":
        return f":large_green_circle: {where} is ready{url}", f"{label} is ready"
    if name.startswith("automation_rule."):
        outcome = name.removeprefix("automation_rule.")
        emoji = {"completed": ":white_check_mark:", "failed": ":x:"}.get(outcome, ":robot_face:")
        return (
            f"{emoji} Automation rule {escape(outcome)} on {where}",
            f"Automation rule {outcome} on {label}",
        )
    if name == "monitoring.alert":
        severity = (d.severity or "alert").lower()
        emoji = _SEVERITY_EMOJI.get(severity, ":warning:")
        what = escape(cut(d.message, MAX_EVENT_TEXT)) if d.message else "an alert was raised"
        return (
            f"{emoji} *{escape(severity.upper())}* on {where}: {what}",
            f"{severity.upper()} on {label}: {d.message or 'alert'}",
        )
    if name.startswith("deploy."):
        status = d.status or name.removeprefix("deploy.")
        return (
            f"{task_emoji(status)} Deployment of {where}: *{escape(task_word(status))}*{url}",
            f"Deployment of {label}: {task_word(status).lower()}",
        )
    if name.startswith("backup."):  # deployERP: the sentence (id, size) is in `message`
        failed = name == "backup.failed"
        emoji = ":x:" if failed else ":floppy_disk:"
        word = "failed" if failed else "completed"
        return f"{emoji} Backup of {where} {word}", f"Backup of {label} {word}"
    if name.startswith("server."):  # deployERP: a server (a group of environments)
        word = "removed" if name == "server.deleted" else "provisioned"
        project = d.project_name or d.project_id or "?"
        return f":desktop_computer: Server {code(project)} {word}", f"Server {project} {word}"
    if name == "ping":
        return ":wave: Test delivery from oec.sh received.", "Test delivery from oec.sh"
    return f"{UNKNOWN} {code(name)} on {where}", f"{name} on {label}"
