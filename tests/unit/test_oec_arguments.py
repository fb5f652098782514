"""Arguments refused before sending (§9.6 module names, quick-update modes, ids, base URL)."""

from __future__ import annotations

import pytest

from oec_chatops.deployerp.client import DerpClient
from oec_chatops.deployerp.settings import DerpSettings
from oec_chatops.ocore.client import OcoreClient
from oec_chatops.oec.arguments import (
    action_name,
    check_base_url,
    check_idempotency_key,
    check_modules,
    path_segment,
    quick_update_body,
)
from oec_chatops.oec.errors import OecConfigError, OecInvalidRequest
from tests.support.ocore_helpers import FULL_TOKEN

EP = "POST /environments/{env_id}/deploy"


def test_module_names_are_trimmed_and_deduplicated_in_order() -> None:
    assert check_modules([" sale ", "stock", "sale"], EP) == ["sale", "stock"]
    assert check_modules("sale_custom", EP) == ["sale_custom"]
    assert check_modules(["a" * 64], EP) == ["a" * 64]
    assert len(check_modules([f"m{i}" for i in range(50)], EP)) == 50


@pytest.mark.parametrize(
    "modules", [[], ["Sale"], ["a-b"], ["a" * 65], ["sale", "x y"], [f"m{i}" for i in range(51)]]
)
def test_bad_module_lists(modules: list[str]) -> None:
    with pytest.raises(OecInvalidRequest) as info:
        check_modules(modules, EP)
    assert info.value.fields[0]["field"] == "modules"
    assert info.value.endpoint == EP


def test_quick_update_bodies() -> None:
    assert quick_update_body("pull_restart", None, EP) == {"mode": "pull_restart"}
    assert quick_update_body("update_all", [], EP) == {"mode": "update_all"}
    assert quick_update_body("reinitialize_specific", ["sale"], EP) == {
        "mode": "reinitialize_specific",
        "modules": ["sale"],
    }
    for mode, modules in (("nuke", None), ("update_specific", None), ("update_all", ["sale"])):
        with pytest.raises(OecInvalidRequest):
            quick_update_body(mode, modules, EP)


def test_action_names() -> None:
    assert [action_name(v) for v in ("deploy", "REDEPLOY", " restart", "start", "stop")] == [
        "deploy",
        "deploy",
        "restart",
        "start",
        "stop",
    ]
    with pytest.raises(OecInvalidRequest, match="rollback"):
        action_name("rollback")


def test_path_segments_cannot_climb_out() -> None:
    assert path_segment("a/../b?c#d", "env_id", EP) == "a%2F..%2Fb%3Fc%23d"
    with pytest.raises(OecInvalidRequest):
        path_segment(" ", "env_id", EP)


def test_idempotency_keys_are_header_safe() -> None:
    assert check_idempotency_key("3f2a-uuid", EP) == "3f2a-uuid"
    for bad in ("", "a b", "é", "x" * 256, "line\nbreak"):
        with pytest.raises(OecInvalidRequest):
            check_idempotency_key(bad, EP)


def test_base_url_and_root() -> None:
    assert check_base_url("https://api.oec.sh/api/public/v1/") == (
        "https://api.oec.sh/api/public/v1",
        "https://api.oec.sh",
    )
    assert check_base_url("http://127.0.0.1:8080/api/public/v1") == (
        "http://127.0.0.1:8080/api/public/v1",
        "http://127.0.0.1:8080",
    )
    for bad in ("api.oec.sh/v1", "ftp://x/y", "https://"):
        with pytest.raises(OecConfigError, match="OEC_API_URL"):
            check_base_url(bad)


def test_each_platform_names_its_own_url_when_refusing_it() -> None:
    """One URL check serves the three clients; each refusal names that platform's URL."""
    with pytest.raises(OecConfigError, match=r"^The deployERP API URL must be") as derp:
        DerpClient(key="derp_sk_" + "k" * 30, settings=DerpSettings(base_url="ftp://x/v1"))
    assert "OEC_API_URL" not in str(derp.value)
    with pytest.raises(OecConfigError, match=r"^The oCore URL must be .*api\.ocore\.dev"):
        OcoreClient.create("api.ocore.dev/api", FULL_TOKEN)
