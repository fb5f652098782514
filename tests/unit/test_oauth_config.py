"""A multi-workspace install's settings: all of its variables or none, never beside one
workspace's secrets, the encryption key checked without ever being shown."""

from __future__ import annotations

from itertools import combinations

import pytest

from oec_chatops.config import load_settings
from oec_chatops.errors import ConfigError
from oec_chatops.oauth_config import OAUTH_NEEDS, SINGLE_WORKSPACE_ONLY
from oec_chatops.secretbox import SecretBox, SecretUnreadable
from tests.support.oauth import ENCRYPTION_KEY, OAUTH_ENV, OTHER_KEY
from tests.support.stack import BOT_TOKEN, RW_KEY, SIGNING_SECRET

FULL = {**OAUTH_ENV, "SLACK_SIGNING_SECRET": SIGNING_SECRET}
ONE_WORKSPACE_VALUES = {
    "SLACK_BOT_TOKEN": BOT_TOKEN,
    "SLACK_APP_TOKEN": "xapp-1-A0-1234-abcdef",
    "OEC_API_KEY": RW_KEY,
    "OEC_API_KEY_RO": "oec_live_ro_" + "Q" * 20 + "o" * 23,
    "OEC_CHATOPS_POLICY": "/etc/oec-chatops/policy.toml",
    "OEC_CHATOPS_PLATFORMS": "/etc/oec-chatops/platforms.toml",
    "OEC_WEBHOOK_SECRET": "whsec-one-workspace",
}


def error_for(environ: dict[str, str]) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(environ)
    return str(caught.value)


def test_the_full_set_starts_a_multi_workspace_bot() -> None:
    s = load_settings(FULL)
    assert s.oauth
    assert not s.embedded
    assert s.slack_bot_token is None
    assert ENCRYPTION_KEY in s.secret_values()


@pytest.mark.parametrize(
    "present",
    [
        set(c)
        for n in range(1, len(OAUTH_NEEDS))
        for c in combinations(OAUTH_NEEDS, n)
        if set(c) & set(OAUTH_ENV)
    ],
    ids=lambda present: "+".join(sorted(present)),
)
def test_a_partial_oauth_set_is_refused_naming_what_is_missing(present: set[str]) -> None:
    message = error_for({k: v for k, v in FULL.items() if k in present})
    missing = [n for n in OAUTH_NEEDS if n not in present]
    assert message.startswith(f"missing {', '.join(missing)} (")
    for value in FULL.values():
        assert value not in message


@pytest.mark.parametrize("variable", SINGLE_WORKSPACE_ONLY)
def test_one_workspace_secrets_are_refused_beside_oauth(variable: str) -> None:
    message = error_for({**FULL, variable: ONE_WORKSPACE_VALUES[variable]})
    assert f"{variable} cannot be set with SLACK_CLIENT_ID" in message
    if not variable.startswith("OEC_CHATOPS_"):  # those two are file paths, not secrets
        assert ONE_WORKSPACE_VALUES[variable] not in message


@pytest.mark.parametrize(
    "bad", ["not-a-key", ENCRYPTION_KEY[:-4], f"{ENCRYPTION_KEY},short"], ids=["text", "cut", "2nd"]
)
def test_a_malformed_encryption_key_is_named_never_shown(bad: str) -> None:
    message = error_for({**FULL, "OEC_CHATOPS_ENCRYPTION_KEY": bad})
    assert message.startswith("OEC_CHATOPS_ENCRYPTION_KEY: ")
    for part in bad.split(","):
        assert part not in message


def test_a_wrong_key_refuses_to_open_and_says_which_variable() -> None:
    sealed = SecretBox(ENCRYPTION_KEY).seal("xoxb-T0ALPHA-secret")
    assert "xoxb-T0ALPHA-secret" not in sealed
    with pytest.raises(SecretUnreadable, match="OEC_CHATOPS_ENCRYPTION_KEY") as caught:
        SecretBox(OTHER_KEY).open(sealed, what="the bot token of T0ALPHA")
    assert "T0ALPHA" in str(caught.value)
    assert "secret" not in str(caught.value).replace("OEC_CHATOPS", "")
    assert ENCRYPTION_KEY not in repr(SecretBox(ENCRYPTION_KEY))


def test_rotation_opens_with_the_old_key_and_reseals_under_the_new() -> None:
    old = SecretBox(ENCRYPTION_KEY).seal("oec_live_rw_rotated")
    both = SecretBox(f"{OTHER_KEY},{ENCRYPTION_KEY}")
    assert both.open(old) == "oec_live_rw_rotated"
    resealed = both.reseal(old)
    assert SecretBox(OTHER_KEY).open(resealed) == "oec_live_rw_rotated"
