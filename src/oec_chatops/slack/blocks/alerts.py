"""A monitoring alert as its own message: firing, or resolved (in the firing one's thread).

Not a deployment card and not the generic event line: an on-call channel reads the severity,
where, and what, first. oec.sh documents no alert payload; every field may be missing, and an
alert without a status is firing (`services.fanout.alert_state`).
"""

from __future__ import annotations

from oec_chatops.oec.models import WebhookEvent
from oec_chatops.slack.blocks.events import event_label
from oec_chatops.slack.blocks.kit import (
    Message,
    code,
    context,
    cut,
    escape,
    link,
    message,
    section,
    slack_date,
)

MAX_ALERT_TEXT = 1500
_SEVERITY_EMOJI = {
    "critical": ":rotating_light:",
    "error": ":red_circle:",
    "warning": ":warning:",
    "info": ":information_source:",
}


def render_alert(event: WebhookEvent, *, state: str, env_label: str | None = None) -> Message:
    """`state` is `firing` or `resolved`."""
    d = event.data
    label = env_label or event_label(d)
    severity = (d.severity or "alert").strip().lower()
    what = cut(d.message, MAX_ALERT_TEXT) if d.message else None
    if state == "resolved":
        line = f":white_check_mark: *Resolved* on {code(label)}"
        fallback = f"Resolved on {label}"
    else:
        emoji = _SEVERITY_EMOJI.get(severity, ":warning:")
        line = f"{emoji} *{escape(severity.upper())}* alert firing on {code(label)}"
        fallback = f"{severity.upper()} alert firing on {label}"
    if what:
        line += f"\n{escape(what)}"
        fallback += f": {what}"
    if d.url:
        line += f"\n{link(d.url)}"
    notes = [code(event.event), f"severity {code(severity)}"]
    if event.timestamp:
        notes.append(slack_date(event.timestamp))
    if d.alert_id:
        notes.append(f"alert {code(d.alert_id)}")
    return message(fallback, [section(line), context(*notes)])
