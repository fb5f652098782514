"""Log lines: JSON off a terminal, text on one, secrets redacted however they arrive, and the
request id of the request being served on every line."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from oec_chatops.context import request_id_var
from oec_chatops.logs import REDACTED, JsonFormatter, RedactingFilter, configure_logging

SECRET = "s3cr3t-configured-value"
BOT_TOKEN = "xoxb-2222-3333-unconfiguredtoken"


class TtyStream(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {n: logging.getLogger(n).level for n in ("httpx", "slack_sdk", "oec_chatops.bolt")}
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        for name, lvl in levels.items():
            logging.getLogger(name).setLevel(lvl)


def lines(buf: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in buf.getvalue().splitlines()]


def test_json_when_not_on_a_terminal(restore_logging: None) -> None:
    buf = io.StringIO()
    configure_logging(stream=buf)
    logging.getLogger("oec_chatops.test").info(
        "approval.decided", extra={"approval_id": "apr_1", "decision": "approve"}
    )
    [line] = lines(buf)
    assert line["event"] == "approval.decided"
    assert line["level"] == "info"
    assert line["logger"] == "oec_chatops.test"
    assert line["approval_id"] == "apr_1"
    assert str(line["at"]).endswith("+00:00")


def test_text_on_a_terminal(restore_logging: None) -> None:
    buf = TtyStream()
    configure_logging(stream=buf)
    logging.getLogger("oec_chatops.test").warning("outbox.retry", extra={"row": 7})
    out = buf.getvalue()
    assert "warning" in out
    assert "outbox.retry row=7" in out
    assert not out.startswith("{")


def test_one_handler_however_often_it_is_configured(restore_logging: None) -> None:
    first, second = io.StringIO(), io.StringIO()
    configure_logging(stream=first)
    configure_logging(stream=second)
    logging.getLogger("oec_chatops.test").info("once")
    assert first.getvalue() == ""
    assert len(lines(second)) == 1


def test_the_handler_keeps_its_level_when_a_logger_lets_more_through(
    restore_logging: None,
) -> None:
    buf = io.StringIO()
    configure_logging(level="WARNING", stream=buf)
    chatty = logging.getLogger("oec_chatops.test.chatty")
    chatty.setLevel(logging.INFO)
    try:
        chatty.info("not.printed")
        chatty.warning("printed")
    finally:
        chatty.setLevel(logging.NOTSET)
    assert [line["event"] for line in lines(buf)] == ["printed"]


def test_noisy_libraries_are_held_at_warning(restore_logging: None) -> None:
    buf = io.StringIO()
    configure_logging(level="DEBUG", stream=buf)
    logging.getLogger("oec_chatops.bolt").debug("Applying middleware")
    logging.getLogger("slack_sdk.web").debug("Sending a request")
    logging.getLogger("oec_chatops.bolt").warning("bolt.warning")
    assert [line["event"] for line in lines(buf)] == ["bolt.warning"]


def test_uvicorns_colour_copy_is_not_a_field() -> None:
    record = logging.makeLogRecord({"msg": "Started", "color_message": "\x1b[36mStarted\x1b[0m"})
    assert "color_message" not in json.loads(JsonFormatter().format(record))


def redact(**record: object) -> logging.LogRecord:
    r = logging.makeLogRecord(record)
    RedactingFilter([SECRET]).filter(r)
    return r


def test_configured_secrets_are_redacted_in_message_args_and_fields() -> None:
    r = redact(
        msg=f"calling with {SECRET}",
        args=None,
        detail={"nested": [f"x{SECRET}y"]},
        note=f"a {SECRET}",
    )
    shown = JsonFormatter().format(r)
    assert SECRET not in shown
    assert shown.count(REDACTED) == 3

    r = redact(msg="key %s", args=(SECRET,))
    assert SECRET not in r.getMessage()


def test_values_under_secret_looking_keys_are_redacted() -> None:
    r = redact(msg="x", authorization="Bearer abc", api_key="k", signing_secret="v", user="U1")
    fields = json.loads(JsonFormatter().format(r))
    assert fields["authorization"] == fields["api_key"] == fields["signing_secret"] == REDACTED
    assert fields["user"] == "U1"


def test_credential_shapes_are_redacted_even_when_not_configured() -> None:
    key = "oec_live_rw_" + "Z" * 30
    r = redact(msg=f"token {BOT_TOKEN} and {key}")
    assert BOT_TOKEN not in r.getMessage()
    assert key not in r.getMessage()


def test_exception_text_is_redacted() -> None:
    try:
        raise RuntimeError(f"refused {SECRET}")
    except RuntimeError as exc:
        r = redact(msg="boom", exc_info=(type(exc), exc, exc.__traceback__))
    shown = JsonFormatter().format(r)
    assert "RuntimeError" in shown
    assert SECRET not in shown


def test_the_request_id_of_the_request_being_served_is_added() -> None:
    token = request_id_var.set("req_abc123")
    try:
        r = redact(msg="command.received")
    finally:
        request_id_var.reset(token)
    assert json.loads(JsonFormatter().format(r))["request_id"] == "req_abc123"
    assert "request_id" not in json.loads(JsonFormatter().format(redact(msg="outside")))
