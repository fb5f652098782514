"""Block Kit rendering: values in, Slack message bodies out. Pure.

Every `render_*` returns `{"text": <notification fallback>, "blocks": [...]}` within Slack's
limits (see `kit`), ready for `chat.postMessage`, `chat.update` or a `response_url`; the
caller adds `channel`, `thread_ts` or `response_type`. User and API text is escaped here.

One module per kind of message: `queries` (help, whoami, projects, envs, status), `logs`,
`deployments`, `approvals`, `events`, `subscriptions`, `replies`; `kit` holds the primitives
and limits, `statuses` the emoji and the progress bar.
"""

from oec_chatops.slack.blocks.alerts import render_alert
from oec_chatops.slack.blocks.approval_notes import NOTIFIED_STATES, render_approval_note
from oec_chatops.slack.blocks.approvals import (
    ACTION_APPROVE,
    ACTION_CANCEL,
    ACTION_REJECT,
    ACTIONS_BLOCK_ID,
    REJECT_REASON_ACTION,
    REJECT_REASON_BLOCK,
    render_approval,
    render_approvals_list,
    render_reject_modal,
)
from oec_chatops.slack.blocks.deployments import (
    ApprovalNote,
    message_link,
    render_action_accepted,
    render_deployment,
    render_deployment_note,
    render_failure_thread,
)
from oec_chatops.slack.blocks.digest import render_digest
from oec_chatops.slack.blocks.events import render_event
from oec_chatops.slack.blocks.kit import Message, View, escape, limit_violations, view_violations
from oec_chatops.slack.blocks.logs import render_logs
from oec_chatops.slack.blocks.queries import (
    HelpEntry,
    render_envs,
    render_help,
    render_projects,
    render_status,
    render_whoami,
)
from oec_chatops.slack.blocks.replies import (
    Denial,
    render_denied,
    render_did_you_mean,
    render_error,
    render_notice,
)
from oec_chatops.slack.blocks.subscriptions import (
    SubscriptionRow,
    render_subscribed,
    render_subscriptions,
    render_unsubscribed,
)

__all__ = [
    "ACTIONS_BLOCK_ID",
    "ACTION_APPROVE",
    "ACTION_CANCEL",
    "ACTION_REJECT",
    "NOTIFIED_STATES",
    "REJECT_REASON_ACTION",
    "REJECT_REASON_BLOCK",
    "ApprovalNote",
    "Denial",
    "HelpEntry",
    "Message",
    "SubscriptionRow",
    "View",
    "escape",
    "limit_violations",
    "message_link",
    "render_action_accepted",
    "render_alert",
    "render_approval",
    "render_approval_note",
    "render_approvals_list",
    "render_denied",
    "render_deployment",
    "render_deployment_note",
    "render_did_you_mean",
    "render_digest",
    "render_envs",
    "render_error",
    "render_event",
    "render_failure_thread",
    "render_help",
    "render_logs",
    "render_notice",
    "render_projects",
    "render_reject_modal",
    "render_status",
    "render_subscribed",
    "render_subscriptions",
    "render_unsubscribed",
    "render_whoami",
    "view_violations",
]
