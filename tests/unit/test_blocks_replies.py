"""Short answers: errors, near misses, refusals, notices."""

from __future__ import annotations

from oec_chatops import policy
from oec_chatops.domain import Role, Verb
from oec_chatops.errors import CommandError
from oec_chatops.slack.blocks import (
    limit_violations,
    render_denied,
    render_did_you_mean,
    render_error,
    render_notice,
)
from oec_chatops.slack.grammar import parse_command


def test_error_with_hint_and_request_id() -> None:
    body = render_error(
        "Unknown environment `shop/stagin`.", hint="Try `/oec envs`.", request_id="req_1"
    )
    assert limit_violations(body) == []
    assert body["blocks"][0]["text"]["text"] == ":warning: Unknown environment `shop/stagin`."
    assert body["blocks"][1]["text"]["text"] == "Try `/oec envs`."
    assert body["blocks"][2]["elements"][0]["text"] == "Request `req_1`"
    assert body["text"] == "Unknown environment `shop/stagin`."


def test_error_alone() -> None:
    body = render_error("Nope.")
    assert len(body["blocks"]) == 1


def test_a_grammar_error_renders_with_its_usage_escaped() -> None:
    try:
        parse_command("deploy")
    except CommandError as exc:
        body = render_error(str(exc), hint=exc.hint)
    assert limit_violations(body) == []
    hint = body["blocks"][1]["text"]["text"]
    assert hint.startswith("Usage: `/oec deploy &lt;project/env&gt;")


def test_an_echoed_word_cannot_ping_the_channel() -> None:
    try:
        parse_command("&lt;!channel&gt;")  # how Slack sends "<!channel>" typed as a command
    except CommandError as exc:
        body = render_error(str(exc), hint=exc.hint)
    assert "<!channel>" not in body["text"]
    assert "<!channel>" not in body["blocks"][0]["text"]["text"]
    assert "&lt;!channel&gt;" in body["blocks"][0]["text"]["text"]


def test_did_you_mean() -> None:
    body = render_did_you_mean("shop/stagin", ["shop/staging", "shop/stage"])
    assert limit_violations(body) == []
    assert body["blocks"][0]["text"]["text"] == (
        ":mag: No environment matches `shop/stagin`. Did you mean:\n• `shop/staging`\n• `shop/stage`"
    )
    assert body["text"] == "No environment matches shop/stagin. Did you mean shop/staging?"


def test_did_you_mean_many_and_none() -> None:
    many = render_did_you_mean("s", [f"shop/e{i}" for i in range(25)], kind="project")
    assert limit_violations(many) == []
    assert many["blocks"][0]["text"]["text"].count("•") == 10
    assert "and 15 more matches" in many["blocks"][1]["elements"][0]["text"]
    assert "No project matches" in many["text"]
    none = render_did_you_mean("<x>", [])
    assert limit_violations(none) == []
    assert none["blocks"][0]["text"]["text"] == ":mag: No environment matches `&lt;x&gt;`."
    huge = render_did_you_mean("q" * 5000, ["c" * 1000] * 10)
    assert limit_violations(huge) == []


def test_denied_from_a_policy_decision() -> None:
    decision = policy.authorize(policy.Policy.default(), "U0X", [], Verb.DEPLOY)
    body = render_denied(decision)
    assert limit_violations(body) == []
    assert body["blocks"][0]["text"]["text"] == f":no_entry: {decision.message}"
    assert body["blocks"][1]["elements"][0]["text"] == "Your role: *viewer* · needed: *deployer*"
    assert decision.role is Role.VIEWER


def test_notice_escapes_what_it_echoes() -> None:
    body = render_notice("Subscribed this channel to `a<b>`.", emoji=":bell:")
    assert limit_violations(body) == []
    assert body["blocks"][0]["text"]["text"] == ":bell: Subscribed this channel to `a&lt;b&gt;`."
    assert body["text"] == "Subscribed this channel to `a&lt;b&gt;`."
    assert render_notice("Done.")["blocks"][0]["text"]["text"] == "Done."
