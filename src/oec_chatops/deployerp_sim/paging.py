"""Pagination exactly as pinned: `page` (from 1), `per_page` (default 20, max 100), `sort`
(default `created_at`), `order` (`asc`/`desc`, default `desc`), answered
`{"data": [...], "meta": {"page", "per_page", "total", "total_pages"}}`. Out-of-range values are
422 `validation_error` naming the parameter, as a strict API would answer them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from oec_chatops.deployerp_sim.errors import invalid

SORT_FIELDS = ("created_at", "updated_at", "name", "id")


def _whole(query: Mapping[str, str], name: str, default: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise invalid(name, "must be a whole number.") from None


def paginate(
    items: Sequence[dict[str, Any]],
    query: Mapping[str, str],
    *,
    default_per_page: int,
    max_per_page: int,
) -> dict[str, Any]:
    page = _whole(query, "page", 1)
    per_page = _whole(query, "per_page", default_per_page)
    sort = query.get("sort", "created_at")
    order = query.get("order", "desc")
    if page < 1:
        raise invalid("page", "must be 1 or more.")
    if not 1 <= per_page <= max_per_page:
        raise invalid("per_page", f"must be from 1 to {max_per_page}.")
    if sort not in SORT_FIELDS:
        raise invalid("sort", f"must be one of {', '.join(SORT_FIELDS)}.")
    if order not in ("asc", "desc"):
        raise invalid("order", "must be asc or desc.")
    ordered = sorted(
        items, key=lambda item: (str(item.get(sort) or ""), item["id"]), reverse=order == "desc"
    )
    start = (page - 1) * per_page
    return {
        "data": ordered[start : start + per_page],
        "meta": {
            "page": page,
            "per_page": per_page,
            "total": len(ordered),
            "total_pages": max(1, math.ceil(len(ordered) / per_page)),
        },
    }
