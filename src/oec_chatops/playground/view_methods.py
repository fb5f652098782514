"""`views.open`, `views.update` and `views.publish`: modals, and each user's Home tab.

A trigger_id is good for one modal, within 3 s of the interaction that carried it
(`expired_trigger_id`, `exchanged_trigger_id`); updates may name the view by id or by the
app's external_id and are refused with `hash_conflict` when the hash is stale.

`views.publish` needs no trigger: it replaces the Home tab of `user_id` (a known user, else
`user_not_found`), a view of type `home` with at most 100 blocks, kept as that user's one
Home view (same view id across publishes, as Slack does) and refused with `hash_conflict`
when a `hash` is given and stale.
"""

from __future__ import annotations

import dataclasses
import secrets

from oec_chatops.playground.api_args import Args, Method, Refusal, json_arg, text_arg
from oec_chatops.playground.block_rules import MODAL_BLOCK_LIMIT, find_block_problem
from oec_chatops.playground.chat_methods import with_slack_ids
from oec_chatops.playground.records import JsonDict
from oec_chatops.playground.traffic import OpenedView
from oec_chatops.playground.workspace import TRIGGER_LIFETIME, Workspace


def _read_view(args: Args, *, kind: str = "modal") -> JsonDict:
    view = json_arg(args, "view", error="invalid_arguments")
    if not isinstance(view, dict) or view.get("type") != kind:
        raise Refusal("invalid_arguments", messages=[f"[ERROR] view.type must be {kind}"])
    title = view.get("title")
    if kind == "modal" and (
        not isinstance(title, dict)
        or title.get("type") != "plain_text"
        or not 1 <= len(str(title.get("text", ""))) <= 24
    ):
        raise Refusal(
            "invalid_arguments",
            messages=["[ERROR] title must be plain_text of 1 to 24 characters"],
        )
    problem = find_block_problem(view.get("blocks"), limit=MODAL_BLOCK_LIMIT)
    if problem is not None:
        raise Refusal("invalid_arguments", messages=[problem.replace("/blocks", "/view/blocks")])
    if len(str(view.get("private_metadata", ""))) > 3000:
        raise Refusal("invalid_arguments", messages=["[ERROR] private_metadata is too long"])
    return dict(view) | {"blocks": with_slack_ids(view.get("blocks") or [])}


def _api(ws: Workspace, view: OpenedView) -> JsonDict:
    me = ws.identity
    return view.to_api(team_id=me.team_id, app_id=me.app_id, bot_id=me.bot_id)


def views_open(ws: Workspace, args: Args) -> JsonDict:
    trigger_id = text_arg(args, "trigger_id") or text_arg(args, "interactivity_pointer")
    trigger = ws.triggers.get(trigger_id or "")
    if trigger is None:
        raise Refusal("invalid_trigger_id")
    if trigger.used:
        raise Refusal("exchanged_trigger_id")
    if ws.clock.monotonic() - trigger.issued_at > TRIGGER_LIFETIME:
        raise Refusal("expired_trigger_id")
    view = _read_view(args)
    external_id = view.get("external_id") or None
    if external_id is not None and any(v.external_id == external_id for v in ws.views.values()):
        raise Refusal("duplicate_external_id")
    trigger.used = True
    opened = OpenedView(
        view_id=ws.new_id("V"),
        user_id=trigger.user_id,
        view=view,
        hash=f"{int(ws.clock.time())}.{secrets.token_hex(4)}",
        external_id=external_id,
    )
    ws.put_view(opened, opened=True)
    return {"ok": True, "view": _api(ws, opened)}


def views_update(ws: Workspace, args: Args) -> JsonDict:
    view_id = text_arg(args, "view_id")
    external_id = text_arg(args, "external_id")
    current = ws.views.get(view_id or "") if view_id else None
    if current is None and external_id is not None:
        current = next((v for v in ws.views.values() if v.external_id == external_id), None)
    if current is None or current.closed:
        raise Refusal("not_found")
    expected_hash = text_arg(args, "hash")
    if expected_hash is not None and expected_hash != current.hash:
        raise Refusal("hash_conflict")
    updated = dataclasses.replace(
        current,
        view=_read_view(args),
        hash=f"{int(ws.clock.time())}.{secrets.token_hex(4)}",
    )
    ws.put_view(updated, opened=False)
    return {"ok": True, "view": _api(ws, updated)}


def views_publish(ws: Workspace, args: Args) -> JsonDict:
    user_id = text_arg(args, "user_id")
    if user_id is None or user_id not in ws.users:
        raise Refusal("user_not_found")
    view = _read_view(args, kind="home")
    current = ws.homes.get(user_id)
    expected_hash = text_arg(args, "hash")
    if current is not None and expected_hash is not None and expected_hash != current.hash:
        raise Refusal("hash_conflict")
    published = OpenedView(
        view_id=current.view_id if current is not None else ws.new_id("V"),
        user_id=user_id,
        view=view,
        hash=f"{int(ws.clock.time())}.{secrets.token_hex(4)}",
    )
    ws.put_home(published)
    return {"ok": True, "view": _api(ws, published)}


VIEW_METHODS: dict[str, Method] = {
    "views.open": views_open,
    "views.update": views_update,
    "views.publish": views_publish,
}
