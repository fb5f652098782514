"""The request bodies Slack sends an app, byte for byte in Slack's shape. Pure.

Slash commands arrive as a form (`application/x-www-form-urlencoded`, fields in Slack's
order); interactions (`block_actions`, `view_submission`) as a form with one field, `payload`,
holding compact JSON. The legacy verification `token` field is still sent by Slack; Bolt
ignores it in favour of the signature, and so should the bot.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from oec_chatops.playground.records import JsonDict

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
JSON_CONTENT_TYPE = "application/json"
SLACK_USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"
VERIFICATION_TOKEN = "playgroundLegacyVerification"  # noqa: S105 - public, deprecated field
TEAM_DOMAIN = "oec-playground"
API_APP_ID = "A0OECAPP"


def slash_command_body(
    *,
    text: str,
    user_id: str,
    user_name: str,
    channel_id: str,
    channel_name: str,
    team_id: str,
    response_url: str,
    trigger_id: str,
    command: str = "/oec",
    team_domain: str = TEAM_DOMAIN,
    api_app_id: str = API_APP_ID,
    verification_token: str = VERIFICATION_TOKEN,
) -> bytes:
    """The form Slack POSTs when a user runs `command text` in a channel."""
    return urlencode(
        [
            ("token", verification_token),
            ("team_id", team_id),
            ("team_domain", team_domain),
            ("channel_id", channel_id),
            ("channel_name", channel_name),
            ("user_id", user_id),
            ("user_name", user_name),
            ("command", command),
            ("text", text),
            ("api_app_id", api_app_id),
            ("is_enterprise_install", "false"),
            ("response_url", response_url),
            ("trigger_id", trigger_id),
        ]
    ).encode()


def _payload_form(payload: JsonDict) -> bytes:
    return urlencode({"payload": json.dumps(payload, separators=(",", ":"))}).encode()


def _user(user_id: str, user_name: str, team_id: str) -> JsonDict:
    return {"id": user_id, "username": user_name, "name": user_name, "team_id": team_id}


def block_actions_body(
    *,
    user_id: str,
    user_name: str,
    team_id: str,
    channel_id: str,
    channel_name: str,
    message_ts: str,
    action_id: str,
    block_id: str,
    value: str | None,
    response_url: str,
    trigger_id: str,
    message: JsonDict | None = None,
    is_ephemeral: bool = False,
    button: JsonDict | None = None,
    action_ts: str | None = None,
    state_values: JsonDict | None = None,
    team_domain: str = TEAM_DOMAIN,
    api_app_id: str = API_APP_ID,
    verification_token: str = VERIFICATION_TOKEN,
) -> bytes:
    """The `block_actions` payload Slack sends when a user clicks a button in a message.

    `message` is the clicked message as the Web API shows it; Slack leaves it out for an
    ephemeral message (`is_ephemeral`), where only the container names it. `button` is the
    element as rendered, whose `text` and `style` Slack echoes in the action.
    """
    action: JsonDict = {"action_id": action_id, "block_id": block_id}
    if button is not None:
        action.update({k: button[k] for k in ("text", "style", "url") if k in button})
    if value is not None:
        action["value"] = value
    action.update(type="button", action_ts=action_ts or message_ts)
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user_id, user_name, team_id),
        "api_app_id": api_app_id,
        "token": verification_token,
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel_id,
            "is_ephemeral": is_ephemeral,
        },
        "trigger_id": trigger_id,
        "team": {"id": team_id, "domain": team_domain},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": channel_name},
    }
    if not is_ephemeral:
        payload["message"] = message or {"type": "message", "ts": message_ts, "text": ""}
    payload.update(
        state={"values": state_values or {}},
        response_url=response_url,
        actions=[action],
    )
    return _payload_form(payload)


def app_home_opened_body(
    *,
    user_id: str,
    team_id: str,
    bot_user_id: str,
    event_id: str,
    event_time: int,
    im_channel_id: str,
    view: JsonDict | None = None,
    tab: str = "home",
    api_app_id: str = API_APP_ID,
    verification_token: str = VERIFICATION_TOKEN,
) -> bytes:
    """The Events API callback Slack POSTs (as JSON) when a user opens the app's Home tab.

    `view` is the Home view last published for the user, which Slack includes once there is
    one; `tab` is `home` or `messages` (the app's DM tab fires the same event).
    """
    event: JsonDict = {
        "type": "app_home_opened",
        "user": user_id,
        "channel": im_channel_id,
        "tab": tab,
        "event_ts": f"{event_time}.000100",
    }
    if view is not None:
        event["view"] = view
    payload: JsonDict = {
        "token": verification_token,
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }
    return json.dumps(payload, separators=(",", ":")).encode()


def view_block_actions_body(
    *,
    user_id: str,
    user_name: str,
    team_id: str,
    view: JsonDict,
    action_id: str,
    block_id: str,
    value: str | None,
    trigger_id: str,
    button: JsonDict | None = None,
    action_ts: str | None = None,
    team_domain: str = TEAM_DOMAIN,
    api_app_id: str = API_APP_ID,
    verification_token: str = VERIFICATION_TOKEN,
) -> bytes:
    """The `block_actions` payload Slack sends for a click in a view (a Home tab, a modal).

    Unlike a click in a message there is no `channel`, no `message` and no `response_url`:
    the container is the view, and the whole view (as `views.publish` answered it) is sent.
    """
    action: JsonDict = {"action_id": action_id, "block_id": block_id}
    if button is not None:
        action.update({k: button[k] for k in ("text", "style", "url") if k in button})
    if value is not None:
        action["value"] = value
    action.update(type="button", action_ts=action_ts or "0")
    payload: JsonDict = {
        "type": "block_actions",
        "user": _user(user_id, user_name, team_id),
        "api_app_id": api_app_id,
        "token": verification_token,
        "container": {"type": "view", "view_id": view.get("id", "")},
        "trigger_id": trigger_id,
        "team": {"id": team_id, "domain": team_domain},
        "enterprise": None,
        "is_enterprise_install": False,
        "view": view,
        "actions": [action],
    }
    return _payload_form(payload)


def view_submission_body(
    *,
    user_id: str,
    user_name: str,
    team_id: str,
    view: JsonDict,
    values: JsonDict,
    trigger_id: str,
    response_urls: list[JsonDict] | None = None,
    team_domain: str = TEAM_DOMAIN,
    api_app_id: str = API_APP_ID,
    verification_token: str = VERIFICATION_TOKEN,
) -> bytes:
    """The `view_submission` payload Slack sends when a user submits a modal.

    `view` is the modal as `views.open` answered it (id, callback_id, private_metadata, ...);
    `values` is `{block_id: {action_id: {"type": ..., "value": ...}}}`, Slack's state shape.
    """
    submitted = dict(view) | {"state": {"values": values}}
    payload: JsonDict = {
        "type": "view_submission",
        "team": {"id": team_id, "domain": team_domain},
        "user": _user(user_id, user_name, team_id),
        "api_app_id": api_app_id,
        "token": verification_token,
        "trigger_id": trigger_id,
        "view": submitted,
        "response_urls": response_urls or [],
        "is_enterprise_install": False,
        "enterprise": None,
    }
    return _payload_form(payload)
