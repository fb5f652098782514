"""The Block Kit limits Slack enforces, so a message Slack would refuse is refused here too.

Slack answers `invalid_blocks` with a `response_metadata.messages` entry such as
`[ERROR] must be less than 76 characters [json-pointer:/blocks/0/elements/1/text/text]`;
`find_block_problem` returns that text, or None when the blocks are acceptable. Only the
rules a chatops message can break are checked (https://docs.slack.dev/reference/block-kit).
"""

from __future__ import annotations

from typing import Any

from oec_chatops import blockkit_limits as limits

MESSAGE_BLOCK_LIMIT = limits.MAX_BLOCKS
MODAL_BLOCK_LIMIT = limits.MAX_MODAL_BLOCKS

_BLOCK_TYPES = frozenset(
    {
        "actions",
        "context",
        "divider",
        "file",
        "header",
        "image",
        "input",
        "markdown",
        "rich_text",
        "section",
        "video",
        "table",
    }
)
INTERACTIVE_ELEMENTS = frozenset(
    {
        "button",
        "checkboxes",
        "datepicker",
        "datetimepicker",
        "timepicker",
        "overflow",
        "radio_buttons",
        "static_select",
        "external_select",
        "users_select",
        "conversations_select",
        "channels_select",
        "multi_static_select",
        "multi_users_select",
        "multi_conversations_select",
        "multi_channels_select",
        "plain_text_input",
        "number_input",
        "email_text_input",
        "url_text_input",
    }
)


class _Problem(Exception):
    def __init__(self, reason: str, pointer: str) -> None:
        super().__init__(f"[ERROR] {reason} [json-pointer:{pointer}]")


def find_block_problem(blocks: Any, *, limit: int = MESSAGE_BLOCK_LIMIT) -> str | None:
    """Slack's error text for the first rule `blocks` breaks, or None."""
    try:
        _check_blocks(blocks, limit)
    except _Problem as problem:
        return str(problem)
    return None


def _check_blocks(blocks: Any, limit: int) -> None:
    if not isinstance(blocks, list):
        raise _Problem("must be an array", "/blocks")
    if len(blocks) > limit:
        raise _Problem(f"no more than {limit} items allowed", "/blocks")
    block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        where = f"/blocks/{i}"
        if not isinstance(block, dict) or block.get("type") not in _BLOCK_TYPES:
            raise _Problem("unsupported type", f"{where}/type")
        _check_new_id(
            block.get("block_id"),
            block_ids,
            limits.MAX_BLOCK_ID,
            f"{where}/block_id",
            "block_id must be unique",
        )
        _check_block(block, where)


def _check_block(block: dict[str, Any], where: str) -> None:
    kind = block["type"]
    if kind == "header":
        _check_text(block.get("text"), limits.MAX_HEADER_TEXT, f"{where}/text", plain_only=True)
    elif kind == "section":
        if "text" not in block and "fields" not in block:
            raise _Problem("must provide either text or fields", where)
        if "text" in block:
            _check_text(block["text"], limits.MAX_SECTION_TEXT, f"{where}/text")
        fields = block.get("fields", [])
        if not isinstance(fields, list) or len(fields) > limits.MAX_FIELDS:
            raise _Problem(f"no more than {limits.MAX_FIELDS} items allowed", f"{where}/fields")
        for j, item in enumerate(fields):
            _check_text(item, limits.MAX_FIELD_TEXT, f"{where}/fields/{j}")
        if "accessory" in block:
            _check_elements([block["accessory"]], f"{where}/accessory", single=True)
    elif kind == "actions":
        elements = block.get("elements")
        if not isinstance(elements, list) or not 1 <= len(elements) <= limits.MAX_ACTIONS_ELEMENTS:
            raise _Problem(
                f"must provide 1 to {limits.MAX_ACTIONS_ELEMENTS} elements", f"{where}/elements"
            )
        _check_elements(elements, f"{where}/elements")
    elif kind == "context":
        elements = block.get("elements")
        if not isinstance(elements, list) or not 1 <= len(elements) <= limits.MAX_CONTEXT_ELEMENTS:
            raise _Problem(
                f"must provide 1 to {limits.MAX_CONTEXT_ELEMENTS} elements", f"{where}/elements"
            )
        for j, element in enumerate(elements):
            if isinstance(element, dict) and element.get("type") in ("plain_text", "mrkdwn"):
                _check_text(element, limits.MAX_CONTEXT_TEXT, f"{where}/elements/{j}")


def _check_elements(elements: list[Any], where: str, *, single: bool = False) -> None:
    action_ids: set[str] = set()
    for j, element in enumerate(elements):
        at = where if single else f"{where}/{j}"
        if not isinstance(element, dict) or not isinstance(element.get("type"), str):
            raise _Problem("must be an element object", at)
        if element["type"] not in INTERACTIVE_ELEMENTS:
            continue
        _check_new_id(
            element.get("action_id"),
            action_ids,
            limits.MAX_ACTION_ID,
            f"{at}/action_id",
            "action_id must be unique in the block",
        )
        if element["type"] == "button":
            _check_text(element.get("text"), limits.MAX_BUTTON_TEXT, f"{at}/text", plain_only=True)
            if "value" in element:
                _check_str(element["value"], limits.MAX_BUTTON_VALUE, f"{at}/value")
            if element.get("style") not in (None, "primary", "danger"):
                raise _Problem("must be one of primary, danger", f"{at}/style")


def _check_text(obj: Any, limit: int, where: str, *, plain_only: bool = False) -> None:
    allowed = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
    if not isinstance(obj, dict) or obj.get("type") not in allowed:
        raise _Problem(f"must be a text object of type {' or '.join(allowed)}", where)
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        raise _Problem("must be a non-empty string", f"{where}/text")
    if len(text) > limit:
        raise _Problem(f"must be less than {limit + 1} characters", f"{where}/text")


def _check_new_id(value: Any, seen: set[str], limit: int, where: str, repeated: str) -> None:
    """An optional id (block_id, action_id): when given, within its limit and not `seen`
    before; then seen."""
    if value is None:
        return
    _check_str(value, limit, where)
    if value in seen:
        raise _Problem(repeated, where)
    seen.add(value)


def _check_str(value: Any, limit: int, where: str) -> None:
    if not isinstance(value, str) or not value:
        raise _Problem("must be a non-empty string", where)
    if len(value) > limit:
        raise _Problem(f"must be less than {limit + 1} characters", where)
