"""Settings: a missing or malformed variable stops start-up with one line naming it, never its
value; secrets stay out of every repr."""

from __future__ import annotations

import pytest

from oec_chatops.config import Settings, load_settings
from oec_chatops.errors import ConfigError

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
    ],
)
def test_a_malformed_variable_is_named_without_its_value(variable: str, value: str) -> None:
    message = error_for({**GOOD, variable: value})
    assert message.startswith(f"{variable}: ")
    assert value not in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ("OEC_API_KEY", "OEC_API_KEY"),
        ("SLACK_BOT_TOKEN", "SLACK_BOT_TOKEN"),
        ("SLACK_SIGNING_SECRET", "SLACK_SIGNING_SECRET"),
    ],
)
def test_a_missing_variable_is_named(missing: str, named: str) -> None:
    environ = {k: v for k, v in GOOD.items() if k != missing}
    message = error_for(environ)
    assert message.startswith(named)
    for secret in environ.values():
        assert secret not in message


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
        "OEC_API_KEY",
        "OEC_API_KEY_RO",
        "OEC_API_URL",
        "OEC_WEBHOOK_SECRET",
        "OEC_WEBHOOK_SCHEME",
        "OEC_WEBHOOK_ALLOW_UNTIMESTAMPED",
        "OEC_WEBHOOK_TOLERANCE",
        "OEC_CHATOPS_DB",
        "OEC_CHATOPS_POLICY",
        "HOST",
        "PORT",
        "LOG_LEVEL",
        "LOG_FORMAT",
        "PUBLIC_URL",
        "OEC_CHATOPS_SLACK_TIMEOUT",
        "OEC_CHATOPS_SLACK_POSTS_PER_SECOND",
        "OEC_CHATOPS_SLACK_UPDATES_PER_MINUTE",
    }
