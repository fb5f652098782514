"""The Block Kit limits a finished body must keep, checked: `limit_violations()` for a message,
`view_violations()` for a modal, each as readable sentences and empty when Slack would accept it.

Apart from the builders in `kit` because it is the other side of them: the builders cut to the
limits, this reads a body whoever built it (tests run it on everything the renderers make).
"""

from __future__ import annotations

from typing import Any

from oec_chatops import blockkit_limits as limits

Block = dict[str, Any]
Message = dict[str, Any]
View = dict[str, Any]


def limit_violations(body: Message) -> list[str]:
    """Every Slack limit a message body breaks, as readable sentences; empty when postable."""
    problems: list[str] = []
    text = body.get("text")
    if not isinstance(text, str) or not text:
        problems.append("missing fallback text")
    elif len(text) > limits.MAX_MESSAGE_TEXT:
        problems.append(f"text has {len(text)} characters (max {limits.MAX_MESSAGE_TEXT})")
    blocks = body.get("blocks", [])
    if len(blocks) > limits.MAX_BLOCKS:
        problems.append(f"{len(blocks)} blocks (max {limits.MAX_BLOCKS})")
    for i, block in enumerate(blocks):
        problems.extend(f"block {i} ({block.get('type')}): {p}" for p in _block_problems(block))
    return problems


def view_violations(view: View) -> list[str]:
    """Every Slack limit a modal or Home view breaks; empty when `views.open` (a modal) or
    `views.publish` (a Home tab, which has no title) would accept it."""
    problems: list[str] = []
    kind = view.get("type")
    if kind not in ("modal", "home"):
        problems.append("neither a modal nor a Home tab")
    for key in ("title", "submit", "close"):
        if key in view or (key == "title" and kind == "modal"):
            problems += _text_problem(view.get(key), limits.MAX_VIEW_TITLE, key)
    if len(view.get("private_metadata", "")) > limits.MAX_PRIVATE_METADATA:
        problems.append("private_metadata too long")
    if len(view.get("callback_id", "")) > limits.MAX_CALLBACK_ID:
        problems.append("callback_id too long")
    blocks = view.get("blocks", [])
    if not 1 <= len(blocks) <= limits.MAX_MODAL_BLOCKS:
        problems.append(f"{len(blocks)} blocks (1 to {limits.MAX_MODAL_BLOCKS})")
    block_ids = [b.get("block_id") for b in blocks if b.get("block_id") is not None]
    if len(block_ids) != len(set(block_ids)):
        problems.append("block_ids are not unique")
    for i, block in enumerate(blocks):
        problems.extend(f"block {i} ({block.get('type')}): {p}" for p in _block_problems(block))
    return problems


def _text_problem(obj: Any, limit: int, what: str) -> list[str]:
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        return [f"{what} is not a text object"]
    n = len(obj["text"])
    if n == 0:
        return [f"{what} is empty"]
    return [f"{what} has {n} characters (max {limit})"] if n > limit else []


def _block_problems(block: Block) -> list[str]:
    kind = block.get("type")
    out: list[str] = []
    if len(block.get("block_id", "")) > limits.MAX_BLOCK_ID:
        out.append("block_id too long")
    if kind == "header":
        out += _text_problem(block.get("text"), limits.MAX_HEADER_TEXT, "header")
        if block.get("text", {}).get("type") != "plain_text":
            out.append("header text must be plain_text")
    elif kind == "section":
        if "text" not in block and "fields" not in block:
            out.append("section has neither text nor fields")
        if "text" in block:
            out += _text_problem(block["text"], limits.MAX_SECTION_TEXT, "text")
        fields = block.get("fields", [])
        if len(fields) > limits.MAX_FIELDS:
            out.append(f"{len(fields)} fields (max {limits.MAX_FIELDS})")
        for f in fields:
            out += _text_problem(f, limits.MAX_FIELD_TEXT, "field")
        if "accessory" in block:
            out += _element_problems(block["accessory"])
    elif kind == "context":
        elements = block.get("elements", [])
        if not 1 <= len(elements) <= limits.MAX_CONTEXT_ELEMENTS:
            out.append(f"{len(elements)} context elements (1 to {limits.MAX_CONTEXT_ELEMENTS})")
        for e in elements:
            out += _text_problem(e, limits.MAX_CONTEXT_TEXT, "context element")
    elif kind == "actions":
        elements = block.get("elements", [])
        if not 1 <= len(elements) <= limits.MAX_ACTIONS_ELEMENTS:
            out.append(f"{len(elements)} action elements (1 to {limits.MAX_ACTIONS_ELEMENTS})")
        for e in elements:
            out += _element_problems(e)
    elif kind == "input":
        out += _text_problem(block.get("label"), limits.MAX_INPUT_LABEL, "input label")
        if not isinstance(block.get("element"), dict):
            out.append("input has no element")
    elif kind != "divider":
        out.append(f"unexpected block type {kind!r}")
    return out


def _element_problems(element: dict[str, Any]) -> list[str]:
    if element.get("type") != "button":
        return []
    out = _text_problem(element.get("text"), limits.MAX_BUTTON_TEXT, "button text")
    if len(element.get("value", "")) > limits.MAX_BUTTON_VALUE:
        out.append("button value too long")
    if not 0 < len(element.get("action_id", "")) <= limits.MAX_ACTION_ID:
        out.append("button action_id missing or too long")
    confirm = element.get("confirm")
    if confirm is not None:
        out += _text_problem(confirm.get("title"), limits.MAX_CONFIRM_TITLE, "confirm title")
        out += _text_problem(confirm.get("text"), limits.MAX_CONFIRM_TEXT, "confirm text")
        out += _text_problem(confirm.get("confirm"), limits.MAX_CONFIRM_BUTTON, "confirm button")
        out += _text_problem(confirm.get("deny"), limits.MAX_CONFIRM_BUTTON, "deny button")
    return out
