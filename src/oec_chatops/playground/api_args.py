"""Reading Web API arguments the way Slack does, whichever way the client sent them.

slack_sdk sends some methods as JSON (`chat.postMessage`, `chat.update`, `views.open`), some as
query parameters on a POST with an empty form body (`auth.test`, `chat.delete`), and reads with
GET and query parameters (`conversations.history`, `users.info`): booleans then arrive as
"1"/"0", and structured arguments (`blocks`, `metadata`, `view`) as JSON inside a string.
These helpers accept every one of those spellings and raise `Refusal` with Slack's error code.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from oec_chatops.playground.records import JsonDict

if TYPE_CHECKING:
    from oec_chatops.playground.workspace import Workspace

Args = dict[str, Any]
Method = Callable[["Workspace", Args], JsonDict]


class Refusal(Exception):
    """Slack said no: answered as `{"ok": false, "error": <error>}` with `status`."""

    def __init__(
        self,
        error: str,
        *,
        status: int = 200,
        messages: list[str] | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.messages = messages or []
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}

    def to_body(self) -> JsonDict:
        body: JsonDict = {"ok": False, "error": self.error}
        if self.messages:
            body["response_metadata"] = {"messages": self.messages}
        return body


def text_arg(args: Args, name: str) -> str | None:
    """A string argument; numbers sent in JSON (a ts as 1767225600.0001) are read as text."""
    value = args.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return value
    raise Refusal(
        "invalid_arguments", messages=[f"[ERROR] must be a string [json-pointer:/{name}]"]
    )


def required_text(args: Args, name: str, *, error: str = "invalid_arguments") -> str:
    value = text_arg(args, name)
    if value is None:
        raise Refusal(error, messages=[f"[ERROR] missing required field: {name}"])
    return value


def flag_arg(args: Args, name: str, *, default: bool = False) -> bool:
    """A boolean: JSON true/false, or "1"/"0"/"true"/"false" from a query string or form."""
    value = args.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes")


def int_arg(args: Args, name: str, *, default: int, low: int, high: int) -> int:
    value = args.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Refusal("invalid_arguments", messages=[f"[ERROR] {name} must be a number"]) from None
    return max(low, min(high, number))


def json_arg(args: Args, name: str, *, error: str) -> Any:
    """A structured argument, given as JSON or as a JSON string inside a form or query."""
    value = args.get(name)
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise Refusal(error, messages=[f"[ERROR] {name} is not valid JSON"]) from None
    return value
