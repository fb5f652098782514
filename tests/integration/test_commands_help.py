"""`/oec help <verb>` teaches on the user's own data, and a mistyped verb is answered with
the command to type instead. Read at the fake Slack's response_url."""

from __future__ import annotations

from pathlib import Path

from tests.support.blocks import texts
from tests.support.commands_helpers import ask, skipping_stack
from tests.support.stack import DEV, VIEWER, Stack, on_both_engines

OWN = "*Try it on your data*"


async def test_help_deploy_shows_a_deploy_on_an_environment_the_deployer_may_change(
    stack: Stack,
) -> None:
    answer = await ask(stack, "help deploy", user_id=DEV)

    own = texts(answer.last.body).split(OWN, 1)[1].split("\n", 2)[1]
    assert own == "`/oec deploy acme-shop/development`"  # a real one, and not protected
    assert "/oec deploy shop/production --modules sale_custom" in answer.text  # the syntax


async def test_help_status_for_a_viewer_names_a_real_environment(stack: Stack) -> None:
    answer = await ask(stack, "help status", user_id=VIEWER)

    assert f"{OWN}\n`/oec status acme-shop/development`" in texts(answer.last.body)


async def test_help_subscribe_names_a_real_project(stack: Stack) -> None:
    answer = await ask(stack, "help subscribe", user_id=DEV)

    assert f"{OWN}\n`/oec subscribe acme-shop`" in texts(answer.last.body)


async def test_help_about_a_verb_without_a_target_reads_nothing(stack: Stack) -> None:
    answer = await ask(stack, "help approvals", user_id=DEV)

    assert OWN not in answer.text
    assert await stack.sim_requests() == []


async def test_help_still_answers_when_oec_sh_is_down(tmp_path: Path) -> None:
    async with skipping_stack(tmp_path) as (stack, _clock):
        await stack.sim_faults(error_rate=1.0)

        answer = await ask(stack, "help deploy", user_id=DEV)

        assert OWN not in answer.text
        assert "`/oec deploy shop/staging`" in answer.text
        assert "trouble" not in answer.text


async def test_a_mistyped_verb_is_answered_with_the_whole_command_corrected(stack: Stack) -> None:
    answer = await ask(stack, "deplyo acme-shop/staging -- hotfix", user_id=DEV)

    assert "Did you mean `/oec deploy acme-shop/staging -- hotfix`?" in answer.text
    assert await stack.sim_requests() == []


@on_both_engines
async def test_a_character_postgresql_cannot_store_is_answered_not_called_a_failure(
    stack: Stack,
) -> None:
    """A NUL typed into a command (Slack form-encodes it as `%00`) is stored before the ack.
    PostgreSQL's TEXT cannot hold it: the command must still be answered as on SQLite, not
    refused as "the database is failing" on every retry."""
    answer = await ask(stack, "deplyo\x00 acme-shop/staging", user_id=DEV)

    assert "Did you mean `/oec deploy" in answer.text
    assert "database" not in answer.text
    assert await stack.sim_requests() == []


async def test_help_about_a_mistyped_verb_suggests_the_help_to_ask_for(stack: Stack) -> None:
    answer = await ask(stack, "help deplyo", user_id=DEV)

    assert "Unknown command `deplyo`. Did you mean `/oec help deploy`?" in answer.text
