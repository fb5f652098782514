"""manifest.yml against the code: every command handled, every Web API call covered by a scope.

The Web API calls are found by reading the source (every `<x>.slack.<method>(` and
`slack.<method>(` call outside the simulator and the playground), so a new call without its scope
in the manifest fails here, and so does a scope that nothing uses any more.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from oec_chatops.adapters.check import REQUIRED_SCOPES
from oec_chatops.config import load_settings
from oec_chatops.container import build_container
from oec_chatops.entrypoints.server import build_app

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "oec_chatops"
PLACEHOLDER_HOST = "YOUR-BOT-HOST"

# Bot scopes each Web API method needs, from its page under https://api.slack.com/methods/.
# conversations.history needs the history scope of each conversation type the bot reads:
# public channels and private channels (subscriptions live in either; no DMs).
METHOD_SCOPES: dict[str, frozenset[str]] = {
    "chat.postMessage": frozenset({"chat:write"}),
    "chat.update": frozenset({"chat:write"}),
    "chat.postEphemeral": frozenset({"chat:write"}),
    "conversations.history": frozenset({"channels:history", "groups:history"}),
    "conversations.replies": frozenset({"channels:history", "groups:history"}),
    "usergroups.list": frozenset({"usergroups:read"}),
    # is_member of the channel a change is made from, public or private (services.channel_access)
    "conversations.info": frozenset({"channels:read", "groups:read"}),
    "views.open": frozenset(),  # authorised by the trigger_id of the click
    "views.publish": frozenset(),  # a user's App Home: no scope (the Home tab must be on)
    "auth.test": frozenset(),  # any token
    # Socket Mode: called with the app-level token (scope connections:write, set on the
    # token in the app's settings), never with the bot token.
    "apps.connections.open": frozenset(),
}
# Calls Bolt makes itself: auth.test on the first request (single-workspace authorisation).
# `respond()` posts to the request's response_url, which needs no scope.
BOLT_CALLS = frozenset({"auth.test"})
# The slash command itself needs `commands`.
COMMAND_SCOPES = frozenset({"commands"})

_CALL = re.compile(r"(?:\b|_)slack\.([a-z]+(?:_[A-Za-z]+)+)\(")


def load_manifest() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def bot_sources() -> list[Path]:
    return [
        p
        for p in SRC.rglob("*.py")
        if not {"sim", "playground"} & set(p.relative_to(SRC).parts[:-1])
    ]


def web_api_calls() -> dict[str, set[str]]:
    """Web API method -> the modules that call it, as the slack_sdk method names spell it."""
    found: dict[str, set[str]] = {}
    for path in bot_sources():
        for name in _CALL.findall(path.read_text(encoding="utf-8")):
            found.setdefault(name.replace("_", "."), set()).add(str(path.relative_to(SRC)))
    return found


def handled_events() -> set[str]:
    pattern = re.compile(r"@app\.event\(\s*[\"']([^\"']+)[\"']")
    return {e for p in bot_sources() for e in pattern.findall(p.read_text(encoding="utf-8"))}


def handled_commands() -> set[str]:
    pattern = re.compile(r"@app\.command\(\s*[\"']([^\"']+)[\"']")
    return {c for p in bot_sources() for c in pattern.findall(p.read_text(encoding="utf-8"))}


def test_manifest_has_the_required_sections() -> None:
    m = load_manifest()
    info = m["display_information"]
    assert 0 < len(info["name"]) <= 35
    assert 0 < len(info["description"]) <= 140
    assert 175 <= len(info["long_description"]) <= 4000
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", info["background_color"])
    assert 0 < len(m["features"]["bot_user"]["display_name"]) <= 80
    settings = m["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is False
    assert settings["org_deploy_enabled"] is False
    assert settings["token_rotation_enabled"] is False


def test_every_handled_command_is_declared_with_usage_and_description() -> None:
    commands = {c["command"]: c for c in load_manifest()["features"]["slash_commands"]}
    assert handled_commands() == {"/oec"}
    assert set(commands) == handled_commands()
    for command in commands.values():
        assert command["description"]
        assert len(command["description"]) <= 2000
        assert command["usage_hint"]
        assert len(command["usage_hint"]) <= 1000
        assert command["should_escape"] is False  # the grammar reads the text as typed


def test_request_urls_are_placeholders_on_the_bolt_route(tmp_path: Path) -> None:
    m = load_manifest()
    urls = [c["url"] for c in m["features"]["slash_commands"]]
    urls.append(m["settings"]["interactivity"]["request_url"])
    for url in urls:
        assert url == f"https://{PLACEHOLDER_HOST}/slack/events"
    settings = load_settings(
        {
            "SLACK_BOT_TOKEN": "xoxb-1-2-manifest",
            "SLACK_SIGNING_SECRET": "manifest-signing-secret",
            "OEC_API_KEY": "oec_live_rw_" + "M" * 40,
            "OEC_CHATOPS_DB": str(tmp_path / "bot.db"),
        }
    )
    c = build_container(settings)
    try:
        routes = {getattr(r, "path", "") for r in build_app(c).routes}
    finally:
        c.store.close()
    assert "/slack/events" in routes


def test_interactivity_is_on_because_the_code_listens_for_clicks_and_views() -> None:
    listeners = "".join(p.read_text(encoding="utf-8") for p in bot_sources())
    assert "@app.action(" in listeners
    assert "@app.view(" in listeners
    assert load_manifest()["settings"]["interactivity"]["is_enabled"] is True


def test_the_home_tab_is_on_and_every_event_listened_for_is_subscribed() -> None:
    m = load_manifest()
    home = m["features"]["app_home"]
    assert home["home_tab_enabled"] is True
    assert home["messages_tab_enabled"] is False  # the bot answers nothing written there
    events = m["settings"]["event_subscriptions"]
    assert events["request_url"] == f"https://{PLACEHOLDER_HOST}/slack/events"
    assert handled_events() == {"app_home_opened", "app_uninstalled", "tokens_revoked"}
    assert set(events["bot_events"]) == handled_events()


def test_the_source_scan_finds_the_calls_we_know_about() -> None:
    """Guards the scanner itself: if it stopped matching, the scope test would pass vacuously."""
    calls = web_api_calls()
    for method in (
        "chat.postMessage",
        "chat.update",
        "conversations.history",
        "views.open",
        "views.publish",
    ):
        assert method in calls, method


def test_every_web_api_call_has_a_known_scope_requirement() -> None:
    unknown = set(web_api_calls()) - set(METHOD_SCOPES)
    assert not unknown, f"add these methods and their scopes to METHOD_SCOPES: {sorted(unknown)}"


def test_every_web_api_call_is_covered_by_a_bot_scope() -> None:
    scopes = set(load_manifest()["oauth_config"]["scopes"]["bot"])
    for method in set(web_api_calls()) | BOLT_CALLS:
        missing = METHOD_SCOPES.get(method, frozenset()) - scopes
        assert not missing, f"{method} needs {sorted(missing)}"


def test_no_bot_scope_is_unused() -> None:
    scopes = load_manifest()["oauth_config"]["scopes"]["bot"]
    assert len(scopes) == len(set(scopes))
    needed = set(COMMAND_SCOPES)
    for method in set(web_api_calls()) | BOLT_CALLS:
        needed |= METHOD_SCOPES.get(method, frozenset())
    assert set(scopes) == needed


def test_check_expects_the_manifests_scopes() -> None:
    """`oec-chatops check` compares the token's granted scopes with this list."""
    assert set(load_manifest()["oauth_config"]["scopes"]["bot"]) == REQUIRED_SCOPES


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("await self.slack.chat_postMessage(channel=c)", {"chat.postMessage"}),
        ("await c.slack.views_open(trigger_id=t)", {"views.open"}),
        ("await self._slack.views_publish(user_id=u)", {"views.publish"}),
        ("auth = await slack.auth_test()", {"auth.test"}),
        ("await slack.session.close()", set()),
    ],
)
def test_scanner_pattern(source: str, expected: set[str]) -> None:
    assert {m.replace("_", ".") for m in _CALL.findall(source)} == expected


def test_the_multi_workspace_install_is_declared_as_the_code_serves_it(tmp_path: Path) -> None:
    """The redirect URL is Bolt's OAuth callback route, and the events the code forgets a
    workspace on (slack.uninstall) are subscribed, on the same verified door."""
    m = load_manifest()
    assert m["oauth_config"]["redirect_urls"] == [
        f"https://{PLACEHOLDER_HOST}/slack/oauth_redirect"
    ]
    events = m["settings"]["event_subscriptions"]
    assert events["request_url"] == f"https://{PLACEHOLDER_HOST}/slack/events"
    listened = set(
        re.findall(
            r"@app\.event\(\"([a-z_]+)\"\)", (SRC / "slack" / "uninstall.py").read_text("utf-8")
        )
    )
    assert listened == {"app_uninstalled", "tokens_revoked"}
    assert listened <= set(events["bot_events"])
    settings = load_settings(
        {
            "SLACK_CLIENT_ID": "1.2",
            "SLACK_CLIENT_SECRET": "manifest-client-secret",
            "OEC_CHATOPS_ENCRYPTION_KEY": "OWf7VL2oeyLOT-Kczhp5mubcU8Sz0OFpyelagvTXJvU=",
            "SLACK_SIGNING_SECRET": "manifest-signing-secret",
            "OEC_CHATOPS_DB": str(tmp_path / "bot.db"),
        }
    )
    c = build_container(settings)
    try:
        routes = {getattr(r, "path", "") for r in build_app(c).routes}
    finally:
        c.store.close()
    assert {"/slack/events", "/slack/install", "/slack/oauth_redirect"} <= routes
