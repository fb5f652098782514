"""Answers to the looking verbs: help, whoami, projects, envs, status."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from oec_chatops.domain import EnvRef, Role, Verb
from oec_chatops.oec.models import Environment, EnvironmentStatus, Project
from oec_chatops.slack.blocks import (
    render_envs,
    render_help,
    render_projects,
    render_status,
    render_whoami,
)
from oec_chatops.slack.grammar import VERB_SPECS
from tests.support.blocks import postable, texts

SHOP = Project(id="p-1", name="Acme Shop", slug="shop", odoo_version="17.0")
STAGING = EnvRef(
    env_id="e-1",
    env_name="staging",
    project_id="p-1",
    project_name="Acme Shop",
    project_slug="shop",
    env_type="staging",
    url="https://staging.example.com",
)


# help / whoami -------------------------------------------------------------------------------


def test_help_lists_each_entry_with_escaped_syntax() -> None:
    body = postable(render_help(list(VERB_SPECS.values())))
    text = texts(body)
    assert "`/oec deploy &lt;project/env&gt; [--modules a,b|all] [-- reason]`" in text
    assert "<project/env>" not in text  # would be read as a link
    for spec in VERB_SPECS.values():
        assert spec.summary in text
    assert body["text"].startswith("oec chatops: help, whoami, projects")


def test_help_shows_only_the_entries_it_is_given() -> None:
    body = postable(render_help([VERB_SPECS[Verb.STATUS], VERB_SPECS[Verb.LOGS]]))
    assert "/oec deploy" not in texts(body)
    assert "/oec status" in texts(body)


def test_detailed_help_shows_examples() -> None:
    body = postable(render_help([VERB_SPECS[Verb.DEPLOY]], detailed=True))
    text = texts(body)
    assert "*Examples*" in text
    assert "`/oec deploy shop/staging`" in text
    assert body["text"].startswith("Help: /oec deploy")


def test_help_with_nothing_to_show() -> None:
    assert "No `/oec` commands" in texts(postable(render_help([])))


@pytest.mark.parametrize(
    ("role", "approve", "words"),
    [
        (Role.VIEWER, False, ["you are a *viewer*", "cannot approve"]),
        (Role.DEPLOYER, True, ["you are a *deployer*", "can approve", "deploy, restart"]),
        (Role.ADMIN, True, ["you are an *admin*"]),
    ],
)
def test_whoami(role: Role, approve: bool, words: list[str]) -> None:
    body = postable(render_whoami("U0ME", role, approve))
    text = texts(body)
    assert "<@U0ME>" in text
    for word in words:
        assert word in text
    assert "<@" not in body["text"]  # a notification should not ping
    article = "an" if role.value[0] in "aeiou" else "a"
    assert body["text"] == f"You are {article} {role.value}."


# projects ------------------------------------------------------------------------------------


def test_projects() -> None:
    projects = [
        SHOP.model_copy(update={"environment_count": 3, "default_branch": "main"}),
        Project(id="p-2", name="R&D <lab>"),
    ]
    body = postable(render_projects(projects))
    text = texts(body)
    assert "Projects (2)" in text
    assert "*Acme Shop* · `shop` · Odoo 17.0 · 3 environments · branch `main`" in text
    assert "*R&amp;D &lt;lab&gt;*" in text


def test_no_projects() -> None:
    assert "sees no projects" in texts(postable(render_projects([])))


def test_a_thousand_projects_stay_postable_with_a_note() -> None:
    projects = [Project(id=f"p-{i}", name=f"Project {i} " + "x" * 250) for i in range(1000)]
    body = postable(render_projects(projects))
    assert len(body["blocks"]) <= 50
    assert "more projects not shown" in texts(body)


# envs ----------------------------------------------------------------------------------------


def envs_of(
    project: Project, count: int, status: str = "running"
) -> list[tuple[Project, Environment]]:
    return [
        (
            project,
            Environment(
                id=f"{project.id}-e{i}",
                name=f"env-{i}",
                status=status,
                url=f"https://{project.id}-e{i}.example.com",
                branch="main",
            ),
        )
        for i in range(count)
    ]


def test_envs_grouped_by_project_with_status_emoji() -> None:
    other = Project(id="p-2", name="Blog")
    rows = [
        *envs_of(SHOP, 1, "running"),
        *envs_of(other, 1, "stopped"),
        (SHOP, Environment(id="x", name="prod", status="error")),
    ]
    body = postable(render_envs(rows))
    sections = [b["text"]["text"] for b in body["blocks"] if b["type"] == "section"]
    assert sections[0].startswith("*Acme Shop*")
    assert ":large_green_circle: `shop/env-0` running" in sections[0]
    assert ":red_circle: `shop/prod` error" in sections[0]
    assert sections[1].startswith("*Blog*")
    assert ":white_circle: `Blog/env-0` stopped" in sections[1]
    assert "<https://p-1-e0.example.com|https://p-1-e0.example.com>" in sections[0]
    assert body["text"] == "3 environments"


def test_sixty_environments_in_one_project() -> None:
    body = postable(render_envs(envs_of(SHOP, 60)))
    text = texts(body)
    assert all(f"`shop/env-{i}`" in text for i in range(60))
    assert "more environments" not in text


def test_sixty_projects_stay_under_fifty_blocks_with_and_n_more() -> None:
    rows = [row for i in range(60) for row in envs_of(Project(id=f"p{i}", name=f"P{i}"), 1)]
    body = postable(render_envs(rows))
    assert len(body["blocks"]) == 50
    shown = texts(body).count(":large_green_circle:")
    assert shown == 48
    assert "and 12 more environments not shown" in texts(body)


def test_huge_projects_are_split_across_sections_and_counted() -> None:
    rows = [row for i in range(5) for row in envs_of(Project(id=f"p{i}", name=f"P{i}"), 400)]
    body = postable(render_envs(rows))
    assert len(body["blocks"]) == 50
    shown = texts(body).count(":large_green_circle:")
    assert f"and {2000 - shown} more environments not shown" in texts(body)


def test_envs_empty_and_filtered() -> None:
    assert "No environments." in texts(postable(render_envs([])))
    filtered = postable(render_envs([], status="paused"))
    assert "No environments with status `paused`." in texts(filtered)
    titled = postable(render_envs(envs_of(SHOP, 1, "paused"), status="paused"))
    assert titled["blocks"][0]["text"]["text"] == "Environments (paused)"
    assert ":pause_button:" in texts(titled)


@pytest.mark.parametrize(
    ("status", "emoji"),
    [
        ("running", ":large_green_circle:"),
        ("error", ":red_circle:"),
        ("failed", ":red_circle:"),
        ("stopped", ":white_circle:"),
        ("deploying", ":large_yellow_circle:"),
        ("pending", ":large_yellow_circle:"),
        ("cloning", ":large_yellow_circle:"),
        ("paused", ":pause_button:"),
        ("Running", ":large_green_circle:"),
        ("hibernating", ":grey_question:"),
    ],
)
def test_status_emoji_per_state(status: str, emoji: str) -> None:
    body = postable(render_status(STAGING, EnvironmentStatus(status=status)))
    assert body["blocks"][1]["text"]["text"].startswith(f"{emoji} *{status}*")
    assert body["text"] == f"shop/staging: {status}"


# status --------------------------------------------------------------------------------------


def test_status_shows_checks_url_and_last_deploy() -> None:
    status = EnvironmentStatus.model_validate(
        {
            "environment_id": "e-1",
            "status": "running",
            "url": "https://staging.example.com",
            "container_running": True,
            "db_ready": False,
            "http_ok": None,
            "last_deploy": {
                "id": "t-9",
                "status": "completed",
                "started_at": "2026-03-01T12:00:00Z",
                "completed_at": "2026-03-01T12:05:00Z",
            },
        }
    )
    body = postable(render_status(STAGING, status))
    assert body["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "shop/staging", "emoji": True},
    }
    fields = [f["text"] for f in body["blocks"][1]["fields"]]
    assert fields[:3] == ["*Container*\n✅", "*Database*\n❌", "*HTTP*\n❔"]
    assert fields[3].startswith("*Last deployment*\n:white_check_mark: Completed `t-9`")
    unix = int(datetime(2026, 3, 1, 12, 5, tzinfo=UTC).timestamp())
    assert f"<!date^{unix}^" in fields[3]
    assert "<https://staging.example.com|https://staging.example.com>" in texts(body)
    assert "`e-1`" in texts(body)
    assert "type staging" in texts(body)


def test_status_without_a_deploy_or_url() -> None:
    ref = EnvRef(env_id="e-2", env_name="dev", project_id="p", project_name="P")
    body = postable(render_status(ref, EnvironmentStatus(status="stopped")))
    assert "*Last deployment*\nnone yet" in texts(body)
    assert "<http" not in texts(body)
