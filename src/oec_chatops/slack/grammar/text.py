"""Text to tokens: Slack's escaping undone, phone keyboards' quotes and dashes repaired, the
reason after `--` split off, and the rest split on spaces with "quoted names" kept whole.

Slack passes the text through verbatim, phone keyboards included, so before splitting the text
is normalised: Slack's own escaping (`&amp;`, `<url|label>`) is undone, curly quotes are
straightened, every whitespace run becomes one space, and a dash that a keyboard turned into
`—` or `–` still works as `--`.
"""

from __future__ import annotations

import re
import shlex

from oec_chatops.errors import CommandError

_QUOTES = str.maketrans(
    {
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2033": '"',
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
    }
)
_SLACK_LINK = re.compile(r"<([^<>|]*)\|([^<>]*)>|<([^<>|]*)>")
_DASHES = "-\u2014\u2013\u2212"  # hyphen, em dash, en dash, minus sign
_REASON_SEPARATOR = re.compile(r"(?:^|\s)(?:--|[\u2014\u2013\u2212])(?=\s|$)")
_OPTION = re.compile(rf"^[{_DASHES}]+(?=[A-Za-z])")


def normalize(text: str) -> str:
    """Undo Slack's escaping, straighten quotes, collapse whitespace.

    Slack turns `a<b` into `a&lt;b` and may auto-link `shop.example.com` as
    `<http://shop.example.com|shop.example.com>`; the label is what the user typed.
    """

    def _label(m: re.Match[str]) -> str:
        label = m.group(2) if m.group(2) is not None else m.group(3)
        return label if label is not None else m.group(0)

    text = _SLACK_LINK.sub(_label, text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    text = text.translate(_QUOTES)
    return " ".join(text.split())


def split_reason(text: str) -> tuple[str, str | None]:
    """Split at the first standalone `--` (or `—`, `–`): the rest is the free-text reason."""
    m = _REASON_SEPARATOR.search(text)
    if m is None:
        return text, None
    reason = text[m.end() :].strip()
    return text[: m.start()].strip(), reason or None


def tokenize(head: str) -> list[str]:
    """Split on spaces, keeping "double quoted" names with spaces together.

    Backslashes are not escapes: nobody types them on purpose in a chat box.
    """
    lexer = shlex.shlex(head, posix=True)
    lexer.whitespace_split = True
    lexer.escape = ""
    lexer.commenters = ""
    try:
        tokens = list(lexer)
    except ValueError as exc:
        raise CommandError(
            "A quote is not closed.",
            hint='Put names with spaces in double quotes: `/oec envs "Acme Shop"`.',
        ) from exc
    return [_OPTION.sub("--", t) for t in tokens]


def quote(word: str, limit: int = 40) -> str:
    """A user's word shown back inside backticks, short and unable to break the span."""
    word = word.replace("`", "'")
    if len(word) > limit:
        word = word[: limit - 1] + "…"
    return f"`{word}`"
