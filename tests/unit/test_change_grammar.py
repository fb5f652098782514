"""How `/oec freeze`, `unfreeze`, `lock`, `unlock` and `--override` are typed, and the mistakes
each answers with its usage instead of guessing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from oec_chatops.domain import Verb
from oec_chatops.errors import CommandError
from oec_chatops.slack.grammar import parse_command


def test_freeze_takes_a_glob_a_length_and_a_reason() -> None:
    cmd = parse_command("freeze Shop/* for 1d12h -- year-end stock count")
    assert (cmd.verb, cmd.target, cmd.duration) == (Verb.FREEZE, "shop/*", timedelta(hours=36))
    assert cmd.reason == "year-end stock count"
    assert parse_command("freeze production for 2h").reason is None


def test_override_is_a_flag_of_every_change_and_needs_a_reason() -> None:
    for verb in ("deploy", "redeploy", "restart", "start", "stop"):
        cmd = parse_command(f"{verb} shop/production --override -- payment bug")
        assert cmd.override
        assert cmd.reason == "payment bug"
    assert not parse_command("deploy shop/production -- x").override


def test_lock_and_unlock_take_one_environment() -> None:
    cmd = parse_command("lock shop/staging -- migrating")
    assert (cmd.verb, cmd.env, cmd.reason) == (Verb.LOCK, "shop/staging", "migrating")
    assert parse_command("unlock shop/staging").env == "shop/staging"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("freeze production", "for how long"),
        ("freeze production 2h", "for how long"),
        ("freeze production for soon", "is not a duration"),
        ("freeze production for 0m", "is not a duration"),
        ("freeze a/b/c for 2h", "is not an environment glob"),
        ("unfreeze", "needs an environment glob"),
        ("unfreeze production -- done", "takes no reason"),
        ("unlock shop/staging -- done", "takes no reason"),
        ("deploy shop/production --override", "needs a reason after `--`"),
        ("status shop/production --override", "takes no options"),
    ],
)
def test_mistakes_are_answered_with_usage(text: str, said: str) -> None:
    with pytest.raises(CommandError) as info:
        parse_command(text)
    assert said in str(info.value)
    assert info.value.hint
