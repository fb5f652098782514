"""The `/oec` grammar: what users type, including what phones and Slack do to it."""

from __future__ import annotations

import pytest

from oec_chatops import policy
from oec_chatops.domain import Verb
from oec_chatops.errors import CommandError
from oec_chatops.slack.grammar import (
    VERB_SPECS,
    WEBHOOK_EVENTS,
    Command,
    lookup_verb,
    normalize,
    parse_command,
    usage,
)
from oec_chatops.slack.grammar.subscribe import SubscribeOptions

# Accepted ------------------------------------------------------------------------------------

ACCEPTED = [
    ("", Command(Verb.HELP)),
    ("   ", Command(Verb.HELP)),
    ("help", Command(Verb.HELP)),
    ("HELP", Command(Verb.HELP)),
    ("?", Command(Verb.HELP)),
    ("help deploy", Command(Verb.HELP, topic=Verb.DEPLOY)),
    ("help /logs", Command(Verb.HELP, topic=Verb.LOGS)),
    ("help environments", Command(Verb.HELP, topic=Verb.ENVS)),
    ("whoami", Command(Verb.WHOAMI)),
    ("WhoAmI", Command(Verb.WHOAMI)),
    ("projects", Command(Verb.PROJECTS)),
    ("project", Command(Verb.PROJECTS)),
    ("envs", Command(Verb.ENVS)),
    ("env shop", Command(Verb.ENVS, project="shop")),
    ("envs shop", Command(Verb.ENVS, project="shop")),
    ('envs "Acme Shop"', Command(Verb.ENVS, project="Acme Shop")),
    ("envs “Acme Shop”", Command(Verb.ENVS, project="Acme Shop")),
    ("envs --status running", Command(Verb.ENVS, status="running")),
    ("envs --status=Running", Command(Verb.ENVS, status="running")),
    ("envs shop --status error", Command(Verb.ENVS, project="shop", status="error")),
    ("envs --status cloning shop", Command(Verb.ENVS, project="shop", status="cloning")),
    ("envs —status paused", Command(Verb.ENVS, status="paused")),
    ("status shop/staging", Command(Verb.STATUS, env="shop/staging")),
    ("status staging", Command(Verb.STATUS, env="staging")),
    (
        "status 3fa85f64-5717-4562-b3fc-2c963f66afa6",
        Command(Verb.STATUS, env="3fa85f64-5717-4562-b3fc-2c963f66afa6"),
    ),
    ("status `shop/staging`", Command(Verb.STATUS, env="shop/staging")),
    ('status "Acme Shop/staging"', Command(Verb.STATUS, env="Acme Shop/staging")),
    ("STATUS Shop/Staging", Command(Verb.STATUS, env="Shop/Staging")),
    ("logs shop/staging", Command(Verb.LOGS, env="shop/staging")),
    ("log shop/staging", Command(Verb.LOGS, env="shop/staging")),
    ("logs shop/staging --lines 50", Command(Verb.LOGS, env="shop/staging", lines=50)),
    ("logs shop/staging --lines=50", Command(Verb.LOGS, env="shop/staging", lines=50)),
    ("logs --lines 1 shop/staging", Command(Verb.LOGS, env="shop/staging", lines=1)),
    ("logs shop/staging --lines 5000", Command(Verb.LOGS, env="shop/staging", lines=5000)),
    ("logs shop/staging —lines 20", Command(Verb.LOGS, env="shop/staging", lines=20)),
    ("logs shop/staging –lines 20", Command(Verb.LOGS, env="shop/staging", lines=20)),
    ("logs shop/staging --LINES 20", Command(Verb.LOGS, env="shop/staging", lines=20)),
    ("logs shop/staging --runtime", Command(Verb.LOGS, env="shop/staging", runtime=True)),
    (
        "logs shop/staging --runtime --source Postgres --lines 1000",
        Command(Verb.LOGS, env="shop/staging", runtime=True, source="postgres", lines=1000),
    ),
    (
        "logs --source=container --runtime shop/staging",
        Command(Verb.LOGS, env="shop/staging", runtime=True, source="container"),
    ),
    ("backups shop/production", Command(Verb.BACKUPS, env="shop/production")),
    ("metrics shop/production", Command(Verb.METRICS, env="shop/production")),
    ("deploy shop/staging", Command(Verb.DEPLOY, env="shop/staging")),
    ("Deploy   shop/staging  ", Command(Verb.DEPLOY, env="shop/staging")),
    ("deploy\tshop/staging\n", Command(Verb.DEPLOY, env="shop/staging")),
    ("deploy\u00a0shop/staging", Command(Verb.DEPLOY, env="shop/staging")),
    (
        "deploy shop/production -- fixing invoice totals",
        Command(Verb.DEPLOY, env="shop/production", reason="fixing invoice totals"),
    ),
    (
        "deploy shop/production — fixing invoice totals",
        Command(Verb.DEPLOY, env="shop/production", reason="fixing invoice totals"),
    ),
    (
        "deploy shop/production – fixing invoice totals",
        Command(Verb.DEPLOY, env="shop/production", reason="fixing invoice totals"),
    ),
    (
        "deploy shop/production -- fix -- the “totals” — now",
        Command(Verb.DEPLOY, env="shop/production", reason='fix -- the "totals" — now'),
    ),
    (
        "deploy shop/production -- it's   Bob’s  fix",
        Command(Verb.DEPLOY, env="shop/production", reason="it's Bob's fix"),
    ),
    ("deploy shop/production --", Command(Verb.DEPLOY, env="shop/production")),
    (
        "deploy shop/production -- a &lt;b&gt; &amp; c",
        Command(Verb.DEPLOY, env="shop/production", reason="a <b> & c"),
    ),
    (
        "deploy shop/staging --modules sale_custom,stock_extra",
        Command(Verb.DEPLOY, env="shop/staging", modules=("sale_custom", "stock_extra")),
    ),
    (
        "deploy shop/staging --modules=sale_custom",
        Command(Verb.DEPLOY, env="shop/staging", modules=("sale_custom",)),
    ),
    (
        "deploy shop/staging --modules sale_custom, stock_extra",
        Command(Verb.DEPLOY, env="shop/staging", modules=("sale_custom", "stock_extra")),
    ),
    (
        "deploy shop/staging --modules Sale_Custom,sale_custom",
        Command(Verb.DEPLOY, env="shop/staging", modules=("sale_custom",)),
    ),
    (
        "deploy shop/staging --modules all",
        Command(Verb.DEPLOY, env="shop/staging", modules=("all",)),
    ),
    (
        "deploy shop/staging --modules ALL -- migrate everything",
        Command(Verb.DEPLOY, env="shop/staging", modules=("all",), reason="migrate everything"),
    ),
    (
        "deploy —modules sale_custom shop/staging — urgent",
        Command(Verb.DEPLOY, env="shop/staging", modules=("sale_custom",), reason="urgent"),
    ),
    ("redeploy shop/staging", Command(Verb.REDEPLOY, env="shop/staging")),
    (
        "redeploy shop/staging -- stuck assets",
        Command(Verb.REDEPLOY, env="shop/staging", reason="stuck assets"),
    ),
    ("restart shop/staging", Command(Verb.RESTART, env="shop/staging")),
    ("start shop/staging", Command(Verb.START, env="shop/staging")),
    (
        "stop shop/staging -- weekend",
        Command(Verb.STOP, env="shop/staging", reason="weekend"),
    ),
    ("approvals", Command(Verb.APPROVALS)),
    ("approval", Command(Verb.APPROVALS)),
    ("subscriptions", Command(Verb.SUBSCRIPTIONS)),
    ("subs", Command(Verb.SUBSCRIPTIONS)),
    ("subscribe shop", Command(Verb.SUBSCRIBE, target="shop", options=SubscribeOptions())),
    (
        "subscribe shop/*-prod deploy.failed monitoring.alert",
        Command(
            Verb.SUBSCRIBE,
            target="shop/*-prod",
            events=("deploy.failed", "monitoring.alert"),
            options=SubscribeOptions(),
        ),
    ),
    (
        "subscribe shop deploy.*,environment.*",
        Command(
            Verb.SUBSCRIBE,
            target="shop",
            events=("deploy.*", "environment.*"),
            options=SubscribeOptions(),
        ),
    ),
    (
        "subscribe shop Deploy.Failed deploy.failed",
        Command(
            Verb.SUBSCRIBE, target="shop", events=("deploy.failed",), options=SubscribeOptions()
        ),
    ),
    (
        "subscribe shop *",
        Command(Verb.SUBSCRIBE, target="shop", events=("*",), options=SubscribeOptions()),
    ),
    ("unsubscribe shop", Command(Verb.UNSUBSCRIBE, target="shop")),
    (
        "unsubscribe shop/* environment.status_changed",
        Command(Verb.UNSUBSCRIBE, target="shop/*", events=("environment.status_changed",)),
    ),
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED, ids=[t or "<empty>" for t, _ in ACCEPTED])
def test_accepted(text: str, expected: Command) -> None:
    assert parse_command(text) == expected


# Refused -------------------------------------------------------------------------------------

REFUSED = [
    # (text, words the message must contain, verb whose usage is the hint or None)
    (
        "deplyo shop/staging",
        "Unknown command `deplyo`. Did you mean `/oec deploy shop/staging`?",
        Verb.DEPLOY,
    ),
    ("stats shop/staging", "Did you mean `/oec status shop/staging`?", Verb.STATUS),
    ("subscirbe shop", "Did you mean `/oec subscribe shop`?", Verb.SUBSCRIBE),
    ("environmnts", "Did you mean `/oec envs`?", Verb.ENVS),
    ("help deplyo", "Did you mean `/oec help deploy`?", Verb.DEPLOY),
    ("status", "needs an environment", Verb.STATUS),
    ("logs", "needs an environment", Verb.LOGS),
    ("deploy", "needs an environment", Verb.DEPLOY),
    ("deploy ``", "needs an environment", Verb.DEPLOY),
    ("deploy shop/staging extra", "Too many arguments: `extra`", Verb.DEPLOY),
    ("status a b c", "Too many arguments: `b c`", Verb.STATUS),
    ("status shop/", "is not an environment", Verb.STATUS),
    ("status /staging", "is not an environment", Verb.STATUS),
    ("status a/b/c", "is not an environment", Verb.STATUS),
    ("status " + "x" * 301, "characters long", Verb.STATUS),
    ("whoami me", "`/oec whoami` takes no arguments; got `me`", Verb.WHOAMI),
    ("projects all", "takes no arguments", Verb.PROJECTS),
    ("approvals now", "takes no arguments", Verb.APPROVALS),
    ("subscriptions here", "takes no arguments", Verb.SUBSCRIPTIONS),
    ("help deploy now", "Too many arguments", Verb.HELP),
    ("envs shop extra", "Too many arguments", Verb.ENVS),
    ("envs shop/staging", "takes a project, not an environment", Verb.ENVS),
    ("envs --status broken", "Unknown status `broken`", Verb.ENVS),
    ("envs --status failed", "Unknown status `failed`", Verb.ENVS),
    ("envs --status", "`--status` needs a value", Verb.ENVS),
    ("envs --status=", "`--status` needs a value", Verb.ENVS),
    ("envs --status --status running", "`--status` needs a value", Verb.ENVS),
    ("envs --status running --status error", "given twice", Verb.ENVS),
    ("logs shop/staging --lines 0", "from 1 to 5000; got `0`", Verb.LOGS),
    ("logs shop/staging --lines 5001", "got `5001`", Verb.LOGS),
    ("logs shop/staging --lines -5", "got `-5`", Verb.LOGS),
    ("logs shop/staging --lines lots", "got `lots`", Verb.LOGS),
    ("logs shop/staging --lines 1.5", "got `1.5`", Verb.LOGS),
    ("logs shop/staging --lines", "`--lines` needs a value", Verb.LOGS),
    ("logs shop/staging --modules x", "has no option `--modules`", Verb.LOGS),
    ("logs shop/staging --runtime --source nginx", "Unknown log source `nginx`", Verb.LOGS),
    ("logs shop/staging --source odoo", "add `--runtime`", Verb.LOGS),
    ("logs shop/staging --runtime --lines 1001", "from 1 to 1000; got `1001`", Verb.LOGS),
    ("logs shop/staging --runtime --lines 0", "from 1 to 1000; got `0`", Verb.LOGS),
    ("logs shop/staging --runtime=yes", "`--runtime` takes no value", Verb.LOGS),
    ("logs shop/staging --runtime --runtime", "given twice", Verb.LOGS),
    ("logs shop/staging --runtime --source", "`--source` needs a value", Verb.LOGS),
    ("backups", "`/oec backups` needs an environment", Verb.BACKUPS),
    ("metrics shop/a shop/b", "Too many arguments", Verb.METRICS),
    ("metrics shop/production --lines 5", "takes no options", Verb.METRICS),
    ("status shop/staging --lines 5", "takes no options; got `--lines`", Verb.STATUS),
    ("whoami --verbose", "`/oec whoami` takes no options; got `--verbose`", Verb.WHOAMI),
    ("deploy shop/staging --force", "has no option `--force`", Verb.DEPLOY),
    ("deploy shop/staging --modules", "`--modules` needs a value", Verb.DEPLOY),
    ("deploy shop/staging --modules -- why", "`--modules` needs a value", Verb.DEPLOY),
    ("deploy shop/staging --modules ,,", "needs module names", Verb.DEPLOY),
    ("deploy shop/staging --modules all,sale", "not both", Verb.DEPLOY),
    ("deploy shop/staging --modules sale-custom", "`sale-custom` is not a module", Verb.DEPLOY),
    ("deploy shop/staging --modules " + "a" * 65, "up to 64 characters", Verb.DEPLOY),
    (
        "deploy shop/staging --modules " + ",".join(f"m{i}" for i in range(51)),
        "51 modules named; at most 50",
        Verb.DEPLOY,
    ),
    ("redeploy shop/staging --modules sale", "takes no `--modules`", Verb.REDEPLOY),
    ("restart shop/staging --modules sale", "has no option `--modules`", Verb.RESTART),
    ("deploy shop/staging -- " + "x" * 501, "keep it under 500", Verb.DEPLOY),
    ("status shop/staging -- because", "takes no reason", Verb.STATUS),
    ("logs shop/staging — because", "takes no reason", Verb.LOGS),
    ("-- why", "Start with a command", Verb.DEPLOY),
    ('envs "Acme Shop', "A quote is not closed", None),
    ("subscribe", "needs a project", Verb.SUBSCRIBE),
    ("unsubscribe", "needs a project", Verb.UNSUBSCRIBE),
    ("subscribe shop/a/b", "is not a subscription target", Verb.SUBSCRIBE),
    ("subscribe /prod", "is not a subscription target", Verb.SUBSCRIBE),
    ("subscribe shop deploy.finished", "Unknown event `deploy.finished`", Verb.SUBSCRIBE),
    ("subscribe shop deploy.faild", "Did you mean `deploy.failed`?", Verb.SUBSCRIBE),
    ("subscribe shop billing.*", "Unknown event `billing.*`", Verb.SUBSCRIBE),
    ("unsubscribe shop ping", "Unknown event `ping`", Verb.UNSUBSCRIBE),
]


@pytest.mark.parametrize(("text", "words", "hint_verb"), REFUSED, ids=[t[:40] for t, *_ in REFUSED])
def test_refused(text: str, words: str, hint_verb: Verb | None) -> None:
    with pytest.raises(CommandError) as info:
        parse_command(text)
    assert words in str(info.value)
    if hint_verb is not None:
        assert info.value.hint.startswith(usage(hint_verb))
    else:
        assert info.value.hint


def test_unknown_command_far_from_everything_lists_the_commands() -> None:
    with pytest.raises(CommandError) as info:
        parse_command("xyzzy")
    assert str(info.value) == "Unknown command `xyzzy`."
    assert "`deploy`" in info.value.hint
    assert "/oec help" in info.value.hint


def test_echoed_words_are_short_and_cannot_break_out_of_their_code_span() -> None:
    with pytest.raises(CommandError) as info:
        parse_command("x`y" + "z" * 200)
    message = str(info.value)
    assert message.count("`") == 2
    assert len(message) < 80


def test_unknown_event_hint_lists_the_known_events() -> None:
    with pytest.raises(CommandError) as info:
        parse_command("subscribe shop nonsense")
    assert all(event in info.value.hint for event in WEBHOOK_EVENTS)


# Normalising ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("deploy <http://shop.example.com|shop.example.com>", "deploy shop.example.com"),
        ("deploy <http://shop.example.com>", "deploy http://shop.example.com"),
        ("a &amp;lt; b", "a &lt; b"),
        ("“a” ‘b’ „c‟", '"a" \'b\' "c"'),
        ("a \t\n  b\u00a0\u2003c", "a b c"),
    ],
)
def test_normalize(raw: str, clean: str) -> None:
    assert normalize(raw) == clean


def test_a_link_slack_made_of_a_project_name_still_resolves_to_what_was_typed() -> None:
    cmd = parse_command("envs <http://shop.example.com|shop.example.com>")
    assert cmd.project == "shop.example.com"


def test_backslashes_are_kept_not_treated_as_escapes() -> None:
    assert parse_command(r"status shop\prod").env == r"shop\prod"


# The verb table ------------------------------------------------------------------------------


def test_every_verb_has_a_spec_usage_and_examples_that_parse() -> None:
    assert set(VERB_SPECS) == set(Verb)
    for verb, spec in VERB_SPECS.items():
        assert spec.verb is verb
        assert spec.syntax.startswith(f"/oec {verb.value}")
        assert usage(verb).startswith(f"Usage: `{spec.syntax}`")
        assert spec.examples
        for example in spec.examples:
            assert parse_command(example.removeprefix("/oec ")).verb is verb


def test_help_roles_agree_with_the_policy() -> None:
    for verb, spec in VERB_SPECS.items():
        assert spec.min_role is policy.required_role(verb), verb


@pytest.mark.parametrize("verb", list(Verb))
def test_lookup_verb_accepts_every_verb_in_any_case(verb: Verb) -> None:
    assert lookup_verb(verb.value.upper()) is verb


def test_command_is_frozen() -> None:
    cmd = parse_command("status shop/staging")
    with pytest.raises(AttributeError):
        cmd.env = "other"  # type: ignore[misc]
