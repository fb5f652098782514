"""What a waiting command is told: the reason and about how long, in one line."""

from __future__ import annotations

from oec_chatops.services.types import Invocation
from oec_chatops.slack.command_answer import queue_text, restart_text, wait_text, working_text


def test_each_wait_says_why_and_how_long() -> None:
    assert wait_text("budget", 44.2) == "Waiting for oec.sh's rate limit budget: about 45 s."
    assert wait_text("rate_limited", 30) == "oec.sh is rate limiting us; retrying in 30 s."
    assert wait_text("server_error", 2.5) == "oec.sh is not answering properly; retrying in 3 s."
    assert wait_text("something_new", 10) is None  # no note rather than a vague one


def test_the_queue_note_counts_the_commands_ahead() -> None:
    assert queue_text(1, 3.2) == "1 command is ahead of yours; it should run in about 4 s."
    assert queue_text(12, 20) == "12 commands are ahead of yours; it should run in about 20 s."


def test_the_restart_note_names_the_command_without_breaking_its_code_span() -> None:
    inv = Invocation(user_id="U1", channel_id="C1", text="status `shop`")
    assert restart_text(inv, started=False) == (
        "The bot is restarting; `/oec status 'shop'` will run when it is back."
    )
    assert "not sent twice" in restart_text(inv, started=True)


def test_the_working_note_says_what_the_command_waits_for() -> None:

    assert working_text("deploy acme-shop/staging -- fix") == (
        "Working on it: sending deploy `acme-shop/staging` to oec.sh."
    )
    assert working_text("envs") == (
        "Working on it: listing the environments of every project on oec.sh."
    )
    assert working_text("logs shop/x --lines 5") == (
        "Working on it: reading `shop/x`'s latest log from oec.sh."
    )
    assert working_text("deplyo x`y") == "Working on it: running `/oec deplyo x'y`."
