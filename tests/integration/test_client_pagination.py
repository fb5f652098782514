"""Every list shape of CONTRACT.md §4/§9.5 iterated across pages, against a fake oec.sh."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from oec_chatops.oec.client import OecClient
from oec_chatops.oec.errors import OecContractError, OecNotFound
from tests.support.oec_mock import Handler, answered_by, recording


def client_for(handler: Handler, seen: list[httpx.Request]) -> OecClient:
    return answered_by(recording(handler, seen))


def project(i: int) -> dict[str, Any]:
    return {"id": f"p{i}", "name": f"Project {i}"}


async def test_cursor_pages_are_followed_to_the_end() -> None:
    pages = {
        None: ([project(1), project(2)], "c2"),
        "c2": ([project(3), project(4)], "c3"),
        "c3": ([project(5)], None),
    }

    def handler(request: httpx.Request) -> httpx.Response:
        items, cursor = pages[request.url.params.get("cursor")]
        pagination = {"has_more": cursor is not None, "next_cursor": cursor, "total": 5}
        return httpx.Response(200, json={"data": items, "pagination": pagination})

    seen: list[httpx.Request] = []
    async with client_for(handler, seen) as client:
        projects = await client.list_projects()
    assert [p.id for p in projects] == ["p1", "p2", "p3", "p4", "p5"]
    assert [r.url.params.get("cursor") for r in seen] == [None, "c2", "c3"]
    assert all(r.url.params["limit"] == "100" for r in seen)
    assert seen[0].url.path == "/api/public/v1/projects"


async def test_page_number_pages_with_and_without_pages_field() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        body: dict[str, Any] = {
            "items": [project(page * 10 + 1), project(page * 10 + 2)][: 2 if page < 3 else 1],
            "total": 5,
            "page": page,
            "page_size": 2,
        }
        if page == 1:
            body["pages"] = 3
        return httpx.Response(200, json=body)

    seen: list[httpx.Request] = []
    async with client_for(handler, seen) as client:
        projects = await client.list_projects()
    assert [p.id for p in projects] == ["p11", "p12", "p21", "p22", "p31"]
    assert [r.url.params.get("page") for r in seen] == [None, "2", "3"]
    assert seen[1].url.params["page_size"] == "2"


async def test_limit_offset_pages_for_webhooks() -> None:
    hooks = [
        {"id": f"w{i}", "url": f"https://h.test/{i}", "events": ["deploy.completed"]}
        for i in range(5)
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        limit = 2  # the server caps the page below what we asked for
        items = hooks[offset : offset + limit]
        body = {
            "items": items,
            "total": len(hooks),
            "limit": limit,
            "offset": offset,
            "has_more": offset + limit < len(hooks),
        }
        return httpx.Response(200, json=body)

    seen: list[httpx.Request] = []
    async with client_for(handler, seen) as client:
        webhooks = await client.list_webhooks()
    assert [w.id for w in webhooks] == ["w0", "w1", "w2", "w3", "w4"]
    assert [r.url.params["offset"] for r in seen] == ["0", "2", "4"]
    assert seen[0].url.params["limit"] == "100"


async def test_plain_array_for_environments_with_status_filter() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/public/v1/projects/p1/environments"
        return httpx.Response(200, json=[{"id": "e1", "name": "staging", "status": "running"}])

    seen: list[httpx.Request] = []
    async with client_for(handler, seen) as client:
        envs = await client.list_environments("p1", status="Running")
    assert [(e.id, e.status) for e in envs] == [("e1", "running")]
    assert seen[0].url.params["status"] == "running"


async def test_blog_shape() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("cursor") == "n2":
            return httpx.Response(
                200, json={"data": [{"id": "s2", "name": "b"}], "next_cursor": None}
            )
        return httpx.Response(200, json={"data": [{"id": "s1", "name": "a"}], "next_cursor": "n2"})

    seen: list[httpx.Request] = []
    async with client_for(handler, seen) as client:
        servers = await client.list_servers()
    assert [s.id for s in servers] == ["s1", "s2"]
    assert len(seen) == 2


async def test_an_unknown_shape_is_a_contract_error_not_an_empty_list() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"results": [], "count": 0})

    async with client_for(handler, []) as client:
        with pytest.raises(OecContractError) as info:
            await client.list_projects()
    assert info.value.endpoint == "GET /projects"
    assert "results" in str(info.value)
    assert "count" in str(info.value)
    assert info.value.request_id


@pytest.mark.parametrize(
    "body",
    [
        {
            "data": [{"id": "p1", "name": "a"}],
            "pagination": {"has_more": True, "next_cursor": "same"},
        },
        {
            "items": [{"id": "p1", "name": "a"}],
            "total": 9,
            "limit": 1,
            "offset": 0,
            "has_more": True,
        },
    ],
)
async def test_a_server_that_repeats_its_continuation_does_not_loop(body: dict[str, Any]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, content=json.dumps(body), headers={"content-type": "application/json"}
        )

    seen: list[httpx.Request] = []
    async with client_for(handler, seen) as client:
        with pytest.raises(OecContractError, match="already given"):
            await client.list_projects()
    assert len(seen) <= 3


async def test_deployments_stop_once_the_limit_is_reached() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        n = int(request.url.params.get("cursor", "0"))
        tasks = [{"id": f"t{n + i}", "status": "completed"} for i in range(2)]
        pagination = {"has_more": True, "next_cursor": str(n + 2), "total": 100}
        return httpx.Response(200, json={"data": tasks, "pagination": pagination})

    seen: list[httpx.Request] = []
    async with client_for(handler, seen) as client:
        tasks = await client.list_deployments("e1", limit=3)
    assert [t.id for t in tasks] == ["t0", "t1", "t2"]
    assert len(seen) == 2
    assert seen[0].url.params["limit"] == "3"
    assert seen[0].url.path == "/api/public/v1/environments/e1/deployments"


async def test_all_environments_iterates_every_project() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/projects"):
            pagination = {"has_more": False, "next_cursor": None, "total": 3}
            return httpx.Response(
                200, json={"data": [project(1), project(2), project(3)], "pagination": pagination}
            )
        pid = request.url.path.split("/")[-2]
        count = {"p1": 2, "p2": 0, "p3": 1}[pid]
        return httpx.Response(
            200, json=[{"id": f"{pid}-e{i}", "name": f"env{i}"} for i in range(count)]
        )

    seen: list[httpx.Request] = []
    async with client_for(handler, seen) as client:
        pairs = await client.list_all_environments(status="running")
    assert [(p.id, e.id) for p, e in pairs] == [("p1", "p1-e0"), ("p1", "p1-e1"), ("p3", "p3-e0")]
    assert all(r.url.params.get("status") == "running" for r in seen[1:])


async def test_one_failing_project_fails_the_whole_listing_with_its_own_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/projects"):
            pagination = {"has_more": False, "next_cursor": None}
            body = {"data": [project(1), project(2), project(3)], "pagination": pagination}
            return httpx.Response(200, json=body)
        if "/p2/" in request.url.path:
            return httpx.Response(404, json={"detail": "Project not found"})
        return httpx.Response(200, json=[{"id": "e", "name": "env"}])

    seen: list[httpx.Request] = []
    async with client_for(handler, seen) as client:
        with pytest.raises(OecNotFound):
            await client.list_all_environments()
    assert len(seen) == 4  # every project was asked; nothing left running
