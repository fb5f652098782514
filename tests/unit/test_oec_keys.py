"""Key format and tier (CONTRACT.md §9.8, §8 #6): checked locally, never echoed."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from oec_chatops.oec.errors import OecConfigError
from oec_chatops.oec.keys import KeySlot, KeyTier, parse_key, parse_tier, redact_keys

TOKEN = "Zx9_-" + "k" * 38  # 43 characters, as oec.sh issues them today


@pytest.mark.parametrize(
    ("value", "tier"),
    [
        (f"oec_live_rw_{TOKEN}", KeyTier.FULL_ACCESS),
        (f"oec_live_ro_{TOKEN}", KeyTier.READ_ONLY),
        (f"oec_live_{TOKEN}", KeyTier.UNKNOWN),
        (f"  oec_live_rw_{TOKEN}\n", KeyTier.FULL_ACCESS),
        ("oec_live_rw_" + "a" * 20, KeyTier.FULL_ACCESS),
        ("oec_live_rw_" + "a" * 200, KeyTier.FULL_ACCESS),
    ],
)
def test_tier_is_read_from_the_prefix(value: str, tier: KeyTier) -> None:
    assert parse_tier(value) is tier


@pytest.mark.parametrize(
    "value",
    [
        "",
        "oec_live_rw_" + "a" * 19,  # token too short
        "oec_live_rw_" + "a" * 201,  # token too long
        "oec_live_rw_" + "a" * 30 + "!",  # not URL-safe
        "oec_test_rw_" + "a" * 43,
        "Bearer oec_live_rw_" + "a" * 43,
        "oec_live_" + "a" * 19,
        "oec_live_xx",
    ],
)
def test_malformed_keys_have_no_tier(value: str) -> None:
    assert parse_tier(value) is None


def test_a_tier_prefix_with_a_short_token_is_not_taken_for_a_plain_key() -> None:
    # "rw_" + 17 chars would be a 20-char plain token; the tier prefix must win.
    assert parse_tier("oec_live_rw_" + "a" * 17) is None


def test_parse_key_keeps_the_secret_out_of_the_repr() -> None:
    key = parse_key(SecretStr(f"oec_live_rw_{TOKEN}"), slot=KeySlot.RW)
    assert key.tier is KeyTier.FULL_ACCESS
    assert key.can_write
    assert TOKEN not in repr(key)
    assert key.authorization() == f"Bearer oec_live_rw_{TOKEN}"


@pytest.mark.parametrize(
    ("value", "slot", "named"),
    [
        ("oec_live_rw_short", KeySlot.RW, "(RW)"),
        ("oec_live_ro_short", KeySlot.RO, "(RO)"),
        (f"oec_live_ro_{TOKEN}", KeySlot.RW, "(RW)"),  # a read-only key in the RW slot
        (f"oec_live_rw_{TOKEN}", KeySlot.RO, "(RO)"),  # a full-access key in the RO slot
    ],
)
def test_refusals_name_the_slot_never_the_value(value: str, slot: KeySlot, named: str) -> None:
    with pytest.raises(OecConfigError) as info:
        parse_key(SecretStr(value), slot=slot)
    text = str(info.value)
    assert named in text
    assert value not in text
    assert "short" not in text
    assert TOKEN not in text


def test_plain_keys_fit_either_slot_with_unknown_tier() -> None:
    for slot in KeySlot:
        assert parse_key(SecretStr(f"oec_live_{TOKEN}"), slot=slot).tier is KeyTier.UNKNOWN


def test_redact_keys_hides_anything_key_shaped() -> None:
    text = f"invalid key oec_live_rw_{TOKEN} (and oec_live_{TOKEN})"
    redacted = redact_keys(text)
    assert TOKEN not in redacted
    assert redacted.count("oec_live_[redacted]") == 2
