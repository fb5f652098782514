"""The page reader on every documented shape (CONTRACT.md §4, §9.5) and on unknown ones."""

from __future__ import annotations

from typing import Any

import pytest

from oec_chatops.oec.errors import OecContractError
from oec_chatops.oec.pagination import read_page

EP = "GET /things"


def test_plain_array_is_one_page() -> None:
    page = read_page([{"id": "a"}, {"id": "b"}], endpoint=EP)
    assert (page.items, page.next_params, page.shape) == ([{"id": "a"}, {"id": "b"}], None, "array")


def test_cursor_page_with_more() -> None:
    body = {
        "data": [{"id": "a"}],
        "pagination": {"has_more": True, "next_cursor": "c2", "total": 3},
    }
    page = read_page(body, endpoint=EP)
    assert page.items == [{"id": "a"}]
    assert page.next_params == {"cursor": "c2"}
    assert (page.shape, page.total) == ("cursor", 3)


@pytest.mark.parametrize(
    "pagination",
    [
        {"has_more": False, "next_cursor": None, "total": 1},
        {"has_more": False, "next_cursor": "stale", "total": 1},  # has_more wins
        {"next_cursor": None},
        {"next_cursor": ""},
    ],
)
def test_cursor_page_last(pagination: dict[str, Any]) -> None:
    assert read_page({"data": [], "pagination": pagination}, endpoint=EP).next_params is None


def test_cursor_page_has_more_without_cursor_is_a_contract_error() -> None:
    body = {"data": [], "pagination": {"has_more": True, "next_cursor": None}}
    with pytest.raises(OecContractError, match="has_more=true but no next_cursor"):
        read_page(body, endpoint=EP)


def test_blog_shape() -> None:
    assert read_page({"data": [1], "next_cursor": "n"}, endpoint=EP).next_params == {"cursor": "n"}
    last = read_page({"data": [1], "next_cursor": None}, endpoint=EP)
    assert (last.next_params, last.shape) == (None, "blog")


@pytest.mark.parametrize(
    ("body", "next_params"),
    [
        ({"items": [1, 2], "total": 5, "page": 1, "page_size": 2}, {"page": 2, "page_size": 2}),
        ({"items": [5], "total": 5, "page": 3, "page_size": 2}, None),
        ({"items": [1, 2], "total": 42, "page": 1, "page_size": 2, "pages": 1}, None),  # pages wins
        (
            {"items": [1, 2], "total": 4, "page": 1, "page_size": 2, "pages": 2},
            {"page": 2, "page_size": 2},
        ),
        ({"items": [], "total": 9, "page": 2, "page_size": 2}, None),  # an empty page ends it
        ({"items": [1], "page": 1, "page_size": 1}, None),  # no total, no pages: one page
    ],
)
def test_page_number_shape(body: dict[str, Any], next_params: dict[str, int] | None) -> None:
    page = read_page(body, endpoint=EP)
    assert page.shape == "page"
    assert page.next_params == next_params


@pytest.mark.parametrize(
    ("body", "next_params"),
    [
        (
            {"items": [1, 2], "total": 3, "limit": 2, "offset": 0, "has_more": True},
            {"offset": 2, "limit": 2},
        ),
        ({"items": [3], "total": 3, "limit": 2, "offset": 2, "has_more": False}, None),
        ({"items": [1, 2], "total": 3, "limit": 2, "offset": 0}, {"offset": 2, "limit": 2}),
        ({"items": [], "total": 3, "limit": 2, "offset": 2, "has_more": True}, None),
    ],
)
def test_limit_offset_shape(body: dict[str, Any], next_params: dict[str, int] | None) -> None:
    page = read_page(body, endpoint=EP)
    assert page.shape == "offset"
    assert page.next_params == next_params


@pytest.mark.parametrize(
    "body",
    [
        {"results": [1], "count": 1},
        {"data": [1]},  # cursor page without its pagination block
        {"items": [1], "total": 1},  # neither page nor offset
        {"data": {"id": "a"}, "pagination": {}},
        {},
    ],
)
def test_unknown_object_shapes_name_endpoint_and_keys(body: dict[str, Any]) -> None:
    with pytest.raises(OecContractError) as info:
        read_page(body, endpoint=EP)
    assert EP in str(info.value)
    assert info.value.endpoint == EP
    for key in body:
        assert key in str(info.value)


@pytest.mark.parametrize("body", ["text", 42, None])
def test_non_list_bodies_are_contract_errors(body: Any) -> None:
    with pytest.raises(OecContractError, match="not a list or a page"):
        read_page(body, endpoint=EP)


def test_page_numbers_that_are_not_numbers() -> None:
    with pytest.raises(OecContractError, match="page/page_size"):
        read_page({"items": [], "page": "one", "page_size": 2}, endpoint=EP)
    with pytest.raises(OecContractError, match="offset/limit"):
        read_page({"items": [], "offset": None, "limit": 2}, endpoint=EP)


def test_a_cursor_that_is_an_object_is_refused() -> None:
    body = {"data": [], "pagination": {"has_more": True, "next_cursor": {"a": 1}}}
    with pytest.raises(OecContractError, match="next_cursor that is a dict"):
        read_page(body, endpoint=EP)
