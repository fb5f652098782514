"""The `/_fake/...` admin routes (for a fake in another process) and form-encoded Web API calls."""

from __future__ import annotations

import httpx

from oec_chatops.clock import ManualClock
from oec_chatops.playground import FakeSlack
from tests.support.fake_slack import AUTH, TOKEN


async def test_rate_limit_route(fake_http: httpx.AsyncClient) -> None:
    set_up = await fake_http.post(
        "/_fake/rate_limit", json={"method": "chat.postMessage", "retry_after": 2, "times": 1}
    )
    limited = await fake_http.post(
        "/api/chat.postMessage", json={"channel": "C0DEPLOYS", "text": "x"}, headers=AUTH
    )
    passed = await fake_http.post(
        "/api/chat.postMessage", json={"channel": "C0DEPLOYS", "text": "x"}, headers=AUTH
    )

    assert set_up.json()["scenarios"][0]["retry_after"] == 2
    assert (limited.status_code, limited.headers["retry-after"]) == (429, "2")
    assert limited.json() == {"ok": False, "error": "ratelimited"}
    assert passed.json()["ok"] is True


async def test_fail_down_and_reset_routes(fake_http: httpx.AsyncClient, fake: FakeSlack) -> None:
    await fake_http.post(
        "/_fake/fail", json={"method": "chat.update", "error": "cant_update_message"}
    )
    await fake_http.post("/_fake/down", json={"down": True})
    down = await fake_http.post("/api/auth.test", headers=AUTH)
    await fake_http.post("/_fake/down", json={"down": False})
    failing = await fake_http.post("/api/chat.update", json={"channel": "C0DEPLOYS"}, headers=AUTH)

    reset = await fake_http.post("/_fake/reset")

    assert down.status_code == 503
    assert failing.json()["error"] == "cant_update_message"
    assert reset.json()["scenarios"] == []
    assert fake.calls() == []


async def test_down_for_some_seconds_route(
    fake_http: httpx.AsyncClient, clock: ManualClock
) -> None:
    await fake_http.post("/_fake/down", json={"down": 10})

    during = await fake_http.post("/api/auth.test", headers=AUTH)
    clock.advance(11)
    after = await fake_http.post("/api/auth.test", headers=AUTH)

    assert (during.status_code, after.status_code) == (503, 200)


async def test_query_routes(fake_http: httpx.AsyncClient) -> None:
    await fake_http.post(
        "/api/chat.postMessage", json={"channel": "#deploys", "text": "hello"}, headers=AUTH
    )
    await fake_http.post(
        "/api/chat.postEphemeral",
        json={"channel": "C0DEPLOYS", "user": "U0DEV1", "text": "psst"},
        headers=AUTH,
    )

    calls = (await fake_http.get("/_fake/calls", params={"method": "chat.postMessage"})).json()
    messages = (await fake_http.get("/_fake/messages", params={"channel": "C0DEPLOYS"})).json()
    ephemerals = (await fake_http.get("/_fake/ephemerals", params={"user": "U0DEV1"})).json()
    missing = await fake_http.get("/_fake/messages")

    assert [c["args"]["channel"] for c in calls["calls"]] == ["#deploys"]
    assert [m["text"] for m in messages["messages"]] == ["hello"]
    assert messages["messages"][0]["channel"] == "C0DEPLOYS"
    assert [e["text"] for e in ephemerals["ephemerals"]] == ["psst"]
    assert missing.status_code == 400


async def test_directory_routes(fake_http: httpx.AsyncClient, fake: FakeSlack) -> None:
    await fake_http.post("/_fake/users", json={"id": "U0NEW", "name": "nia", "is_admin": True})
    await fake_http.post("/_fake/channels", json={"id": "C0NEW", "name": "new", "is_member": False})
    await fake_http.post(
        "/_fake/usergroups", json={"id": "S0NEW", "handle": "new", "users": ["U0NEW"]}
    )
    await fake_http.post("/_fake/archive", json={"channel": "C0DEPLOYS"})

    assert fake.user("U0NEW").is_admin
    assert not fake.channel("new").is_member
    assert fake.usergroups()[-1].members == ("U0NEW",)
    assert fake.channel("C0DEPLOYS").is_archived


async def test_bad_admin_requests(fake_http: httpx.AsyncClient) -> None:
    unknown = await fake_http.post("/_fake/teleport", json={})
    missing = await fake_http.post("/_fake/fail", json={"method": "chat.update"})
    not_json = await fake_http.post("/_fake/fail", content=b"{oops")
    unknown_channel = await fake_http.post("/_fake/archive", json={"channel": "C0NOPE"})

    assert unknown.status_code == 404
    assert missing.status_code == 400
    assert not_json.json()["error"] == "invalid_json"
    assert unknown_channel.status_code == 400


async def test_form_encoded_call_with_token_field(
    fake_http: httpx.AsyncClient, fake: FakeSlack
) -> None:
    answer = await fake_http.post(
        "/api/chat.postMessage",
        data={
            "token": TOKEN,
            "channel": "C0DEPLOYS",
            "text": "from a form",
            "metadata": '{"event_type":"oec_outbox","event_payload":{"key":"k1"}}',
            "blocks": '[{"type":"divider"}]',
        },
    )

    assert answer.json()["ok"] is True
    [message] = fake.messages("C0DEPLOYS")
    assert message.metadata == {"event_type": "oec_outbox", "event_payload": {"key": "k1"}}
    assert message.blocks[0]["type"] == "divider"
    assert "token" not in fake.calls()[-1].args


async def test_a_token_inside_json_is_ignored_as_slack_does(fake_http: httpx.AsyncClient) -> None:
    answer = await fake_http.post("/api/auth.test", json={"token": TOKEN})

    assert answer.json() == {"ok": False, "error": "not_authed"}


async def test_malformed_json_body(fake_http: httpx.AsyncClient) -> None:
    answer = await fake_http.post(
        "/api/chat.postMessage",
        content=b"{not json",
        headers=AUTH | {"Content-Type": "application/json"},
    )

    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_json"
