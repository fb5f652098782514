"""The oCore adapter reads the simulator over HTTP: servers as groups, health, health score."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from oec_chatops.clock import ManualClock
from oec_chatops.ocore import (
    NO_LOGS,
    OcoreAdapter,
    OcoreClient,
    OcoreEnvironmentStatus,
    format_health_score,
)
from oec_chatops.ocore_sim import EU_1, US_1
from tests.support.ocore_helpers import (
    CRM_DEV,
    ERP_BROKEN,
    FULL_TOKEN,
    REPORTS,
    SHOP_PROD,
    SHOP_STAGING,
    OcoreStack,
)
from tests.support.sim_helpers import serve


async def test_instances_are_listed_grouped_by_server_with_statuses_as_given(
    ocore: OcoreStack,
) -> None:
    pairs = await ocore.adapter.list_all_environments()
    seen = {(p.name, e.name, e.status, e.environment_type) for p, e in pairs}
    assert seen == {
        ("eu-1", "shop-prod", "running", "production"),
        ("eu-1", "shop-staging", "running", None),
        ("us-1", "crm-dev", "stopped", None),
        ("us-1", "erp-broken", "error", None),
        ("us-1", "reports", "maintenance", None),  # unknown to the bot, shown as it is
    }
    assert {p.id for p, _ in pairs} == {EU_1, US_1}
    assert {p.name: p.environment_count for p in await ocore.adapter.list_projects()} == {
        "eu-1": 2,
        "us-1": 3,
    }
    eu = await ocore.adapter.list_environments(EU_1)
    assert {e.id for e in eu} == {SHOP_PROD, SHOP_STAGING}
    stopped = await ocore.adapter.list_environments(US_1, status="stopped")
    assert [e.id for e in stopped] == [CRM_DEV]
    assert (await ocore.requests("GET"))[-1]["query"] == {"server_id": US_1}


async def test_without_a_servers_table_the_group_is_the_id_prefix(ocore: OcoreStack) -> None:
    bare = ocore.adapter_with(FULL_TOKEN)
    names = {p.name for p in await bare.list_projects()}
    assert names == {EU_1[:8], US_1[:8]}
    project = await bare.get_project(US_1)
    assert (project.name, project.environment_count) == (US_1[:8], 3)


async def test_status_has_health_url_and_health_score(ocore: OcoreStack) -> None:
    status = await ocore.adapter.get_environment_status(ERP_BROKEN)
    assert isinstance(status, OcoreEnvironmentStatus)
    assert (status.environment_id, status.status, status.url) == (
        ERP_BROKEN,
        "error",
        "https://erp.example.com",
    )
    assert status.status_message == "Odoo worker crashed: database connection refused"
    assert status.last_seen_at is not None
    assert status.health_score is not None
    lines = format_health_score(status.health_score)
    assert lines[0].startswith("Health score: F (")
    assert lines[1:] == [
        "Weakest factors:",
        "• resources 20: memory at 91% of the soft limit",
        "• ssl 30: certificate expires in 9 days",
        "• uptime 45: 45% availability over the last 30 days",
    ]
    env = await ocore.adapter.get_environment(REPORTS)
    assert (env.status, env.server_name, env.slug) == ("maintenance", "us-1", "reports")


async def test_logs_are_answered_in_words_not_an_error(ocore: OcoreStack) -> None:
    before = len(await ocore.requests())
    log = await ocore.adapter.get_logs(SHOP_PROD, lines=20)
    assert log.log == NO_LOGS
    assert "exposes no logs" in log.log
    assert len(await ocore.requests()) == before  # nothing to ask oCore


async def test_instances_without_a_server_are_listed_as_unassigned() -> None:
    """oCore's seed never promises a `serverId`: such instances are still found by their group."""
    asked: list[dict[str, str]] = []

    async def instances(request: Request) -> Response:
        asked.append(dict(request.query_params))
        items = [{"id": "i-1", "slug": "orphan", "status": "running"}]
        if request.query_params.get("server_id"):
            items = []  # a filter by server never returns a serverless instance
        return JSONResponse({"instances": items, "total": len(items)})

    app = Starlette(routes=[Route("/api/instances", instances)])
    async with serve(app) as url:
        clock = ManualClock()
        client = OcoreClient.create(url + "/api", FULL_TOKEN, clock=clock)
        adapter = OcoreAdapter(client, clock=clock)
        try:
            [(project, env)] = await adapter.list_all_environments()
            assert (project.id, project.name, env.name) == ("unassigned", "unassigned", "orphan")
            listed = await adapter.list_environments(project.id)
            assert [e.name for e in listed] == ["orphan"]
        finally:
            await client.aclose()
    assert asked == [{}, {}]
