"""What the fake Slack logs of the traffic: calls, answers to users' actions, modals, and the
numbered changes a live feed sends. Frozen records, like the directory's (`records`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from oec_chatops.playground.records import JsonDict, record_dict

ResponseKind = Literal["command", "block_actions", "view_submission"]
Outcome = Literal["posted", "posted_ephemeral", "replaced", "deleted", "refused"]


@dataclass(frozen=True, slots=True)
class ResponsePost:
    """One answer to a user's action, and what it did to the conversation.

    Usually a POST to a `response_url`; for a slash command, also the body of the app's HTTP
    answer (Bolt's `ack("text")`), which Slack shows the same way and which uses up no URL.
    """

    seq: int
    url_id: str
    kind: ResponseKind | None  # None: a URL the fake never issued
    channel_id: str | None
    user_id: str | None
    body: JsonDict
    status: int
    outcome: Outcome
    error: str | None = None
    message_ts: str | None = None  # the message it posted, replaced or deleted
    via: Literal["response_url", "ack"] = "response_url"  # "ack": the body of the HTTP answer

    def to_dict(self) -> JsonDict:
        return record_dict(self)


@dataclass(frozen=True, slots=True)
class Call:
    """One request the fake answered: Web API method (or `response_url`), arguments, answer.

    `args` never contains the token: it arrives in a header and is checked, not kept.
    """

    seq: int
    method: str
    args: JsonDict
    status: int
    answer: JsonDict
    at: float
    team_id: str | None = None  # the workspace whose token made the call (None: no valid token)

    @property
    def ok(self) -> bool:
        return bool(self.answer.get("ok"))

    @property
    def error(self) -> str | None:
        error = self.answer.get("error")
        return error if isinstance(error, str) else None

    def to_dict(self) -> JsonDict:
        return record_dict(self)

    def summary(self) -> str:
        """One line for a timeout message: `chat.postMessage(channel=C1) -> 429 ratelimited`."""
        shown = ", ".join(
            f"{k}={v!r}" if len(repr(v)) <= 40 else f"{k}=…"
            for k, v in self.args.items()
            if k in {"channel", "ts", "user", "thread_ts", "text", "response_type", "view_id"}
        )
        outcome = "ok" if self.ok else (self.error or "error")
        return f"#{self.seq} {self.method}({shown}) -> {self.status} {outcome}"


@dataclass(frozen=True, slots=True)
class OpenedView:
    """A modal the app opened (and maybe updated) for a user."""

    view_id: str
    user_id: str
    view: JsonDict
    hash: str
    external_id: str | None = None
    closed: bool = False

    @property
    def callback_id(self) -> str:
        return str(self.view.get("callback_id", ""))

    @property
    def private_metadata(self) -> str:
        return str(self.view.get("private_metadata", ""))

    def to_api(self, *, team_id: str, app_id: str, bot_id: str) -> JsonDict:
        answer: JsonDict = {
            "type": self.view.get("type", "modal"),
            "blocks": [],
            "private_metadata": "",
            "callback_id": "",
            "clear_on_close": False,
            "notify_on_close": False,
            "external_id": "",
            "submit": None,
            "close": None,
        }
        answer.update(self.view)
        answer.update(
            id=self.view_id,
            team_id=team_id,
            state={"values": {}},
            hash=self.hash,
            previous_view_id=None,
            root_view_id=self.view_id,
            app_id=app_id,
            app_installed_team_id=team_id,
            bot_id=bot_id,
        )
        if self.external_id is not None:
            answer["external_id"] = self.external_id
        return answer


ChangeKind = Literal[
    "message.posted",
    "message.updated",
    "message.deleted",
    "ephemeral.posted",
    "ephemeral.updated",
    "ephemeral.deleted",
    "view.opened",
    "view.updated",
    "home.published",
    "call",
    "workspace",
    "reset",
]


@dataclass(frozen=True, slots=True)
class Change:
    """One change of state, numbered: what a live feed (SSE) of the playground sends."""

    version: int
    kind: ChangeKind
    channel_id: str | None = None
    ts: str | None = None
    user_id: str | None = None

    def to_dict(self) -> JsonDict:
        return record_dict(self)
