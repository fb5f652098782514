"""The platforms file (CONTRACT.md §1): parsed purely, every problem named at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from oec_chatops.config import load_settings, unknown_variables
from oec_chatops.errors import ConfigError
from oec_chatops.platforms import parse_platforms, read_secrets, single_platform

GOOD = """
[[platform]]
name = "oec"
kind = "oec"
url = "https://api.oec.sh/api/public/v1"
key_env = "OEC_API_KEY"

[[platform]]
name = "ocore"
kind = "ocore"
key_env = "OCORE_TOKEN"
servers = { "uuid-1" = "eu-1" }

[[platform]]
name = "derp"
kind = "deployerp"
url = "https://api.deployerp.com/v1"
key_env = "DEPLOYERP_API_KEY"
webhook_secret_env = "DEPLOYERP_WEBHOOK_SECRET"
"""


def test_the_contracts_example_parses() -> None:
    entries = parse_platforms(GOOD)
    assert [(e.name, e.kind) for e in entries] == [
        ("oec", "oec"),
        ("ocore", "ocore"),
        ("derp", "deployerp"),
    ]
    assert entries[1].servers == {"uuid-1": "eu-1"}
    assert entries[2].variables() == ("DEPLOYERP_API_KEY", "DEPLOYERP_WEBHOOK_SECRET")


@pytest.mark.parametrize(
    ("entry", "said"),
    [
        ('name = "Derp"\nkind = "deployerp"\nkey_env = "K"', "lower-case"),
        ('name = "derp"\nkind = "heroku"\nkey_env = "K"', "kind must be one of"),
        ('name = "derp"\nkind = "deployerp"', "key_env is required"),
        ('name = "derp"\nkind = "deployerp"\nkey_env = "not a name"', "key_env must name"),
        ('name = "derp"\nkind = "deployerp"\nkey_env = "K"\nurl = "ftp://x"', "http(s) URL"),
        ('name = "derp"\nkind = "deployerp"\nkey_env = "K"\nkey = "secret"', "unknown field"),
        ('name = "oec"\nkind = "deployerp"\nkey_env = "K"', "'oec' is for the oec.sh"),
        ('name = "o"\nkind = "ocore"\nkey_env = "K"\nwebhook_secret_env = "W"', "no webhooks"),
        ('name = "d"\nkind = "deployerp"\nkey_env = "K"\nservers = { a = "b" }', "only for"),
    ],
)
def test_a_bad_entry_is_named(entry: str, said: str) -> None:
    with pytest.raises(ConfigError, match="platform #1") as caught:
        parse_platforms(f"[[platform]]\n{entry}\n")
    assert said in str(caught.value)


def test_a_name_used_twice_is_refused() -> None:
    twice = '[[platform]]\nname = "a"\nkind = "oec"\nkey_env = "K"\n' * 2
    with pytest.raises(ConfigError, match="used twice"):
        parse_platforms(twice)


def test_no_entry_and_bad_toml_are_refused() -> None:
    with pytest.raises(ConfigError, match="at least one"):
        parse_platforms("")
    with pytest.raises(ConfigError, match="not valid TOML"):
        parse_platforms("[[platform]\n")


def test_every_unset_variable_is_named_and_no_value_ever() -> None:
    entries = parse_platforms(GOOD)
    with pytest.raises(ConfigError) as caught:
        read_secrets(entries, {"OEC_API_KEY": "oec-secret-value", "OCORE_TOKEN": " "})
    message = str(caught.value)
    assert "DEPLOYERP_API_KEY, DEPLOYERP_WEBHOOK_SECRET, OCORE_TOKEN" in message
    assert "oec-secret-value" not in message


def test_secrets_are_read_and_never_in_repr() -> None:
    environ = {
        "OEC_API_KEY": "k1-secret",
        "OCORE_TOKEN": "k2-secret",
        "DEPLOYERP_API_KEY": "k3-secret",
        "DEPLOYERP_WEBHOOK_SECRET": "whsec_x",
    }
    hosts = read_secrets(parse_platforms(GOOD), environ)
    assert hosts[2].values() == ("k3-secret", "whsec_x")
    assert "secret" not in repr(hosts).replace("webhook_secret_env", "")


def test_the_single_platform_variables_make_one_host_named_oec() -> None:
    host = single_platform("https://api.oec.sh/api/public/v1", "key", None, "hook")
    assert host is not None
    assert (host.entry.name, host.entry.kind, host.webhook_secret) == ("oec", "oec", "hook")
    assert single_platform("https://api.oec.sh/api/public/v1", None, None, None) is None


def test_the_platforms_secrets_are_redacted_from_the_logs(tmp_path: Path) -> None:
    path = tmp_path / "platforms.toml"
    path.write_text(GOOD, encoding="utf-8")
    settings = load_settings(
        {
            "SLACK_BOT_TOKEN": "xoxb-1-token",
            "SLACK_SIGNING_SECRET": "signing-secret",
            "OEC_CHATOPS_PLATFORMS": str(path),
            "OEC_API_KEY": "oec_live_rw_" + "a" * 40,
            "OCORE_TOKEN": "ocore-jwt-secret",
            "DEPLOYERP_API_KEY": "derp-key-secret",
            "DEPLOYERP_WEBHOOK_SECRET": "whsec_new1, whsec_old2",
        }
    )
    redacted = set(settings.secret_values())
    assert {"ocore-jwt-secret", "derp-key-secret", "whsec_new1", "whsec_old2"} <= redacted
    assert [h.entry.name for h in settings.platforms()] == ["oec", "ocore", "derp"]


def test_a_variable_the_platforms_file_names_is_not_called_unknown() -> None:
    environ = {"OEC_API_KEY_EU": "x", "OEC_API_KEI": "y"}
    named = [u.name for u in unknown_variables(environ, named=("OEC_API_KEY_EU",))]
    assert named == ["OEC_API_KEI"]
    assert [u.name for u in unknown_variables(environ)] == ["OEC_API_KEI", "OEC_API_KEY_EU"]
