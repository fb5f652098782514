"""What a signed request on /slack/events must look like before Bolt is handed it.

Bolt indexes into the body without checking its shape (`body["view"]["type"]`,
`body["actions"][0]`, `"id" in body["user"]`), so a body it cannot read is an exception and a
500 with a traceback. A signed request comes from Slack or from someone holding the signing
secret; either way a body Slack would never send is the client's mistake: a 400 with a
sentence, decided here before Bolt sees it.

The body is parsed the way Bolt parses it (JSON when the content type says so or the text starts
with `{`; otherwise a form, whose `payload` field holds the JSON of an interaction), and then
checked for the fields Bolt's matchers and our listeners read. Pure: bytes in, a dict or a
`MalformedPayload` out.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from oec_chatops.errors import MalformedPayload

Body = dict[str, Any]


def parse_slack_body(raw: bytes, content_type: str | None) -> Body:
    """The request as a dict, or `MalformedPayload` (400) saying what is wrong with it."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedPayload("The body is not UTF-8.") from None
    media = (content_type or "").split(";")[0].strip().lower()
    if media == "application/json" or text.startswith("{"):
        body = _json_object(text, "The body")
        if not isinstance(body.get("type"), str):
            raise MalformedPayload("A JSON request from Slack has a `type`.")
    else:
        form = dict(parse_qsl(text, keep_blank_values=True))
        if "payload" in form:
            body = _json_object(form["payload"], "The `payload` field")
            if not isinstance(body.get("type"), str):
                raise MalformedPayload("An interaction payload has a `type`.")
        elif "command" in form or "ssl_check" in form:
            body = form
        else:
            raise MalformedPayload("The form is neither a slash command nor an interaction.")
    check_shape(body)
    return body


def _json_object(text: str, what: str) -> Body:
    try:
        value = json.loads(text)
    except ValueError:  # JSONDecodeError, and numbers too long to convert
        raise MalformedPayload(f"{what} is not valid JSON.") from None
    except RecursionError:
        raise MalformedPayload(f"{what} is nested too deeply.") from None
    if not isinstance(value, dict):
        raise MalformedPayload(f"{what} must be a JSON object.")
    return value


# -- shapes ------------------------------------------------------------------------------------


def _fail(path: str, expected: str) -> MalformedPayload:
    return MalformedPayload(f"`{path}` must be {expected}.")


def _optional(body: Body, key: str, kind: type | tuple[type, ...], expected: str) -> None:
    if key in body and body[key] is not None and not isinstance(body[key], kind):
        raise _fail(key, expected)


def _required(body: Body, key: str, kind: type, expected: str, path: str = "") -> Any:
    value = body.get(key)
    if not isinstance(value, kind):
        raise _fail(path or key, expected)
    return value


def _ref(body: Body, key: str) -> None:
    """`user`, `team`, `channel`, `enterprise`: absent, null, an id, or an object with an id."""
    value = body.get(key)
    if value is None or isinstance(value, str):
        return
    if not isinstance(value, dict):
        raise _fail(key, "an id or an object")
    _optional(value, "id", str, "a string")
    if key == "user":
        _optional(value, "team_id", str, "a string")


def _user(body: Body) -> None:
    user = _required(body, "user", dict, "an object with an id")
    _required(user, "id", str, "a string", "user.id")


def _actions(body: Body) -> list[Body]:
    """`actions`: Bolt hands a listener `actions[0]` as its `action`."""
    actions: list[Body] = _required(body, "actions", list, "a list of actions")
    if not actions or not all(isinstance(a, dict) for a in actions):
        raise _fail("actions", "a non-empty list of objects")
    return actions


def _block_actions(body: Body) -> None:
    _user(body)
    for action in _actions(body):
        _required(action, "action_id", str, "a string", "actions[].action_id")
        for key in ("block_id", "value"):
            _optional(action, key, str, "a string")
    for key in ("container", "message", "state"):
        _optional(body, key, dict, "an object")


def _view(body: Body) -> None:
    _user(body)
    view = _required(body, "view", dict, "an object")
    for key in ("id", "type", "callback_id"):
        _required(view, key, str, "a string", f"view.{key}")
    _optional(view, "private_metadata", str, "a string")
    state = view.get("state")
    if state is None:
        return
    if not isinstance(state, dict):
        raise _fail("view.state", "an object")
    values = state.get("values")
    if values is None:
        return
    if not isinstance(values, dict) or not all(
        isinstance(block, dict) and all(isinstance(field, dict) for field in block.values())
        for block in values.values()
    ):
        raise _fail("view.state.values", "an object of blocks of fields")


def _callback(body: Body) -> None:
    _required(body, "callback_id", str, "a string")


def _attachment_action(body: Body) -> None:
    _callback(body)
    _actions(body)


def _event(body: Body) -> None:
    event = _required(body, "event", dict, "an object")
    _required(event, "type", str, "a string", "event.type")


def _challenge(body: Body) -> None:
    _required(body, "challenge", str, "a string")


def _suggestion(body: Body) -> None:
    _required(body, "action_id", str, "a string")


_BY_TYPE: dict[str, Callable[[Body], None]] = {
    "block_actions": _block_actions,
    "view_submission": _view,
    "view_closed": _view,
    "interactive_message": _attachment_action,
    "dialog_submission": _callback,
    "dialog_cancellation": _callback,
    "dialog_suggestion": _callback,
    "shortcut": _callback,
    "message_action": _callback,
    "workflow_step_edit": _callback,
    "block_suggestion": _suggestion,
    "event_callback": _event,
    "url_verification": _challenge,
}

_STRINGS = (
    "command",
    "text",
    "user_id",
    "channel_id",
    "team_id",
    "enterprise_id",
    "response_url",
    "trigger_id",
)


def check_shape(body: Body) -> None:
    """Raise `MalformedPayload` if a field Bolt or our listeners read has the wrong shape."""
    for key in ("user", "team", "channel", "enterprise"):
        _ref(body, key)
    for key in _STRINGS:
        _optional(body, key, str, "a string")
    for key in ("view", "event", "message", "item", "previous_message", "assistant_thread"):
        _optional(body, key, dict, "an object")
    for key in ("authorizations", "response_urls"):
        items = body.get(key)
        if items is not None and (
            not isinstance(items, list) or not all(isinstance(i, dict) for i in items)
        ):
            raise _fail(key, "a list of objects")
    check = _BY_TYPE.get(str(body.get("type", "")))
    if check is not None:
        check(body)
