"""Runtime logs and metrics through `client.ops` against the simulator over HTTP on 127.0.0.1:
plausible content, and the 6-calls-a-minute limit per environment (§9.2), counted both by
oec.sh and by the client."""

from __future__ import annotations

import re

import pytest

from oec_chatops.oec.errors import (
    OecInvalidRequest,
    OecNotFound,
    OecRateLimited,
    OecServerError,
    OecValidationError,
)
from tests.support.ops_sim import DEVELOPMENT, PRODUCTION, STAGING, OpsSim


@pytest.mark.parametrize(
    ("source", "marker"),
    [
        ("odoo", r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \d+ (INFO|WARNING) staging-"),
        ("postgres", r"\d\d:\d\d:\d\d\.\d{3} UTC \[\d+\] LOG:  "),
        ("container", r"\d\dZ container (health_status: healthy|restart) \(name="),
    ],
)
async def test_each_source_reads_like_its_container(ops: OpsSim, source: str, marker: str) -> None:
    log = await ops.client.ops.runtime_logs(STAGING, source=source, lines=25)
    lines = log.log.splitlines()
    assert (log.source, log.lines, len(lines)) == (source, 25, 25)
    assert all(re.search(marker, line) for line in lines), lines
    assert log.fetched_at is not None
    (sent,) = await ops.requests("/runtime-logs")
    assert sent["query"] == {"source": source, "lines": "25"}


async def test_an_odoo_log_shows_the_modules_a_quick_update_loaded(ops: OpsSim) -> None:
    accepted = await ops.client.ops.update_specific(STAGING, "sale_custom", idempotency_key="u")
    await ops.client.wait_for_task(accepted.task_id)
    log = await ops.client.ops.runtime_logs(STAGING, lines=200)
    assert "odoo.modules.loading: loading 1 modules... (sale_custom)" in log.log


async def test_a_stopped_environment_has_no_runtime_log(ops: OpsSim) -> None:
    await ops.set_status(DEVELOPMENT, "stopped")
    with pytest.raises(OecNotFound):
        await ops.client.ops.runtime_logs(DEVELOPMENT)


async def test_arguments_are_checked_before_sending(ops: OpsSim) -> None:
    for kwargs in ({"source": "nginx"}, {"lines": 0}, {"lines": 1001}):
        with pytest.raises(OecInvalidRequest):
            await ops.client.ops.runtime_logs(STAGING, **kwargs)  # type: ignore[arg-type]
    assert await ops.requests("/runtime-logs") == []
    with pytest.raises(OecValidationError):  # what oec.sh refuses keeps its 422 shape
        await ops.client.ops.metrics("not-a-uuid")


async def test_the_seventh_call_in_a_minute_is_refused_locally_without_a_request(
    ops: OpsSim,
) -> None:
    for _ in range(3):
        await ops.client.ops.runtime_logs(STAGING, lines=5)
        await ops.client.ops.metrics(STAGING)  # the same budget: both reach the server
    ops.clock.advance(20)
    with pytest.raises(OecRateLimited) as info:
        await ops.client.ops.runtime_logs(STAGING, lines=5)
    assert (info.value.code, info.value.retry_after) == ("target_rate_limit", 40.0)
    assert "try again in 40 s" in info.value.message
    assert len(await ops.requests("/runtime-logs")) + len(await ops.requests("/metrics")) == 6
    assert (await ops.client.ops.runtime_logs(PRODUCTION, lines=5)).lines == 5  # per environment
    ops.clock.advance(41)
    assert (await ops.client.ops.runtime_logs(STAGING, lines=5)).lines == 5


async def test_a_limit_spent_elsewhere_is_reported_with_oec_sh_retry_after(ops: OpsSim) -> None:
    async with ops.other_client() as other:
        for _ in range(6):
            await other.ops.metrics(STAGING)
    ops.clock.advance(15)
    with pytest.raises(OecRateLimited) as info:
        await ops.client.ops.runtime_logs(STAGING)
    assert (info.value.code, info.value.retry_after) == ("target_rate_limit", 45.0)
    refused = await ops.requests("/runtime-logs")
    assert [r["status"] for r in refused] == [429]  # answered once, not retried
    with pytest.raises(OecRateLimited):  # now known locally: no request at all
        await ops.client.ops.metrics(STAGING)
    assert len(await ops.requests("/metrics")) == 6
    ops.clock.advance(46)
    assert (await ops.client.ops.metrics(STAGING)).queried_at is not None


async def test_the_key_budget_is_not_spent_on_a_refusal_known_in_advance(ops: OpsSim) -> None:
    for _ in range(6):
        await ops.client.ops.metrics(STAGING)
    reads_before = len(await ops.requests(method="GET"))
    for _ in range(20):
        with pytest.raises(OecRateLimited):
            await ops.client.ops.runtime_logs(STAGING)
    assert len(await ops.requests(method="GET")) == reads_before


async def test_metrics_have_both_containers_a_disk_split_and_the_time_queried(
    ops: OpsSim,
) -> None:
    m = await ops.client.ops.metrics(STAGING)
    assert m.odoo
    assert m.postgres
    assert m.disk
    assert m.odoo.cpu_percent is not None
    assert 0 <= m.odoo.cpu_percent <= 100
    assert m.odoo.memory_share is not None
    assert 0 < m.odoo.memory_share < 100
    assert m.odoo.memory_limit_bytes == 3 * 1024**3  # three quarters of 4096 MB
    assert m.disk.database_bytes
    assert m.disk.filestore_bytes
    assert m.disk.addons_bytes
    assert m.disk.used_bytes == sum(
        (m.disk.database_bytes, m.disk.filestore_bytes, m.disk.addons_bytes)
    )
    assert m.queried_at is not None
    await ops.set_status(DEVELOPMENT, "stopped")
    stopped = await ops.client.ops.metrics(DEVELOPMENT)
    assert (stopped.odoo, stopped.postgres) == (None, None)
    assert stopped.disk is not None


async def test_an_unreachable_server_is_a_server_error_tried_once(ops: OpsSim) -> None:
    await ops.faults(target_unreachable=1)
    with pytest.raises(OecServerError) as info:
        await ops.client.ops.metrics(STAGING)
    assert (info.value.status, info.value.code) == (502, "server_unreachable")
    assert len(await ops.requests("/metrics")) == 1
