"""Settings: a missing or malformed variable stops start-up with one line naming it, never its
value; secrets stay out of every repr."""

from __future__ import annotations

from pathlib import Path

import pytest

from oec_chatops.config import CREDENTIALS, Settings, load_settings, unknown_variables
from oec_chatops.errors import ConfigError
from tests.support.oauth import OAUTH_ENV

BOT_TOKEN = "xoxb-1111-2222-configtesttoken"
SIGNING = "c0nf1g-signing-secret-value"
RW_KEY = "oec_live_rw_" + "K" * 40
RO_KEY = "oec_live_ro_" + "k" * 40
APP_TOKEN = "xapp-1-A0OEC-123-configapptoken"
WEBHOOK = "whsec_configwebhooksecret"

GOOD = {
    "SLACK_BOT_TOKEN": BOT_TOKEN,
    "SLACK_SIGNING_SECRET": SIGNING,
    "OEC_API_KEY": RW_KEY,
    "OEC_API_KEY_RO": RO_KEY,
    "OEC_WEBHOOK_SECRET": WEBHOOK,
}


def error_for(environ: dict[str, str]) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(environ)
    return str(caught.value)


def test_a_complete_configuration_loads() -> None:
    s = load_settings(
        {**GOOD, "PORT": "8080", "LOG_LEVEL": "DEBUG", "OEC_CHATOPS_DB": "/data/x.db"}
    )
    assert not s.embedded
    assert s.port == 8080
    assert str(s.oec_chatops_db) == "/data/x.db"
    assert s.webhook_secrets == (WEBHOOK,)


def test_a_postgresql_url_is_kept_whole_and_a_path_stays_a_path() -> None:
    url = "postgresql://bot:secret@db.example.com:5432/oec"
    assert load_settings({**GOOD, "OEC_CHATOPS_DB": url}).oec_chatops_db == url
    assert load_settings({**GOOD, "OEC_CHATOPS_DB": "x.db"}).oec_chatops_db == Path("x.db")
    assert (
        "s3cret-pw"
        in load_settings(
            {**GOOD, "OEC_CHATOPS_DB": "postgresql://bot:s3cret-pw@db/oec"}
        ).secret_values()
    )


def test_public_url_gives_the_webhook_address() -> None:
    assert load_settings(GOOD).webhook_url is None
    s = load_settings({**GOOD, "PUBLIC_URL": "https://chatops.example.com/"})
    assert s.webhook_url == "https://chatops.example.com/webhooks/oec"


def test_no_credentials_means_the_embedded_demo() -> None:
    assert load_settings({}).embedded


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("OEC_API_KEY", "not-a-key-but-secret-1234"),
        ("OEC_API_KEY", "oec_live_rw_short"),
        ("OEC_API_KEY_RO", "oec_live_ro_has spaces in it here"),
        ("SLACK_BOT_TOKEN", "xoxp-user-token-secret-9876"),
        ("SLACK_APP_TOKEN", "xoxb-not-an-app-token-5555"),
        ("OEC_API_URL", "ftp://files.example"),
        ("SLACK_API_URL", "slack.com/api"),
        ("PORT", "99999"),
        ("PORT", "three-thousand"),
        ("LOG_LEVEL", "LOUD"),
        ("LOG_FORMAT", "xml"),
        ("OEC_WEBHOOK_SCHEME", "hmac-sha1"),
        ("OEC_WEBHOOK_TOLERANCE", "5"),
        ("OEC_WEBHOOK_ALLOW_UNTIMESTAMPED", "perhaps"),
        ("PUBLIC_URL", "bot.internal.example"),
    ],
)
def test_a_malformed_variable_is_named_without_its_value(variable: str, value: str) -> None:
    message = error_for({**GOOD, variable: value})
    assert message.startswith(f"{variable}: ")
    assert value not in message
    assert "\n" not in message


SOCKET_MODE = {
    **{k: v for k, v in GOOD.items() if k != "SLACK_SIGNING_SECRET"},
    "SLACK_APP_TOKEN": APP_TOKEN,
}
VALUES = {**GOOD, "SLACK_APP_TOKEN": APP_TOKEN, **OAUTH_ENV}
INGRESS = "SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode)"


@pytest.mark.parametrize(
    ("present", "missing"),
    [
        # The set-up: signing and webhook secrets, no bot token, no oec.sh key.
        (("SLACK_SIGNING_SECRET", "OEC_WEBHOOK_SECRET"), ("SLACK_BOT_TOKEN", "OEC_API_KEY")),
        (("OEC_WEBHOOK_SECRET",), ("SLACK_BOT_TOKEN", INGRESS, "OEC_API_KEY")),
        (("OEC_API_KEY_RO",), ("SLACK_BOT_TOKEN", INGRESS, "OEC_API_KEY")),
        (("SLACK_APP_TOKEN",), ("SLACK_BOT_TOKEN", "OEC_API_KEY")),
        (("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"), ("OEC_API_KEY",)),
        (("SLACK_BOT_TOKEN", "OEC_API_KEY"), (INGRESS,)),
        (("SLACK_SIGNING_SECRET", "OEC_API_KEY", "OEC_API_KEY_RO"), ("SLACK_BOT_TOKEN",)),
    ],
)
def test_a_partial_set_of_credentials_names_every_missing_variable(
    present: tuple[str, ...], missing: tuple[str, ...]
) -> None:
    message = error_for({name: VALUES[name] for name in present})
    assert message.startswith(f"missing {', '.join(missing)} (")
    for name in present:
        assert name in message  # what was found, so the operator sees why this is no demo
    for secret in VALUES.values():
        assert secret not in message
    assert "\n" not in message


@pytest.mark.parametrize("credential", CREDENTIALS)
def test_any_one_credential_alone_is_refused_never_the_demo(credential: str) -> None:
    error_for({credential: VALUES[credential]})


def test_a_platforms_file_alone_is_a_real_bot_missing_its_credentials() -> None:
    message = error_for({"OEC_CHATOPS_PLATFORMS": "/etc/oec-chatops/platforms.toml"})
    assert message.startswith("missing SLACK_BOT_TOKEN, ")
    assert "OEC_API_KEY" not in message  # each host's key is named in the file instead


def test_the_demo_is_only_the_empty_set_and_every_listed_credential_counts() -> None:
    """CREDENTIALS is what `embedded` looks at: each of them must make it false."""
    assert set(CREDENTIALS) == set(VALUES)  # every secret the bot takes, and nothing else
    assert not load_settings(SOCKET_MODE).embedded
    assert not load_settings({**GOOD, "OEC_WEBHOOK_SECRET": ""}).embedded
    # Settings that are not credentials leave the demo the demo (the image sets OEC_CHATOPS_DB).
    not_credentials = {"OEC_CHATOPS_DB": "/data/x.db", "OEC_API_URL": "https://oec.example/api"}
    assert load_settings(not_credentials).embedded


def test_a_misspelt_token_is_named_with_what_was_meant() -> None:
    environ = {
        "SLACK_SIGNING_SECRET": SIGNING,
        "OEC_WEBHOOK_SECRET": WEBHOOK,
        "SLACK_BOT_TOKN": BOT_TOKEN,
    }
    message = error_for(environ)
    assert message.startswith("missing SLACK_BOT_TOKEN, OEC_API_KEY (")
    assert "SLACK_BOT_TOKN is not a variable oec-chatops reads (did you mean SLACK_BOT_TOKEN?)" in (
        message
    )
    assert BOT_TOKEN not in message


def test_a_misspelling_alone_does_not_fall_back_to_the_demo() -> None:
    message = error_for({"SLACK_BOT_TOKN": BOT_TOKEN, "OEC_APIKEY": RW_KEY})
    assert "OEC_APIKEY is not a variable oec-chatops reads (did you mean OEC_API_KEY?)" in message
    assert "SLACK_BOT_TOKN is not a variable" in message
    assert "would start the demo" in message
    for secret in (BOT_TOKEN, RW_KEY):
        assert secret not in message


def test_a_malformed_and_a_missing_variable_are_named_together() -> None:
    message = error_for({"SLACK_BOT_TOKEN": "xoxp-user-token-secret-9876"})
    assert message.startswith("SLACK_BOT_TOKEN: must be a bot token")
    assert f"missing {INGRESS}, OEC_API_KEY (" in message
    assert "xoxp-user-token-secret-9876" not in message


def test_an_unknown_variable_beside_a_complete_configuration_is_only_reported() -> None:
    """The bot starts (it has all it needs); `serve` and `check` name the stray variable."""
    environ = {**GOOD, "OEC_WEBHOOK_SECRETS": WEBHOOK, "SLACK_LOG": "x"}
    assert not load_settings(environ).embedded
    assert [str(u) for u in unknown_variables(environ)] == [
        "OEC_WEBHOOK_SECRETS is not a variable oec-chatops reads (did you mean OEC_WEBHOOK_SECRET?)",
        "SLACK_LOG is not a variable oec-chatops reads",
    ]


def test_kubernetes_service_links_are_not_unknown_variables() -> None:
    links = {
        "OEC_CHATOPS_SERVICE_HOST": "10.0.0.7",
        "OEC_CHATOPS_SERVICE_PORT": "3000",
        "OEC_CHATOPS_SERVICE_PORT_HTTP": "3000",
        "OEC_CHATOPS_PORT": "tcp://10.0.0.7:3000",
        "OEC_CHATOPS_PORT_3000_TCP": "tcp://10.0.0.7:3000",
        "OEC_CHATOPS_PORT_3000_TCP_ADDR": "10.0.0.7",
    }
    assert unknown_variables(links) == ()
    assert load_settings(links).embedded
    # A port someone meant for the bot is not a service link.
    assert [u.name for u in unknown_variables({"OEC_CHATOPS_PORT": "8080"})] == ["OEC_CHATOPS_PORT"]


def test_socket_mode_needs_no_signing_secret() -> None:
    environ = {k: v for k, v in GOOD.items() if k != "SLACK_SIGNING_SECRET"}
    s = load_settings({**environ, "SLACK_APP_TOKEN": APP_TOKEN})
    assert s.slack_app_token is not None


def test_secrets_never_show_in_repr_or_dump() -> None:
    s = load_settings({**GOOD, "SLACK_APP_TOKEN": APP_TOKEN})
    shown = repr(s) + str(s) + str(s.model_dump())
    for secret in (BOT_TOKEN, SIGNING, RW_KEY, RO_KEY, APP_TOKEN, WEBHOOK):
        assert secret not in shown
        assert secret in s.secret_values()


def test_webhook_secrets_rotate_as_a_comma_separated_list() -> None:
    s = load_settings({**GOOD, "OEC_WEBHOOK_SECRET": "whsec_newsecret1, whsec_oldsecret2"})
    assert s.webhook_secrets == ("whsec_newsecret1", "whsec_oldsecret2")
    assert {"whsec_newsecret1", "whsec_oldsecret2"} <= set(s.secret_values())


def test_empty_variables_count_as_unset() -> None:
    s = load_settings({**GOOD, "OEC_API_KEY_RO": "", "SLACK_APP_TOKEN": ""})
    assert s.oec_api_key_ro is None
    assert s.slack_app_token is None


def test_field_names_are_the_documented_variables() -> None:
    """The README's configuration table lists exactly these."""
    assert {name.upper() for name in Settings.model_fields} == {
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "SLACK_API_URL",
        "SLACK_CLIENT_ID",
        "SLACK_CLIENT_SECRET",
        "OEC_CHATOPS_ENCRYPTION_KEY",
        "OEC_API_KEY",
        "OEC_API_KEY_RO",
        "OEC_API_URL",
        "OEC_WEBHOOK_SECRET",
        "OEC_WEBHOOK_SCHEME",
        "OEC_WEBHOOK_ALLOW_UNTIMESTAMPED",
        "OEC_WEBHOOK_TOLERANCE",
        "OEC_CHATOPS_DB",
        "OEC_CHATOPS_POLICY",
        "OEC_CHATOPS_PLATFORMS",
        "OEC_CHATOPS_RETAIN_DELIVERIES",
        "OEC_CHATOPS_RETAIN_AUDIT",
        "OEC_CHATOPS_RETAIN_DEDUPE",
        "HOST",
        "PORT",
        "LOG_LEVEL",
        "LOG_FORMAT",
        "PUBLIC_URL",
        "OEC_CHATOPS_SLACK_TIMEOUT",
        "OEC_CHATOPS_SLACK_POSTS_PER_SECOND",
        "OEC_CHATOPS_SLACK_UPDATES_PER_MINUTE",
        "OEC_CHATOPS_OUTBOX_CLAIM",
    }
