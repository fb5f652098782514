"""`/oec subscribe` and `unsubscribe`: the target, the events, and how quiet a channel wants it.

    /oec subscribe <project>[/<env-glob>] [events...] [--events a,b] [--only failures|all]
                   [--digest daily|off [--at 09:00] [--tz Europe/Brussels]] [threads on|off]
    /oec subscribe <project>[/<env-glob>] alerts [--only failures]

Options not typed are `None`: on an existing subscription they keep its setting, on a new one
the defaults apply (service). Everything here is shape only, checked before any API call. Pure.
"""

from __future__ import annotations

import difflib
import fnmatch
from dataclasses import dataclass

from oec_chatops.digest_time import parse_at, zone, zone_suggestion
from oec_chatops.domain import Verb
from oec_chatops.errors import CommandError
from oec_chatops.oec.models import WEBHOOK_EVENTS
from oec_chatops.slack.grammar.args import Args
from oec_chatops.slack.grammar.specs import HOST_EVENTS, usage
from oec_chatops.slack.grammar.text import quote

SUBSCRIBABLE = (*WEBHOOK_EVENTS, *HOST_EVENTS)
ALERTS = "alerts"
ALERT_EVENTS: tuple[str, ...] = ("monitoring.alert",)
_ON_OFF = {"on": True, "off": False}


@dataclass(frozen=True, slots=True)
class SubscribeOptions:
    """How a subscription posts; `None` is "not typed". `digest` True is daily, False live."""

    alerts: bool = False
    only_failures: bool | None = None
    digest: bool | None = None
    at: str | None = None
    tz: str | None = None
    threads: bool | None = None


def parse_events(verb: Verb, words: tuple[str, ...]) -> tuple[str, ...]:
    """Event names or globs, comma or space separated; an unknown one with a "did you mean"."""
    events: list[str] = []
    for word in words:
        for piece in word.split(","):
            name = piece.strip().lower()
            if not name or name in events:
                continue
            if not fnmatch.filter(SUBSCRIBABLE, name):
                close = difflib.get_close_matches(name, SUBSCRIBABLE, n=1, cutoff=0.6)
                guess = f" Did you mean `{close[0]}`?" if close else ""
                known = ", ".join(f"`{e}`" for e in SUBSCRIBABLE)
                raise CommandError(
                    f"Unknown event {quote(name)}.{guess}",
                    hint=f"{usage(verb)}\nEvents: {known}; globs like `deploy.*` work too.",
                )
            events.append(name)
    return tuple(events)


def parse_subscribe(verb: Verb, args: Args) -> tuple[tuple[str, ...], SubscribeOptions | None]:
    """The events (typed ones only) and the options of `subscribe`/`unsubscribe`."""
    words = list(args.positional[1:])
    alerts = verb is Verb.SUBSCRIBE and bool(words) and words[0].lower() == ALERTS
    if alerts:
        words.pop(0)
    threads = _threads(verb, words)
    if "threads" in args.options:
        threads = _threads(verb, ["threads", args.options["threads"]])
    typed = [*words, *([args.options["events"]] if "events" in args.options else [])]
    events = parse_events(verb, tuple(typed))
    if verb is not Verb.SUBSCRIBE:
        return events, None
    options = SubscribeOptions(
        alerts=alerts,
        only_failures=_only(verb, args.options.get("only")),
        digest=_digest(verb, args.options.get("digest")),
        at=_at(verb, args.options.get("at")),
        tz=_tz(verb, args.options.get("tz")),
        threads=threads,
    )
    _check(verb, events, options)
    return events, options


def _threads(verb: Verb, words: list[str]) -> bool | None:
    """`threads on|off` among the words (removed from them), or None."""
    lowered = [w.lower() for w in words]
    if "threads" not in lowered:
        return None
    i = lowered.index("threads")
    value = lowered[i + 1] if i + 1 < len(lowered) else ""
    if verb is not Verb.SUBSCRIBE or value not in _ON_OFF:
        raise CommandError(
            "Write `threads on` or `threads off` (follow-ups of a deployment as replies "
            "in its message's thread, or only the message).",
            hint=usage(verb),
        )
    del words[i : i + 2]
    return _ON_OFF[value]


def _only(verb: Verb, raw: str | None) -> bool | None:
    if raw is None:
        return None
    value = raw.strip().lower()
    if value in ("failures", "failure", "failed", "errors"):
        return True
    if value == "all":
        return False
    raise CommandError(
        f"`--only` takes `failures` (or `all` to post everything again); got {quote(raw)}.",
        hint=usage(verb),
    )


def _digest(verb: Verb, raw: str | None) -> bool | None:
    if raw is None:
        return None
    value = raw.strip().lower()
    if value in ("daily", "off"):
        return value == "daily"
    raise CommandError(
        f"`--digest` takes `daily` (one summary a day) or `off` (each event as it happens); "
        f"got {quote(raw)}.",
        hint=usage(verb),
    )


def _at(verb: Verb, raw: str | None) -> str | None:
    if raw is None:
        return None
    at = parse_at(raw)
    if at is None:
        raise CommandError(
            f"`--at` is a time of day like `09:00` (24-hour clock); got {quote(raw)}.",
            hint=usage(verb),
        )
    return at


def _tz(verb: Verb, raw: str | None) -> str | None:
    if raw is None:
        return None
    name = raw.strip()
    if zone(name) is not None:
        return name
    close = zone_suggestion(name)
    guess = f" Did you mean `{close}`?" if close else ""
    raise CommandError(
        f"Unknown time zone {quote(name)}.{guess} Use an IANA name like `Europe/Brussels`.",
        hint=usage(verb),
    )


def _check(verb: Verb, events: tuple[str, ...], o: SubscribeOptions) -> None:
    """Combinations that cannot mean what was typed are refused, never half applied."""
    if (o.at is not None or o.tz is not None) and o.digest is not True:
        raise CommandError(
            "`--at` and `--tz` say when the daily digest is posted: add `--digest daily`.",
            hint=usage(verb),
        )
    if not o.alerts:
        return
    if events:
        raise CommandError(
            "`alerts` subscribes to monitoring alerts only; drop the event names, or "
            "subscribe without `alerts` to choose events.",
            hint=usage(verb),
        )
    if o.digest or o.threads is not None:
        raise CommandError(
            "An `alerts` subscription posts each alert as it fires (a digest or threads would "
            "only delay them); `--only failures` leaves out the resolved ones.",
            hint=usage(verb),
        )
