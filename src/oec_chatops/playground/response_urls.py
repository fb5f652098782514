"""What a POST to a `response_url` does to the conversation, as Slack applies it.

Bolt's `respond()` POSTs JSON: `text`, `blocks`, `response_type`, `replace_original`,
`delete_original`, `thread_ts`, `metadata`. Slack's rules, as modelled here:

- a new message is ephemeral (seen by the user who acted) unless `response_type` is
  `in_channel`; no channel membership is needed, which is why bots answer through it;
- `replace_original` rewrites "the original": for a button, the message that held it (a channel
  message or an ephemeral one); for a slash command, the last message sent through this URL,
  and with nothing sent yet it just posts;
- `delete_original` removes the original;
- a URL works 5 times within 30 minutes, then answers 404 `used_url` / `expired_url`.
"""

from __future__ import annotations

from oec_chatops.playground.api_args import Refusal, text_arg
from oec_chatops.playground.block_rules import find_block_problem
from oec_chatops.playground.chat_methods import (
    MAX_TEXT,
    NO_TEXT_FALLBACK,
    read_metadata,
    with_slack_ids,
)
from oec_chatops.playground.records import Ephemeral, JsonDict, Message
from oec_chatops.playground.traffic import Outcome
from oec_chatops.playground.workspace import (
    RESPONSE_URL_LIFETIME,
    RESPONSE_URL_USES,
    ResponseUrl,
    Workspace,
)


def claim_response_url(ws: Workspace, url_id: str) -> ResponseUrl:
    """The URL, with one use counted, or the 404 Slack answers for a dead one."""
    url = ws.response_urls.get(url_id)
    if url is None or ws.clock.monotonic() - url.issued_at > RESPONSE_URL_LIFETIME:
        raise Refusal("expired_url", status=404)
    if url.uses >= RESPONSE_URL_USES:
        raise Refusal("used_url", status=404)
    url.uses += 1
    return url


def _content(body: JsonDict) -> tuple[str, list[JsonDict]]:
    text = text_arg(body, "text") or ""
    blocks = body.get("blocks") or []
    problem = find_block_problem(blocks)
    if problem is not None:
        raise Refusal("invalid_blocks", status=400, messages=[problem])
    if not text and not blocks and not body.get("attachments"):
        raise Refusal("no_text", status=400)
    if len(text) > MAX_TEXT:
        raise Refusal("msg_too_long", status=400)
    return text or NO_TEXT_FALLBACK, with_slack_ids(blocks)


def apply_response(ws: Workspace, url: ResponseUrl, body: JsonDict) -> tuple[Outcome, str]:
    """Apply one response; returns what happened and the ts of the message it touched."""
    original: Message | Ephemeral | None = None
    if url.original_ts is not None:
        if url.original_is_ephemeral:
            original = ws.find_ephemeral(url.original_ts)
        else:
            original = ws.find_message(url.channel_id, url.original_ts)
    if original is not None and original.deleted:
        original = None

    if body.get("delete_original") is True:
        if original is None:
            raise Refusal("message_not_found", status=404)
        if isinstance(original, Ephemeral):
            ws.delete_ephemeral(original)
        else:
            ws.delete_message(original)
        return "deleted", original.ts

    text, blocks = _content(body)
    if body.get("replace_original") is True and original is not None:
        if isinstance(original, Ephemeral):
            ws.edit_ephemeral(original, text=text, blocks=blocks)
        else:
            ws.edit_message(original, text=text, blocks=blocks)
        return "replaced", original.ts

    thread_ts = text_arg(body, "thread_ts")
    if body.get("response_type") == "in_channel":
        if url.channel_id in ws.channels and ws.channels[url.channel_id].is_archived:
            raise Refusal("is_archived", status=404)
        me = ws.identity
        message = ws.add_message(
            Message(
                channel_id=url.channel_id,
                ts=ws.next_ts(),
                text=text,
                blocks=blocks,
                thread_ts=thread_ts,
                metadata=read_metadata(body),
                user_id=me.bot_user_id,
                bot_id=me.bot_id,
                app_id=me.app_id,
                team_id=me.team_id,
                origin="response_url",
            )
        )
        _remember(url, message.ts, ephemeral=False)
        return "posted", message.ts

    ephemeral = ws.add_ephemeral(
        Ephemeral(
            channel_id=url.channel_id,
            user_id=url.user_id,
            ts=ws.next_ts(),
            text=text,
            blocks=blocks,
            thread_ts=thread_ts,
            origin="response_url",
        )
    )
    _remember(url, ephemeral.ts, ephemeral=True)
    return "posted_ephemeral", ephemeral.ts


def _remember(url: ResponseUrl, ts: str, *, ephemeral: bool) -> None:
    # A slash command has no original until it answers; then its last answer is the original.
    if url.kind == "command" or url.original_ts is None:
        url.original_ts = ts
        url.original_is_ephemeral = ephemeral
