"""The looking `/oec` verbs end to end, and what a user can get wrong.

A signed slash command in; the answer is read at the fake Slack (ephemeral, through the
command's `response_url`) and the reads are read from the simulator's request log.
"""

from __future__ import annotations

from oec_chatops.sim.seed import seed_id
from tests.support.commands_helpers import (
    ask,
)
from tests.support.stack import DEV, LEAD1, RW_KEY, VIEWER, Stack

ACTION_VERBS_SHOWN = ("/oec deploy", "/oec redeploy", "/oec restart", "/oec start", "/oec stop")


def reads(requests: list[dict[str, object]], suffix: str) -> list[dict[str, object]]:
    return [r for r in requests if r["method"] == "GET" and str(r["path"]).endswith(suffix)]


# -- help and whoami: no API call at all ---------------------------------------------------------


async def test_help_for_a_viewer_lists_only_what_a_viewer_may_run(stack: Stack) -> None:
    answer = await ask(stack, "help", user_id=VIEWER)

    body = answer.last.body
    assert body["response_type"] == "ephemeral"
    for shown in ("/oec status", "/oec logs", "/oec envs", "/oec projects", "/oec whoami"):
        assert shown in answer.text
    for hidden in (*ACTION_VERBS_SHOWN, "/oec subscribe "):
        assert hidden not in answer.text
    assert await stack.sim_requests() == []


async def test_help_for_a_deployer_lists_the_actions(stack: Stack) -> None:
    answer = await ask(stack, "help", user_id=DEV)

    for shown in ACTION_VERBS_SHOWN:
        assert shown in answer.text


async def test_help_about_a_verb_the_viewer_may_not_run_shows_no_usage_of_it(
    stack: Stack,
) -> None:
    answer = await ask(stack, "help deploy", user_id=VIEWER)

    assert "/oec deploy" not in answer.text
    assert "/oec status" in answer.text


async def test_help_about_one_verb_shows_its_examples(stack: Stack) -> None:
    answer = await ask(stack, "help logs", user_id=DEV)

    assert "/oec logs shop/staging --lines 50" in answer.text
    assert "/oec deploy" not in answer.text


async def test_whoami_says_the_role_from_the_users_group(stack: Stack) -> None:
    dev = await ask(stack, "whoami", user_id=DEV)
    lead = await ask(stack, "whoami", user_id=LEAD1)
    viewer = await ask(stack, "whoami", user_id=VIEWER)

    assert "you are a *deployer*" in dev.text
    assert "You cannot approve" in dev.text
    assert "You can approve" in lead.text  # an approver through the S0LEADS user group
    assert "you are a *viewer*" in viewer.text
    assert [c.method for c in stack.fake.calls("usergroups.list")] == ["usergroups.list"]


# -- projects and envs ---------------------------------------------------------------------------


async def test_projects_lists_both_projects(stack: Stack) -> None:
    answer = await ask(stack, "projects", user_id=VIEWER)

    assert "Acme Shop" in answer.text
    assert "`acme-shop`" in answer.text
    assert "Globex ERP" in answer.text
    assert "`globex-erp`" in answer.text
    assert reads(await stack.sim_requests(), "/projects")


async def test_envs_lists_every_environment_of_every_project(stack: Stack) -> None:
    answer = await ask(stack, "envs", user_id=VIEWER)

    for project in ("acme-shop", "globex-erp"):
        for env in ("development", "staging", "production"):
            assert f"`{project}/{env}`" in answer.text
    assert ":red_circle: `globex-erp/staging` error" in answer.text


async def test_envs_of_one_project(stack: Stack) -> None:
    answer = await ask(stack, "envs globex-erp", user_id=VIEWER)

    assert "`globex-erp/staging`" in answer.text
    assert "acme-shop" not in answer.text
    project_id = seed_id("project/globex-erp")
    assert reads(await stack.sim_requests(), f"/projects/{project_id}/environments")


async def test_envs_with_status_filters_at_the_api_and_says_so(stack: Stack) -> None:
    answer = await ask(stack, "envs --status error", user_id=VIEWER)

    assert "`globex-erp/staging` error" in answer.text
    assert "running" not in answer.text.replace("--status", "")
    assert "(error)" in answer.last.body["text"]
    listed = reads(await stack.sim_requests(), "/environments")
    assert listed
    assert all(r["query"].get("status") == "error" for r in listed)


async def test_envs_of_a_project_with_a_status_nothing_has(stack: Stack) -> None:
    answer = await ask(stack, "envs acme-shop --status error", user_id=VIEWER)

    assert "No environments with status `error`" in answer.text


# -- status and logs -----------------------------------------------------------------------------


async def test_status_shows_state_checks_and_last_deploy(stack: Stack) -> None:
    answer = await ask(stack, "status acme-shop/staging", user_id=VIEWER)

    text = answer.text
    assert ":large_green_circle: *running*" in text
    assert "https://acme-shop-staging.apps.example.com" in text
    for check in ("*Container*", "*Database*", "*HTTP*"):
        assert check in text
    assert "*Last deployment*" in text
    assert seed_id("task/acme-shop/staging/1") in text
    env_id = seed_id("env/acme-shop/staging")
    assert reads(await stack.sim_requests(), f"/environments/{env_id}/status")


async def test_status_of_an_environment_in_error_is_red_and_shows_the_failed_deploy(
    stack: Stack,
) -> None:
    answer = await ask(stack, "status globex-erp/staging", user_id=VIEWER)

    assert ":red_circle: *error*" in answer.text
    assert seed_id("task/globex-erp/staging/2") in answer.text
    assert "Failed" in answer.text


async def test_status_by_environment_id(stack: Stack) -> None:
    env_id = seed_id("env/globex-erp/production")
    answer = await ask(stack, f"status {env_id}", user_id=VIEWER)

    assert "globex-erp/production" in answer.text
    assert reads(await stack.sim_requests(), f"/environments/{env_id}/status")


async def test_status_by_project_name_with_spaces(stack: Stack) -> None:
    answer = await ask(stack, 'status "Acme Shop/production"', user_id=VIEWER)

    assert "acme-shop/production" in answer.text
    assert "https://shop.acme.example.com" in answer.text


async def test_status_by_a_bare_name_that_only_one_project_has(stack: Stack) -> None:
    # Someone creates an environment on the platform after the bot listed them: the bare name
    # is unique, and the resolver looks again instead of answering from its stale list.
    await ask(stack, "envs", user_id=VIEWER)
    project_id = seed_id("project/globex-erp")
    created = await stack.http.post(
        f"{stack.sim_url}/api/public/v1/projects/{project_id}/environments",
        json={"name": "qa-sandbox", "environment_type": "staging", "branch": "qa"},
        headers={"Authorization": f"Bearer {RW_KEY}", "X-Idempotency-Key": "create-qa-sandbox"},
    )
    assert created.status_code == 201, created.text

    answer = await ask(stack, "status qa-sandbox", user_id=VIEWER)

    assert "globex-erp/qa-sandbox" in answer.text
    assert reads(await stack.sim_requests(), f"/environments/{created.json()['id']}/status")


async def test_logs_come_in_a_code_block_with_the_lines_asked_for(stack: Stack) -> None:
    answer = await ask(stack, "logs acme-shop/staging --lines 3", user_id=VIEWER)

    section = answer.last.body["blocks"][0]["text"]["text"]
    assert section.startswith("```\n")
    assert section.endswith("\n```")
    assert "Deployment completed successfully" in section
    assert len(section.strip("`\n").splitlines()) == 3
    assert "truncated: showing last 3 of 3 lines; oec.sh kept only the most recent lines" in (
        answer.text
    )
    env_id = seed_id("env/acme-shop/staging")
    (logs,) = reads(await stack.sim_requests(), f"/environments/{env_id}/logs")
    assert logs["query"] == {"lines": "3"}


async def test_logs_default_to_forty_lines_and_say_nothing_is_missing(stack: Stack) -> None:
    answer = await ask(stack, "logs acme-shop/staging", user_id=VIEWER)

    assert "truncated" not in answer.text
    (logs,) = reads(await stack.sim_requests(), "/logs")
    assert logs["query"] == {"lines": "40"}


# -- what a user gets wrong ----------------------------------------------------------------------


async def test_unknown_verb_answers_with_the_usage_of_the_closest_verb(stack: Stack) -> None:
    answer = await ask(stack, "deplyo acme-shop/staging", user_id=DEV)

    assert "Unknown command `deplyo`. Did you mean `/oec deploy acme-shop/staging`?" in answer.text
    assert "Usage: `/oec deploy &lt;project/env&gt;" in answer.text
    assert await stack.sim_requests() == []


async def test_bad_argument_answers_with_the_usage_of_that_verb(stack: Stack) -> None:
    answer = await ask(stack, "logs acme-shop/staging --lines lots", user_id=DEV)

    assert "`--lines` is a number from 1 to 5000" in answer.text
    assert "Usage: `/oec logs" in answer.text
    assert await stack.sim_requests() == []


async def test_unknown_environment_answers_did_you_mean(stack: Stack) -> None:
    answer = await ask(stack, "status acme-shop/stagng", user_id=VIEWER)

    assert "No environment matches `acme-shop/stagng`" in answer.text
    assert "Did you mean `acme-shop/staging`" in answer.text
    assert not reads(await stack.sim_requests(), "/status")


async def test_unknown_project_in_envs_answers_did_you_mean(stack: Stack) -> None:
    answer = await ask(stack, "envs acme-shp", user_id=VIEWER)

    assert "No project matches `acme-shp`" in answer.text
    assert "Did you mean `acme-shop`" in answer.text


async def test_ambiguous_bare_name_lists_the_choices(stack: Stack) -> None:
    answer = await ask(stack, "status staging", user_id=VIEWER)

    assert "`staging` matches 2 environments" in answer.text
    assert "Say which one: `acme-shop/staging`, `globex-erp/staging`" in answer.text
