"""The deployERP adapter against its simulator over real HTTP on 127.0.0.1: lists over every
page, status, actions followed to the end, and each error body as the same exception (and the
same sentence) the bot already shows for oec.sh."""

from __future__ import annotations

import logging
import uuid

import pytest

from oec_chatops.deployerp.adapter import NO_LOGS
from oec_chatops.oec.errors import (
    OecAuthError,
    OecConflict,
    OecInvalidRequest,
    OecNotFound,
    OecReadOnlyKey,
    OecValidationError,
)
from oec_chatops.services.explain import explain
from tests.support.derp_helpers import ADMIN_KEY, READ_KEY, WRITE_KEY, derp_stack


def key() -> str:
    return str(uuid.uuid4())


async def test_45_instances_are_3_pages_in_the_sim_and_one_request_of_100_for_the_adapter() -> None:
    async with derp_stack(extra_instances=40) as derp:
        raw = await derp.admin.get(
            "/v1/instances", headers={"Authorization": f"Bearer {WRITE_KEY}"}
        )
        assert raw.json()["meta"] == {"page": 1, "per_page": 20, "total": 45, "total_pages": 3}
        pairs = await derp.platform().list_all_environments()
        assert len({env.id for _, env in pairs}) == 45
        gets = [r for r in await derp.requests() if r["path"] == "/v1/instances"]
        assert [r["query"].get("per_page") for r in gets[1:]] == ["100"]


@pytest.mark.parametrize(("page_size", "pages"), [(100, 3), (20, 13)])
async def test_more_than_100_instances_are_walked_over_every_page(
    page_size: int, pages: int
) -> None:
    async with derp_stack(extra_instances=245) as derp:
        instances = await derp.platform(page_size=page_size).client.list_instances()
        assert len(instances) == 250
        assert len({i.id for i in instances}) == 250
        asked = [r["query"]["page"] for r in await derp.requests() if r["path"] == "/v1/instances"]
        assert asked == [str(n) for n in range(1, pages + 1)]


async def test_servers_are_groups_and_instances_environments_with_their_type() -> None:
    async with derp_stack() as derp:
        platform = derp.platform()
        projects = {p.name: p for p in await platform.list_projects()}
        assert sorted(projects) == ["eu-1", "us-1"]
        assert projects["eu-1"].environment_count == 3
        envs = {e.name: e for e in await platform.list_environments(projects["eu-1"].id)}
        assert sorted(envs) == ["shop-dev", "shop-prod", "shop-staging"]
        prod = envs["shop-prod"]
        assert (prod.environment_type, prod.project_id) == ("production", "srv_eu1")
        assert platform.is_production(prod)
        assert not platform.is_production(envs["shop-dev"])
        status = await platform.get_environment_status(prod.id)
        assert (status.status, status.url) == ("running", "https://shop-prod.deployerp.example")
        logs = await platform.get_logs(prod.id)
        assert logs.log == NO_LOGS


async def test_restart_is_followed_to_completion_through_get_task() -> None:
    async with derp_stack(action_seconds=8.0) as derp:
        platform = derp.platform()
        accepted = await platform.action("restart", "ins_shop_staging", idempotency_key=key())
        assert accepted.status == "queued"
        assert accepted.environment_id == "ins_shop_staging"
        seen = []
        for _ in range(20):
            task = await platform.get_task(accepted.task_id)
            seen.append(task.status)
            if task.terminal:
                break
            derp.clock.advance(1.0)
        assert seen[0] == "queued"
        assert "running" in seen
        assert seen[-1] == "completed"
        assert (await platform.get_environment("ins_shop_staging")).status == "running"


async def test_a_failing_deploy_ends_failed_with_its_error_and_redeploy_is_deploy() -> None:
    async with derp_stack() as derp:
        await derp.faults(fail_next_deploys=1)
        platform = derp.platform()
        accepted = await platform.action("redeploy", "ins_shop_dev", idempotency_key=key())
        task = await derp.follow(platform, accepted.task_id)
        assert task.status == "failed"
        assert task.error_message
        assert "Build failed" in task.error_message
        posts = [r["path"] for r in await derp.requests() if r["method"] == "POST"]
        assert posts == ["/v1/instances/ins_shop_dev/deploy"]


async def test_a_second_action_is_a_conflict_told_in_a_clear_sentence() -> None:
    async with derp_stack() as derp:
        platform = derp.platform()
        first = await platform.action("deploy", "ins_shop_staging", idempotency_key=key())
        with pytest.raises(OecConflict) as caught:
            await platform.action("restart", "ins_shop_staging", idempotency_key=key())
        assert caught.value.task_id == first.task_id
        said = explain(caught.value, env_label="derp:eu-1/shop-staging").message
        assert said == (
            f"Another action is already running on `derp:eu-1/shop-staging` (task `{first.task_id}`)."
        )


async def test_a_read_key_writing_gets_the_read_only_key_error() -> None:
    async with derp_stack() as derp:
        with pytest.raises(OecReadOnlyKey) as caught:
            await derp.platform(READ_KEY).action("restart", "ins_shop_dev", idempotency_key=key())
        assert "Read level" in caught.value.message
        assert caught.value.status == 403
        assert caught.value.code == "forbidden"
        assert (await derp.platform(READ_KEY).get_environment("ins_shop_dev")).name == "shop-dev"
        assert (await derp.platform(ADMIN_KEY).get_project("srv_us1")).name == "us-1"


async def test_401_404_and_422_bodies_are_mapped_with_their_messages() -> None:
    async with derp_stack(max_per_page=50) as derp:
        with pytest.raises(OecAuthError) as auth:
            await derp.platform("derp_sk_not_configured_" + "x" * 20).list_projects()
        assert auth.value.code == "unauthorized"
        with pytest.raises(OecNotFound) as missing:
            await derp.platform().get_environment("ins_nope")
        assert missing.value.message == "Instance not found."
        with pytest.raises(OecNotFound):
            await derp.platform().get_task("ins_shop_dev~act_nope")
        with pytest.raises(OecValidationError) as refused:
            await derp.platform().list_projects()
        assert refused.value.fields[0]["field"] == "per_page"
        with pytest.raises(OecInvalidRequest):
            await derp.platform().action(
                "deploy", "ins_shop_dev", idempotency_key=key(), modules=["sale"]
            )


async def test_an_action_whose_answer_was_lost_is_resent_with_the_same_key_and_runs_once() -> None:
    async with derp_stack() as derp:
        await derp.faults(lose_next_answers=1)
        intent = key()
        accepted = await derp.platform().action(
            "restart", "ins_crm_staging", idempotency_key=intent
        )
        posts = [r for r in await derp.requests() if r["method"] == "POST"]
        assert [(p["status"], p["idempotency_key"]) for p in posts] == [
            (504, intent),
            (202, intent),
        ]
        runs = [a for a in derp.state.actions.values() if a.instance_id == "ins_crm_staging"]
        assert len(runs) == 1
        assert accepted.task_id.endswith("~" + runs[0].id)


async def test_a_5xx_on_a_read_is_retried_after_a_short_jittered_backoff() -> None:
    async with derp_stack() as derp:
        await derp.faults(error_next=1)
        assert (await derp.platform().get_environment("ins_shop_prod")).name == "shop-prod"
        assert [r["status"] for r in await derp.requests()] == [500, 200]
        assert 0.25 <= derp.clock.slept[0] <= 0.5


async def test_the_key_is_never_in_logs_repr_or_errors(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "derp_sk_wrong_" + "q" * 30
    async with derp_stack() as derp:
        platform = derp.platform()
        await platform.list_all_environments()
        with pytest.raises(OecAuthError) as caught:
            await derp.platform(wrong).get_environment("ins_shop_prod")
        texts = [
            caplog.text,
            repr(platform),
            repr(platform.client),
            repr(platform.client.settings),
            str(caught.value),
            repr(caught.value),
            str((await derp.admin.get("/_sim/requests")).json()),
        ]
    for text in texts:
        assert WRITE_KEY not in text
        assert wrong not in text


async def test_the_sim_refuses_a_missing_key_in_the_documented_error_shape() -> None:
    async with derp_stack() as derp:
        answer = await derp.admin.get("/v1/servers")
        assert answer.status_code == 401
        assert answer.json()["error"] == {
            "code": "unauthorized",
            "message": "Missing API key: send Authorization: Bearer <key>.",
            "details": {},
        }
