"""The list shapes oec.sh answers in (CONTRACT.md §4, §9.5), over an in-memory list.

Cursors are opaque to clients: base64url of a small JSON object holding the offset.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Sequence
from typing import Any

from oec_chatops.sim.errors import invalid


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        offset = json.loads(raw)["o"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        offset = None
    if not isinstance(offset, int) or offset < 0:
        raise invalid(["query", "cursor"], "Value error, invalid cursor", value=cursor)
    return offset


def cursor_page(items: Sequence[Any], *, limit: int, cursor: str | None) -> dict[str, Any]:
    """Shape A: `{data, pagination: {has_more, next_cursor, total}}`."""
    start = decode_cursor(cursor) if cursor else 0
    end = start + limit
    has_more = end < len(items)
    return {
        "data": list(items[start:end]),
        "pagination": {
            "has_more": has_more,
            "next_cursor": encode_cursor(end) if has_more else None,
            "total": len(items),
        },
    }


def offset_page(items: Sequence[Any], *, limit: int, offset: int) -> dict[str, Any]:
    """Shape C: `{items, total, limit, offset, has_more}`."""
    return {
        "items": list(items[offset : offset + limit]),
        "total": len(items),
        "limit": limit,
        "offset": offset,
        "has_more": offset + limit < len(items),
    }


def numbered_page(items: Sequence[Any], *, page: int, page_size: int) -> dict[str, Any]:
    """Shape B: `{items, total, page, page_size, pages}`."""
    start = (page - 1) * page_size
    return {
        "items": list(items[start : start + page_size]),
        "total": len(items),
        "page": page,
        "page_size": page_size,
        "pages": max(1, math.ceil(len(items) / page_size)),
    }
