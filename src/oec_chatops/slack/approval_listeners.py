"""Approval card listeners: Approve / Reject / Cancel clicks and the reject-reason modal.

Each click is acked at once; the vote is applied by `services.approvals` in the background
(conditional updates in SQLite make concurrent clicks safe), and a click that changes nothing
gets an ephemeral sentence saying why.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import orjson
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError

from oec_chatops import policy
from oec_chatops.context import new_request_id, request_id_var
from oec_chatops.domain import ApprovalState
from oec_chatops.services import approvals
from oec_chatops.slack import blocks

if TYPE_CHECKING:
    from oec_chatops.container import Container

log = logging.getLogger(__name__)

APPROVAL_ACTION = r"^approval\.(approve|reject|cancel)$"
REJECT_VIEW = "approval.reject_reason"


def register_approvals(app: AsyncApp, c: Container) -> None:
    @app.action(re.compile(APPROVAL_ACTION))
    async def on_approval_click(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        user_id = (body.get("user") or {}).get("id", "")
        approval_id = str(action.get("value", ""))
        verb = str(action.get("action_id", "")).partition(".")[2]
        channel_id = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
            "channel_id", ""
        )
        rid = new_request_id()

        async def tell(text: str) -> None:
            await respond(text=text, response_type="ephemeral", replace_original=False)

        if verb == approvals.REJECT and body.get("trigger_id"):
            groups = await c.directory.groups_of(user_id)
            pending = c.store.approvals.get(approval_id)
            # Only a request that can still be rejected gets a modal; any other click goes
            # straight to the service, which explains why nothing changes.
            if (
                pending is not None
                and pending.state is ApprovalState.PENDING
                and c.clock.time() < pending.expires_at.timestamp()
                and policy.can_approve(c.policy, user_id, groups)
            ):
                try:
                    await c.slack.views_open(
                        trigger_id=body["trigger_id"],
                        view=blocks.render_reject_modal(
                            pending,
                            callback_id=REJECT_VIEW,
                            private_metadata=orjson.dumps(
                                {"approval_id": approval_id, "channel_id": channel_id}
                            ).decode(),
                        ),
                    )
                    return
                except SlackApiError as exc:
                    # No modal (expired trigger, missing scope): reject without a reason.
                    log.warning("approval.modal_failed", extra={"error": exc.response.get("error")})

        async def work() -> None:
            request_id_var.set(rid)
            outcome = await approvals.click(
                c, approval_id=approval_id, user_id=user_id, action=verb
            )
            if outcome.notice:
                await tell(outcome.notice)

        c.runner.spawn(work(), name="approval-click")

    @app.view(REJECT_VIEW)
    async def on_reject_reason(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        await ack()
        user_id = (body.get("user") or {}).get("id", "")
        meta = orjson.loads(view.get("private_metadata") or "{}")
        values = (view.get("state") or {}).get("values") or {}
        note = None
        for block in values.values():
            for field in block.values():
                if field.get("value"):
                    note = str(field["value"])[:500]
        rid = new_request_id()

        async def work() -> None:
            request_id_var.set(rid)
            outcome = await approvals.click(
                c,
                approval_id=meta.get("approval_id", ""),
                user_id=user_id,
                action=approvals.REJECT,
                note=note,
            )
            if outcome.notice and meta.get("channel_id"):
                try:
                    await c.slack.chat_postEphemeral(
                        channel=meta["channel_id"], user=user_id, text=outcome.notice
                    )
                except SlackApiError:
                    log.warning(
                        "approval.notice_failed", extra={"approval_id": meta.get("approval_id")}
                    )

        c.runner.spawn(work(), name="approval-reject")
