"""The thread reply that tells the requester how their approval request ended.

Slack notifies nobody when a message is edited, so the card changing to "Approved" or
"Rejected" reaches no one who is not looking at it. Each decided request therefore gets one
reply in the card's thread that @-mentions the requester: approved (and the action started),
rejected, expired, or approved but failed. A cancel is the requester's own doing and gets none.
"""

from __future__ import annotations

from oec_chatops.domain import Approval, ApprovalState
from oec_chatops.slack.blocks.kit import (
    MAX_FALLBACK_TEXT,
    Message,
    code,
    cut,
    escape,
    fit_mrkdwn,
    mention,
    message,
    section,
)

NOTIFIED_STATES = frozenset(
    {ApprovalState.DONE, ApprovalState.FAILED, ApprovalState.REJECTED, ApprovalState.EXPIRED}
)
"""The ends of a request its requester hears about in the card's thread."""


def render_approval_note(a: Approval) -> Message:
    """`<@requester>`, what happened to their request, and what to do next, in plain words."""
    who = mention(a.requested_by)
    what = f"{escape(a.verb)} of {code(a.env_label)}"
    by = f" by {mention(a.decided_by)}" if a.decided_by else ""
    approvers = ", ".join(mention(u) for u in a.approvers) or "nobody"
    said = escape(cut(a.decision_note, 500)) if a.decision_note else ""
    if a.state is ApprovalState.DONE:
        text = (
            f"{who} your {what} was approved by {approvers} and has started. "
            "Its progress is in the deployment message in this channel."
        )
    elif a.state is ApprovalState.FAILED:
        text = f"{who} your {what} was approved by {approvers}, but it failed" + (
            f": {said}" if said else "."
        )
    elif a.state is ApprovalState.REJECTED:
        text = f"{who} your {what} was rejected{by}; nothing was run." + (
            f" Reason: {said}" if said else ""
        )
    elif a.state is ApprovalState.EXPIRED and len(a.approvers) >= a.required:
        text = (
            f"{who} your {what} was approved by {approvers} but waited for a freeze or a lock "
            "past its expiry; nothing was run. Run the command again when it has ended."
        )
    elif a.state is ApprovalState.EXPIRED:
        text = (
            f"{who} your {what} expired before enough approvers agreed; nothing was run. "
            "Run the command again to ask anew."
        )
    else:  # not an end a requester is told about: say where it stands rather than nothing
        text = f"{who} your {what} is {a.state.value}."
    # The fallback `text` is what the notification shows and what pings: it keeps the mention
    # (`message` would escape it); every other part of it was escaped above.
    return {**message(text, [section(text)]), "text": fit_mrkdwn(text, MAX_FALLBACK_TEXT)}
