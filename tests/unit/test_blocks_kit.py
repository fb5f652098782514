"""Block Kit primitives: escaping, cutting, Slack's limits, and the checker the other tests use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from oec_chatops.slack.blocks import kit


def test_escape_only_the_three_markup_characters() -> None:
    assert kit.escape("<!channel> & <@U1> *bold* `x`") == (
        "&lt;!channel&gt; &amp; &lt;@U1&gt; *bold* `x`"
    )


def test_cut_and_cut_start() -> None:
    assert kit.cut("abcdef", 10) == "abcdef"
    assert kit.cut("abcdef", 4) == "abc…"
    assert len(kit.cut("x" * 500, 150)) == 150
    assert kit.cut_start("abcdef", 4) == "…def"


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 10, "short"),
        ("a &amp; b", 7, "a …"),  # never half an entity
        ("see <https://x.io|x> now", 12, "see …"),  # never half a link
        ("```\nline one\nline two\n```", 16, "```\nline on…\n```"),  # the fence stays closed
    ],
)
def test_fit_mrkdwn(text: str, limit: int, expected: str) -> None:
    fitted = kit.fit_mrkdwn(text, limit)
    assert fitted == expected
    assert len(fitted) <= limit


def test_fit_mrkdwn_drops_the_closing_fence_when_the_opening_one_was_cut() -> None:
    fitted = kit.fit_mrkdwn("ab```cdefghijk", 6)
    assert fitted.count("```") == 0
    assert len(fitted) <= 6


def test_code_spans_cannot_be_broken_out_of() -> None:
    assert kit.code("shop/staging") == "`shop/staging`"
    assert kit.code("a`b<c>") == "`aˋb&lt;c&gt;`"
    assert kit.code("") == "` `"


def test_defuse_fences() -> None:
    assert "```" not in kit.defuse_fences("before ``` after")


@pytest.mark.parametrize(
    ("user", "shown"),
    [("U0123ABC", "<@U0123ABC>"), ("W0123ABC", "<@W0123ABC>"), ("<!here>", "&lt;!here&gt;")],
)
def test_mention(user: str, shown: str) -> None:
    assert kit.mention(user) == shown


def test_link() -> None:
    assert kit.link("https://shop.example.com") == (
        "<https://shop.example.com|https://shop.example.com>"
    )
    assert kit.link("https://x.io/?a=1&b=2", "x") == "<https://x.io/?a=1&amp;b=2|x>"
    assert kit.link("https://x.io/a|b") == "<https://x.io/a%7Cb|https://x.io/a¦b>"
    assert kit.link("javascript:alert(1)") == "javascript:alert(1)"
    assert kit.link("<b>") == "&lt;b&gt;"


def test_slack_date_has_a_utc_fallback() -> None:
    moment = datetime(2026, 1, 1, 0, 30, tzinfo=UTC)
    assert kit.slack_date(moment) == (
        "<!date^1767227400^{date_short_pretty} {time}|2026-01-01 00:30 UTC>"
    )
    naive = datetime(2026, 1, 1, 0, 30)
    assert kit.slack_date(naive) == kit.slack_date(moment)
    paris = datetime(2026, 1, 1, 1, 30, tzinfo=timezone(timedelta(hours=1)))
    assert kit.slack_date(paris) == kit.slack_date(moment)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (44.6, "45s"),
        (300, "5m 0s"),
        (3720, "1h 2m"),
        (2 * 86400 + 3 * 3600, "2d 3h"),
        (-5, "0s"),
    ],
)
def test_format_duration(seconds: float, text: str) -> None:
    assert kit.format_duration(seconds) == text


def test_plural() -> None:
    assert kit.plural(1, "line") == "1 line"
    assert kit.plural(2, "line") == "2 lines"
    assert kit.plural(2, "match", "matches") == "2 matches"


def test_builders_cut_to_the_limits() -> None:
    body = kit.message(
        "x" * 50_000,
        [
            kit.header("h" * 500),
            kit.section("s" * 5000, fields=["f" * 3000] * 12),
            kit.context(*[f"c{i}" for i in range(15)]),
            kit.actions(
                kit.button(
                    "b" * 100,
                    action_id="a",
                    value="v",
                    confirm=kit.confirm_dialog(
                        title="t" * 200, text="x" * 500, confirm="c" * 50, deny="d" * 50
                    ),
                )
            ),
        ],
    )
    assert kit.limit_violations(body) == []
    assert len(body["blocks"][2]["elements"]) == 10
    assert body["blocks"][2]["elements"][-1]["text"].startswith("c9 · c10")


def test_empty_text_becomes_a_space_slack_accepts() -> None:
    body = kit.message("", [kit.section(""), kit.context(), kit.header("")])
    assert kit.limit_violations(body) == []


def test_button_refuses_an_over_long_value_instead_of_cutting_it() -> None:
    with pytest.raises(ValueError, match="too long"):
        kit.button("Go", action_id="go", value="v" * 2001)
    assert kit.button("Go", action_id="go", value="v" * 2000)["value"] == "v" * 2000


def test_message_keeps_at_most_fifty_blocks_with_a_note() -> None:
    body = kit.message("t", [kit.divider()] * 80)
    assert len(body["blocks"]) == 50
    assert "31 more blocks not shown" in body["blocks"][-1]["elements"][0]["text"]
    assert kit.limit_violations(body) == []


def test_listing_fills_the_budget_then_counts_what_is_left() -> None:
    lines = [f"line {i} " + "x" * 290 for i in range(200)]  # ~10 per section
    blocks = kit.listing(lines, max_blocks=5, more="more things")
    assert len(blocks) == 5
    shown = sum(b["text"]["text"].count("line ") for b in blocks[:4])
    assert f"and {200 - shown} more things not shown" in blocks[-1]["elements"][0]["text"]
    assert kit.listing(lines[:3], max_blocks=5) == [kit.section("\n".join(lines[:3]))]


def test_pack_lines_counts_lines_per_text() -> None:
    packed = kit.pack_lines(["a\nb", "c"], limit=4)
    assert packed == [("a\nb", 1), ("c", 1)]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"blocks": []}, "missing fallback text"),
        ({"text": "x" * 40_001, "blocks": []}, "40001 characters"),
        ({"text": "t", "blocks": [{"type": "divider"}] * 51}, "51 blocks"),
        ({"text": "t", "blocks": [{"type": "section"}]}, "neither text nor fields"),
        (
            {"text": "t", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": ""}}]},
            "text is empty",
        ),
        (
            {"text": "t", "blocks": [{"type": "section", "text": {"text": "x" * 3001}}]},
            "3001 characters",
        ),
        (
            {"text": "t", "blocks": [{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}]},
            "plain_text",
        ),
        (
            {"text": "t", "blocks": [{"type": "context", "elements": [{"text": "c"}] * 11}]},
            "11 context elements",
        ),
        (
            {
                "text": "t",
                "blocks": [
                    {
                        "type": "actions",
                        "elements": [
                            {
                                "type": "button",
                                "text": {"text": "b"},
                                "action_id": "a",
                                "value": "v" * 2001,
                            }
                        ],
                    }
                ],
            },
            "button value too long",
        ),
        ({"text": "t", "blocks": [{"type": "video"}]}, "unexpected block type"),
    ],
)
def test_limit_violations_finds_each_problem(body: kit.Message, problem: str) -> None:
    assert any(problem in p for p in kit.limit_violations(body))


def test_view_violations() -> None:
    good = {
        "type": "modal",
        "title": kit.plain("Title", 24),
        "blocks": [kit.section("x")],
    }
    assert kit.view_violations(good) == []
    bad = {
        **good,
        "title": {"type": "plain_text", "text": "t" * 25},
        "private_metadata": "m" * 3001,
    }
    problems = kit.view_violations(bad)
    assert any("title has 25 characters" in p for p in problems)
    assert "private_metadata too long" in problems
