"""Logs in a code block: the tail survives, whatever the size."""

from __future__ import annotations

import pytest

from oec_chatops.domain import EnvRef
from oec_chatops.oec.models import TaskLog
from oec_chatops.slack.blocks import limit_violations, render_logs
from oec_chatops.slack.blocks.logs import MAX_LOG_CHARS, tail

ENV = EnvRef(env_id="e-1", env_name="staging", project_id="p-1", project_name="Shop")


def code_text(body: dict[str, object]) -> str:
    block = body["blocks"][0]  # type: ignore[index]
    text = block["text"]["text"]
    assert text.startswith("```\n")
    assert text.endswith("\n```")
    return str(text[4:-4])


def note(body: dict[str, object]) -> str:
    return " ".join(e["text"] for e in body["blocks"][-1]["elements"])  # type: ignore[index]


def test_a_short_log_is_shown_whole_without_a_note() -> None:
    body = render_logs(ENV, TaskLog(task_id="t-1", log="Step 1/2: pull\nStep 2/2: done\n"))
    assert limit_violations(body) == []
    assert code_text(body) == "Step 1/2: pull\nStep 2/2: done"
    assert "truncated" not in note(body)
    assert "`t-1`" in note(body)
    assert body["text"] == "Log of Shop/staging: last 2 lines"


def test_a_megabyte_log_keeps_the_tail_and_says_so() -> None:
    lines = [f"line {i:06d} " + "x" * 90 for i in range(10_000)]  # ~1 MB
    log = "\n".join(lines)
    assert len(log) > 1_000_000
    body = render_logs(ENV, TaskLog(log=log, lines=10_000))
    assert limit_violations(body) == []
    shown = code_text(body)
    assert len(shown) <= 2900
    assert shown.endswith(lines[-1])
    count = shown.count("\n") + 1
    assert shown.startswith(lines[-count])
    assert f"truncated: showing last {count} of 10000 lines" in note(body)


def test_the_api_said_truncated() -> None:
    body = render_logs(ENV, TaskLog(log="a\nb", lines=2, truncated=True))
    assert "showing last 2 of 2 lines; oec.sh kept only the most recent lines" in note(body)


def test_one_giant_line_keeps_its_end() -> None:
    line = "start " + "y" * 1_000_000 + " THE END"
    body = render_logs(ENV, TaskLog(log=line))
    assert limit_violations(body) == []
    shown = code_text(body)
    assert shown.startswith("…")
    assert shown.endswith(" THE END")
    assert len(shown) <= 2900
    assert "truncated: showing last 1 of 1 line" in note(body)


def test_escaping_counts_against_the_limit_and_never_splits_an_entity() -> None:
    line = "<&>" * 2000
    t = tail(line, 100)
    assert len(t.text) <= 100
    assert t.text.startswith("…")
    body = t.text[1:]
    assert body.startswith(("&lt;", "&amp;", "&gt;"))
    assert body.endswith("&gt;")


def test_markup_in_a_log_is_escaped_and_fences_defused() -> None:
    body = render_logs(ENV, TaskLog(log="<!channel> & ```boom```"))
    shown = code_text(body)
    assert "&lt;!channel&gt; &amp;" in shown
    assert "```" not in shown


def test_ansi_colours_and_trailing_blank_lines_are_dropped() -> None:
    t = tail("\x1b[32mok\x1b[0m\r\nnext\n\n\n")
    assert t.text == "ok\nnext"
    assert (t.shown, t.total, t.cut) == (2, 2, False)


def test_empty_log() -> None:
    body = render_logs(ENV, TaskLog(task_id=None, log=""))
    assert limit_violations(body) == []
    assert "No log lines for `Shop/staging` yet." in body["blocks"][0]["text"]["text"]


@pytest.mark.parametrize("max_chars", [1, 50, 2900, MAX_LOG_CHARS, 10_000])
def test_max_chars_is_respected_and_capped_at_what_a_section_holds(max_chars: int) -> None:
    log = "\n".join("z" * 37 for _ in range(1000))
    body = render_logs(ENV, TaskLog(log=log), max_chars=max_chars)
    assert limit_violations(body) == []
    assert len(code_text(body)) <= min(max_chars, MAX_LOG_CHARS)
