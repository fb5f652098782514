"""Approval card listeners: Approve / Reject / Cancel clicks and the reject-reason modal.

Slack waits 3 s for the ack, and the HTTP answer leaves only when the listener returns
(`process_before_response=True`), so each listener acks and returns at once: everything that
may wait on Slack or oec.sh (the clicker's groups, the reason modal, the vote and its action)
runs in the background, and what goes wrong there is told to the clicker in an ephemeral
message, never a 500. Conditional updates in SQLite make concurrent clicks safe.

A click decides only the request whose card it was made on (`Approval.shown_on`, checked by
`services.approvals.click`): the channel and, once known, the card's message ts. The reason
modal carries the channel and message of the Reject click that opened it.

The same buttons are on the clicker's App Home (`slack.blocks.home`). Such a click comes from a
view, not a message: no channel, no message, no response_url. It is recognised by its view (type
`home`, our callback id, drawn for this very user), decided by the same service, and answered
on the Home itself, which is published again at once with the outcome on top
(`services.home_refresh`); the channel card is updated by the service as for any click.

The reason modal: a trigger_id is valid for about 3 s after the click, so `views.open` is tried
at once, bounded by MODAL_BUDGET from the click. If Slack says no (expired trigger, missing
scope) the click rejects without a reason. If Slack does not answer in time, or the connection
fails, nobody knows whether the modal opened: nothing is rejected and the clicker is told so.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Protocol

import aiohttp
import orjson
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from oec_chatops.context import new_request_id, request_id_var, team_id_var
from oec_chatops.services import approvals
from oec_chatops.services.approvals import Approvals
from oec_chatops.services.runner import Runner
from oec_chatops.slack import blocks
from oec_chatops.slack.blocks.home import HOME_CALLBACK

log = logging.getLogger(__name__)


class HomeAnswers(Protocol):
    """Where a click made on the App Home is answered (`services.home_refresh`)."""

    async def answer_click(self, user_id: str, notice: str | None, team_id: str = "") -> None: ...


@dataclass(frozen=True, slots=True)
class ClickDesk:
    """What the approval listeners use: the approvals service, Slack (the reason modal, the
    clicker's notices), the runner their work after the ack runs on, and the Home."""

    approvals: Approvals
    slack: AsyncWebClient
    runner: Runner
    home: HomeAnswers | None = None
    # A multi-workspace install: the approvals service under each workspace's policy.
    teams: Callable[[str], Approvals] | None = None
    # ... and the workspace of a channel: a Home click decides only its workspace's requests.
    team_of: Callable[[str], str] | None = None

    def scoped(self) -> ClickDesk:
        """The desk of the workspace the click came from (`team_id_var`, set by the app)."""
        if self.teams is None:
            return self
        return replace(self, approvals=self.teams(team_id_var.get()))


APPROVAL_ACTION = r"^approval\.(approve|reject|cancel)$"
REJECT_VIEW = "approval.reject_reason"
MODAL_BUDGET = 2.5
"""Seconds from the click within which the reason modal must be open: Slack's trigger_id
expires after about 3 s, so a later `views.open` would fail anyway."""

MODAL_UNCONFIRMED = (
    "Slack did not answer in time to open the form for a reason, so nothing was rejected. "
    "If the form opened, submit it there; otherwise click Reject again."
)
OTHER_WORKSPACE = (
    "This request was made in another Slack workspace, so it cannot be decided from this "
    "one; nothing changed."
)
CLICK_FAILED = (
    "Something went wrong while applying your click. Check the card before clicking again."
)
TRANSPORT_ERRORS = (aiohttp.ClientError, TimeoutError, OSError)


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True, slots=True)
class Click:
    """One button press on an approval card, as Slack describes it."""

    approval_id: str
    verb: str
    user_id: str
    channel_id: str
    message_ts: str | None
    trigger_id: str
    home: bool = False  # made in the clicker's own App Home, not on a card


def from_home(body: dict[str, Any]) -> bool:
    """Was this click made in the clicker's App Home, as we drew it for them?

    Slack says where: the container is a view, the view is of type `home` and carries our
    callback id, and its metadata names the user it was drawn for, who must be the clicker."""
    view = _object(body.get("view"))
    if _object(body.get("container")).get("type") != "view" or view.get("type") != "home":
        return False
    try:
        meta = _object(orjson.loads(_text(view.get("private_metadata")) or "{}"))
    except orjson.JSONDecodeError:
        return False
    user = _text(_object(body.get("user")).get("id"))
    return view.get("callback_id") == HOME_CALLBACK and bool(user) and meta.get("user") == user


def read_click(body: dict[str, Any], action: dict[str, Any]) -> Click:
    """The click in a `block_actions` payload. Missing fields are empty (and then refused)."""
    container = _object(body.get("container"))
    return Click(
        approval_id=_text(action.get("value")),
        verb=_text(action.get("action_id")).partition(".")[2],
        user_id=_text(_object(body.get("user")).get("id")),
        channel_id=_text(_object(body.get("channel")).get("id"))
        or _text(container.get("channel_id")),
        message_ts=_text(container.get("message_ts"))
        or _text(_object(body.get("message")).get("ts"))
        or None,
        trigger_id=_text(body.get("trigger_id")),
        home=from_home(body),
    )


def from_other_workspace(c: ClickDesk, click: Click) -> bool:
    """Is this a Home click on a request of another workspace (a multi-workspace install)?

    A Home click needs no card (`Approval.shown_on`), so nothing else ties it to the request's
    channel: the request's channel must belong to the workspace the click came from
    (`team_id_var`), or it is refused. A channel of no known workspace belongs to none."""
    if not click.home or c.team_of is None:
        return False
    a = c.approvals.get(click.approval_id)
    return a is not None and c.team_of(a.channel_id) != team_id_var.get()


def refused_other_workspace(c: ClickDesk, click: Click) -> bool:
    """Refuse (and audit) a Home click on another workspace's request; True when refused."""
    if not from_other_workspace(c, click):
        return False
    c.approvals.steps.audit(
        actor=click.user_id,
        action=click.verb,
        a=click.approval_id,
        result="refused_other_workspace",
        team_id=team_id_var.get(),
    )
    return True


def read_reason(view: dict[str, Any]) -> tuple[dict[str, str], str | None]:
    """The reason modal's metadata (what its Reject click said) and the typed reason."""
    try:
        meta = orjson.loads(_text(view.get("private_metadata")) or "{}")
    except orjson.JSONDecodeError:
        meta = {}
    fields = {k: v for k, v in _object(meta).items() if isinstance(v, str)}
    note = None
    for block in _object(_object(view.get("state")).get("values")).values():
        for field in _object(block).values():
            value = _text(_object(field).get("value"))
            if value:
                note = value[:500]
    return fields, note


class Modal(enum.Enum):
    OPENED = "opened"
    NOT_OFFERED = "not_offered"  # the click cannot reject: the service says why
    REFUSED = "refused"  # Slack said no: reject without a reason
    UNCONFIRMED = "unconfirmed"  # no answer in time: nothing is rejected, the clicker is told


async def open_reason_modal(c: ClickDesk, click: Click, *, deadline: float) -> Modal:
    """Open the reason modal if this click may reject this request, by `deadline` (loop time)."""
    try:
        async with asyncio.timeout_at(deadline):
            pending = c.approvals.get(click.approval_id)
            # Only a request that can still be rejected from this card gets a modal; any other
            # click goes straight to the service, which explains why nothing changes.
            if (
                pending is None
                or not c.approvals.is_open(pending)
                or not (click.home or pending.shown_on(click.channel_id, click.message_ts))
            ):
                return Modal.NOT_OFFERED
            if not await c.approvals.may_reject(click.user_id):
                return Modal.NOT_OFFERED
            meta = {
                "approval_id": click.approval_id,
                "channel_id": click.channel_id,
                "message_ts": click.message_ts,
                "home": "yes" if click.home else "",
            }
            await c.slack.views_open(
                trigger_id=click.trigger_id,
                view=blocks.render_reject_modal(
                    pending, callback_id=REJECT_VIEW, private_metadata=orjson.dumps(meta).decode()
                ),
            )
            return Modal.OPENED
    except SlackApiError as exc:
        # No modal (expired trigger, missing scope): reject without a reason.
        log.warning("approval.modal_failed", extra={"error": exc.response.get("error")})
        return Modal.REFUSED
    except TRANSPORT_ERRORS as exc:
        log.warning("approval.modal_unconfirmed", extra={"error": type(exc).__name__})
        return Modal.UNCONFIRMED


async def apply_click(
    c: ClickDesk, click: Click, respond: AsyncRespond | None, *, deadline: float
) -> None:
    """Everything a click does after its ack; tells the clicker whatever went wrong."""

    async def tell(text: str) -> None:
        if click.home:
            await answer_on_home(c, click.user_id, text)
            return
        if respond is None:  # a click in some other view: Slack gave no response_url
            log.warning("approval.notice_undeliverable", extra={"approval_id": click.approval_id})
            return
        try:
            await respond(text=text, response_type="ephemeral", replace_original=False)
        except TRANSPORT_ERRORS as exc:
            log.warning("approval.notice_failed", extra={"error": type(exc).__name__})

    try:
        if refused_other_workspace(c, click):
            await tell(OTHER_WORKSPACE)
            return
        if click.verb == approvals.REJECT and click.trigger_id:
            modal = await open_reason_modal(c, click, deadline=deadline)
            if modal is Modal.OPENED:
                return
            if modal is Modal.UNCONFIRMED:
                await tell(MODAL_UNCONFIRMED)
                return
        outcome = await c.approvals.click(
            approval_id=click.approval_id,
            user_id=click.user_id,
            action=click.verb,
            channel_id=click.channel_id,
            message_ts=click.message_ts,
            home=click.home,
        )
    except Exception:
        # A bug of ours, not the clicker's mistake: logged in full, and the clicker is told.
        log.exception("approval.click_failed", extra={"approval_id": click.approval_id})
        await tell(CLICK_FAILED)
        return
    if outcome.notice or click.home:
        await tell(outcome.notice or _done(click.verb))


def _done(verb: str) -> str:
    """What a Home click that changed the request says on top of the Home."""
    return {
        approvals.APPROVE: "Your approval was counted; the card in its channel shows the rest.",
        approvals.CANCEL: "The request was cancelled.",
    }.get(verb, "The request was rejected.")


async def answer_on_home(c: ClickDesk, user_id: str, notice: str) -> None:
    """Publish the clicker's Home again with `notice` on top; never raises."""
    if c.home is None:
        log.warning("approval.home_click_without_home", extra={"user": user_id})
        return
    try:
        await c.home.answer_click(user_id, notice, team_id_var.get())
    except Exception:
        log.exception("approval.home_answer_failed", extra={"user": user_id})


def register_approvals(app: AsyncApp, desk: ClickDesk) -> None:
    @app.action(re.compile(APPROVAL_ACTION))
    async def on_approval_click(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: AsyncRespond | None,
    ) -> None:
        await ack()
        c = desk.scoped()
        if body.get("type") != "block_actions":
            return  # a legacy attachment action or dialog named like our buttons: not ours
        deadline = asyncio.get_running_loop().time() + MODAL_BUDGET
        click = read_click(body, action)
        request_id_var.set(new_request_id())
        c.runner.spawn(apply_click(c, click, respond, deadline=deadline), name="approval-click")

    @app.view(REJECT_VIEW)
    async def on_reject_reason(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        await ack()
        c = desk.scoped()
        user_id = _text(_object(body.get("user")).get("id"))
        meta, note = read_reason(view)
        request_id_var.set(new_request_id())

        async def work() -> None:
            home = bool(meta.get("home"))
            click = Click(
                meta.get("approval_id", ""), approvals.REJECT, user_id, "", None, "", home=home
            )
            if refused_other_workspace(c, click):
                await answer_on_home(c, user_id, OTHER_WORKSPACE)
                return
            try:
                outcome = await c.approvals.click(
                    approval_id=meta.get("approval_id", ""),
                    user_id=user_id,
                    action=approvals.REJECT,
                    channel_id=meta.get("channel_id", ""),
                    message_ts=meta.get("message_ts"),
                    note=note,
                    home=home,
                )
                notice = outcome.notice
            except Exception:
                log.exception(
                    "approval.click_failed", extra={"approval_id": meta.get("approval_id")}
                )
                notice = CLICK_FAILED
            if meta.get("home"):
                await answer_on_home(c, user_id, notice or _done(approvals.REJECT))
            elif notice and meta.get("channel_id"):
                try:
                    await c.slack.chat_postEphemeral(
                        channel=meta["channel_id"], user=user_id, text=notice
                    )
                except (SlackApiError, *TRANSPORT_ERRORS):
                    log.warning(
                        "approval.notice_failed", extra={"approval_id": meta.get("approval_id")}
                    )

        c.runner.spawn(work(), name="approval-reject")
