"""Instances as environments grouped by server, under the pinned, configurable rules."""

from __future__ import annotations

from typing import Any

import pytest

from oec_chatops.ocore import OcoreSettings
from oec_chatops.ocore.mapping import group_by_server, is_production, server_name, to_environment
from oec_chatops.ocore.models import OcoreInstance

SERVER = "0a1b2c3d4e5f-6789"


def _instance(**fields: Any) -> OcoreInstance:
    return OcoreInstance.model_validate({"id": "i-1", "serverId": SERVER, **fields})


def test_server_names_come_from_the_table_else_the_id_prefix() -> None:
    assert server_name(SERVER, OcoreSettings()) == "0a1b2c3d"
    assert server_name(SERVER, OcoreSettings(server_name_chars=4)) == "0a1b"
    assert server_name(SERVER, OcoreSettings(servers={SERVER: "eu-1"})) == "eu-1"


def test_a_servers_table_changed_later_does_not_change_the_settings() -> None:
    table = {SERVER: "eu-1"}
    settings = OcoreSettings(servers=table)
    table[SERVER] = "changed"
    assert server_name(SERVER, settings) == "eu-1"


@pytest.mark.parametrize(
    ("slug", "name", "expected"),
    [
        ("shop-prod", None, True),
        ("shop", "Shop-Production", True),
        ("shop-production-copy", None, False),
        ("shop-staging", "Shop", False),
    ],
)
def test_production_by_the_pinned_suffixes(slug: str, name: str | None, expected: bool) -> None:
    assert is_production(_instance(slug=slug, name=name), OcoreSettings()) is expected


def test_production_suffixes_are_configurable() -> None:
    live = OcoreSettings(production_suffixes=("-live",))
    assert is_production(_instance(slug="shop-live"), live)
    assert not is_production(_instance(slug="shop-prod"), live)


def test_an_instance_maps_with_its_status_as_given_and_primary_domain() -> None:
    env = to_environment(
        _instance(
            slug="shop-prod",
            name="Shop",
            status="Hibernating",
            domains=[{"domain": "a.example.com"}, {"domain": "b.example.com", "isPrimary": True}],
            odooVersion="17.0",
            unknownField=1,
        ),
        OcoreSettings(),
    )
    assert (env.name, env.status, env.url, env.environment_type, env.project_id) == (
        "shop-prod",
        "Hibernating",
        "https://b.example.com",
        "production",
        SERVER,
    )


def test_instances_without_a_server_are_grouped_as_unassigned() -> None:
    pairs = group_by_server(
        [OcoreInstance(id="x", slug="lost"), _instance(slug="a")], OcoreSettings()
    )
    assert [(p.name, e.name) for p, e in pairs] == [("0a1b2c3d", "a"), ("unassigned", "lost")]


def test_settings_refuse_nonsense() -> None:
    with pytest.raises(ValueError, match="poll_interval"):
        OcoreSettings(poll_interval=0)
    with pytest.raises(ValueError, match="server_name_chars"):
        OcoreSettings(server_name_chars=0)
