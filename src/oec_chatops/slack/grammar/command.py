"""`Command`: what one `/oec` line asked for, checked for shape, not yet resolved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from oec_chatops.domain import Verb
from oec_chatops.slack.grammar.subscribe import SubscribeOptions


@dataclass(frozen=True, slots=True)
class Command:
    """What the user asked for, checked for shape but not yet resolved against the API.

    `lines` is None when not given (the service applies its default). `modules == ("all",)`
    means every module. For `unsubscribe`, empty `events` means the whole subscription; for `subscribe`, the
    events typed (none: keep an existing subscription's, or the defaults for a new one).
    """

    verb: Verb
    env: str | None = None
    project: str | None = None
    status: str | None = None
    lines: int | None = None
    modules: tuple[str, ...] = ()
    reason: str | None = None
    target: str | None = None
    events: tuple[str, ...] = ()
    topic: Verb | None = None  # `help <verb>`
    source: str | None = None  # `logs --runtime`: odoo, postgres or container; None is odoo
    runtime: bool = False  # `logs --runtime`: the live log, not the latest task's
    override: bool = False  # an admin's change through a freeze (`--override -- reason`)
    duration: timedelta | None = None  # `freeze <glob> for 2h`
    options: SubscribeOptions | None = None  # `subscribe`: how quiet (typed options only)
    since: str | None = None  # `audit --since 7d`, as typed (the service reads the duration)
    page: int | None = None  # `audit --page 2`
    backup: str | None = None  # `restore`: the backup's id, or its first characters
    filestore: bool = True  # `backup --no-filestore`: the database only
