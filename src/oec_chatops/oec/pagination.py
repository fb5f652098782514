"""Read one page of an oec.sh list answer, whatever its shape, and say how to ask for the next.

oec.sh lists come in five shapes (CONTRACT.md §4, §9.5): a cursor page
`{data, pagination{has_more, next_cursor, total}}`, a page-number page
`{items, total, page, page_size[, pages]}`, a limit/offset page `{items, total, limit, offset,
has_more}`, a plain array, and the blog's `{data, next_cursor}`. A body that fits none is an
`OecContractError` naming the endpoint and the keys seen: an empty list would hide a broken API.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from oec_chatops.oec.errors import OecContractError

Params = Mapping[str, str | int]


@dataclass(frozen=True, slots=True)
class Page:
    """The items of one page, and the query parameters of the next page (None: last page)."""

    items: list[Any]
    next_params: Params | None
    shape: str
    total: int | None = None


def read_page(body: Any, *, endpoint: str) -> Page:
    """Classify a list answer and find its continuation; raise OecContractError if it fits none."""
    if isinstance(body, list):
        return Page(items=body, next_params=None, shape="array")
    if not isinstance(body, dict):
        raise OecContractError(
            f"oec.sh answered {endpoint} with a {type(body).__name__}, not a list or a page.",
            endpoint=endpoint,
        )
    if isinstance(body.get("data"), list):
        if isinstance(body.get("pagination"), dict):
            return _cursor_page(body, endpoint)
        if "next_cursor" in body:
            return _blog_page(body, endpoint)
    if isinstance(body.get("items"), list):
        if "page" in body and "page_size" in body:
            return _number_page(body, endpoint)
        if "offset" in body and "limit" in body:
            return _offset_page(body, endpoint)
    raise OecContractError(
        f"oec.sh answered {endpoint} with a page of an unknown shape "
        f"(keys: {', '.join(sorted(map(str, body))) or 'none'}).",
        endpoint=endpoint,
    )


def _cursor_page(body: dict[str, Any], endpoint: str) -> Page:
    pagination: dict[str, Any] = body["pagination"]
    cursor = _cursor(pagination.get("next_cursor"), endpoint)
    has_more = pagination.get("has_more")
    if has_more is True and cursor is None:
        raise OecContractError(
            f"oec.sh answered {endpoint} with has_more=true but no next_cursor.",
            endpoint=endpoint,
        )
    more = cursor is not None and has_more is not False
    return Page(
        items=body["data"],
        next_params={"cursor": cursor} if more and cursor is not None else None,
        shape="cursor",
        total=_int(pagination.get("total")),
    )


def _blog_page(body: dict[str, Any], endpoint: str) -> Page:
    cursor = _cursor(body.get("next_cursor"), endpoint)
    return Page(
        items=body["data"],
        next_params={"cursor": cursor} if cursor is not None else None,
        shape="blog",
        total=_int(body.get("total")),
    )


def _number_page(body: dict[str, Any], endpoint: str) -> Page:
    items: list[Any] = body["items"]
    page, page_size = _int(body.get("page")), _int(body.get("page_size"))
    if page is None or page_size is None or page_size < 1:
        raise OecContractError(
            f"oec.sh answered {endpoint} with a page whose page/page_size are not numbers.",
            endpoint=endpoint,
        )
    total, pages = _int(body.get("total")), _int(body.get("pages"))
    # `pages` when given (backups); else the page must not have reached `total` yet
    more = page < pages if pages is not None else total is not None and page * page_size < total
    return Page(
        items=items,
        next_params={"page": page + 1, "page_size": page_size} if more and items else None,
        shape="page",
        total=total,
    )


def _offset_page(body: dict[str, Any], endpoint: str) -> Page:
    items: list[Any] = body["items"]
    offset, limit = _int(body.get("offset")), _int(body.get("limit"))
    if offset is None or limit is None:
        raise OecContractError(
            f"oec.sh answered {endpoint} with a page whose offset/limit are not numbers.",
            endpoint=endpoint,
        )
    total, has_more = _int(body.get("total")), body.get("has_more")
    if isinstance(has_more, bool):
        more = has_more
    else:
        more = total is not None and offset + len(items) < total
    return Page(
        items=items,
        next_params={"offset": offset + len(items), "limit": limit} if more and items else None,
        shape="offset",
        total=total,
    )


def _cursor(value: Any, endpoint: str) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str | int) and not isinstance(value, bool):
        return str(value)
    raise OecContractError(
        f"oec.sh answered {endpoint} with a next_cursor that is a {type(value).__name__}.",
        endpoint=endpoint,
    )


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None
