"""`HomeRefresher`: publishes each watching user's App Home on open and on change, debounced.

A user watches from the moment they open the Home tab (`opened`) until `WATCH_TTL` after
their last open; the set is in memory (after a restart a Home is refreshed again on its next
open, and until then shows the time it was drawn). Each round the refresher fingerprints what
the store gives every Home (`HomeReader.digest`); when that changed, every watcher's Home is
due. A due Home is published at once if its last publish is at least `REFRESH_GAP` old, else
at the end of the gap: a deployment whose progress moves every second republishes a Home at
most once per gap, and the last state is always published (trailing edge). Slack rate-limits
`views.publish`; a 429 holds that user's Home for its Retry-After, keeping it due.

A click made on the Home (`answer_click`) publishes that user's Home at once with the answer
on top, unless Slack asked to wait. Publishes of one user are serialised, the snapshot taken
inside the lock, so an older view never lands after a newer one.

A multi-workspace install (`installed`) keeps Homes by workspace and user: the workspace is the
one the `app_home_opened` event (or the click) came from, and every publish, on open or in the
background, is drawn and sent as that workspace (its policy, its oec.sh key, its bot token). An
event of no installed workspace watches nothing, and a workspace that uninstalled the app loses
its watchers at the next round.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk.web.async_client import AsyncWebClient

from oec_chatops.clock import Clock
from oec_chatops.services.home import HomeReader, in_team
from oec_chatops.services.loop import WorkerLoop
from oec_chatops.services.outbox.outcomes import Verdict, classify
from oec_chatops.slack.blocks.home import render_home

log = logging.getLogger(__name__)

REFRESH_GAP = 10.0
"""Seconds between two publishes of one user's Home when things change."""
POLL = 2.0
"""Seconds between two looks at the store while someone watches."""
WATCH_TTL = 3600.0
"""Seconds after their last open that a user's Home is still kept up to date."""
MAX_WATCHERS = 300
"""Homes kept up to date at once; the least recently opened is dropped first."""

HomeKey = tuple[str, str]
"""(team id, user id): a user's Home in one workspace ("" for a one-workspace bot's)."""


@dataclass(slots=True)
class Watch:
    """One user's Home: when it was opened and published, and whether it is due."""

    opened_at: float
    published_at: float | None = None
    not_before: float = 0.0  # Slack asked to wait (429) until then
    dirty: bool = True
    notice: str | None = None


def due_at(w: Watch, *, gap: float) -> float | None:
    """When this Home may be published next (monotonic seconds); None when nothing is due."""
    if not w.dirty:
        return None
    earliest = w.not_before
    if w.published_at is not None:
        earliest = max(earliest, w.published_at + gap)
    return earliest


class HomeRefresher(WorkerLoop):
    """Keeps the Homes of the users who opened them up to date, within Slack's limits."""

    name = "home"

    def __init__(
        self,
        *,
        reader: HomeReader,
        slack: AsyncWebClient,
        clock: Clock,
        gap: float = REFRESH_GAP,
        poll: float = POLL,
        watch_ttl: float = WATCH_TTL,
        max_watchers: int = MAX_WATCHERS,
        installed: Callable[[str], bool] | None = None,
    ) -> None:
        super().__init__()
        self._reader = reader
        self._slack = slack
        self._clock = clock
        self._gap = gap
        self._poll = poll
        self._watch_ttl = watch_ttl
        self._max_watchers = max_watchers
        # A multi-workspace install: is this workspace (still) installed? None: one workspace.
        self._installed = installed
        self._watches: dict[HomeKey, Watch] = {}
        self._locks: dict[HomeKey, asyncio.Lock] = {}
        self._digests: dict[str, str] = {}
        self.published = 0
        self.rounds = 0

    def _key(self, user_id: str, team_id: str) -> HomeKey | None:
        """The Home to keep, or None when its workspace is unknown or not installed (then
        nothing of any workspace is drawn for it)."""
        if self._installed is None:
            return ("", user_id)
        if not team_id or not self._installed(team_id):
            log.warning("home.no_workspace", extra={"user": user_id, "team": team_id})
            return None
        return (team_id, user_id)

    def opened(self, user_id: str, team_id: str = "") -> None:
        """The user opened their Home tab (in workspace `team_id`): draw it (now, or when the
        gap allows)."""
        key = self._key(user_id, team_id)
        if key is None:
            return
        w = self._watch(key)
        w.opened_at = self._clock.monotonic()
        w.dirty = True
        self.wake()

    async def answer_click(self, user_id: str, notice: str | None, team_id: str = "") -> None:
        """A click on the Home was applied: show its outcome (and `notice`) there now."""
        key = self._key(user_id, team_id)
        if key is None:
            return
        w = self._watch(key)
        w.dirty = True
        w.notice = notice
        if self._clock.monotonic() >= w.not_before:
            await self._publish(key)
        else:
            self.wake()

    def _watch(self, key: HomeKey) -> Watch:
        w = self._watches.get(key)
        if w is None:
            if len(self._watches) >= self._max_watchers:
                oldest = min(self._watches, key=lambda k: self._watches[k].opened_at)
                self._drop(oldest)
            w = self._watches[key] = Watch(opened_at=self._clock.monotonic())
        return w

    def _drop(self, key: HomeKey) -> None:
        self._watches.pop(key, None)
        self._locks.pop(key, None)

    def _drop_gone(self) -> None:
        """Drop the Homes watched past their TTL, and those of uninstalled workspaces."""
        now = self._clock.monotonic()
        teams = {t for t, _ in self._watches} if self._installed is not None else set()
        gone = {t for t in teams if self._installed is not None and not self._installed(t)}
        for team in gone:
            self._digests.pop(team, None)
            self._reader.forget_team(team)
        for key in [
            k
            for k, w in self._watches.items()
            if now - w.opened_at > self._watch_ttl or k[0] in gone
        ]:
            self._drop(key)

    async def round(self) -> bool:
        self.rounds += 1
        self._drop_gone()
        if not self._watches:
            return False
        for team in {t for t, _ in self._watches}:
            digest = self._reader.digest(team)
            if digest != self._digests.get(team):
                self._digests[team] = digest
                for (t, _), w in self._watches.items():
                    if t == team:
                        w.dirty = True
        for key, w in list(self._watches.items()):
            due = due_at(w, gap=self._gap)
            if due is not None and due <= self._clock.monotonic():
                await self._publish(key)
        return False

    def idle_wait(self) -> float:
        if not self._watches:
            return 60.0
        now = self._clock.monotonic()
        dues = [d for w in self._watches.values() if (d := due_at(w, gap=self._gap)) is not None]
        if not dues:
            return self._poll
        return min(self._poll, max(0.05, min(dues) - now))

    async def _publish(self, key: HomeKey) -> None:
        """Draw and publish one Home, as its workspace (its token, its key, its policy);
        whatever fails is logged and decides when to try again."""
        team_id, user_id = key
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            w = self._watches.get(key)
            if w is None:
                return
            notice, w.notice = w.notice, None
            w.dirty = False
            try:
                with in_team(team_id, enter=self._installed is not None):
                    snapshot = await self._reader.snapshot(user_id, team_id=team_id, notice=notice)
                    await self._slack.views_publish(user_id=user_id, view=render_home(snapshot))
            except Exception as exc:
                self._failed(user_id, w, exc, notice)
                return
            w.published_at = self._clock.monotonic()
            self.published += 1

    def _failed(self, user_id: str, w: Watch, exc: Exception, notice: str | None) -> None:
        failure = classify("views.publish", exc)
        now = self._clock.monotonic()
        if failure.verdict is Verdict.RATELIMITED:
            w.not_before = now + failure.retry_after
        elif failure.verdict is Verdict.UNKNOWN:
            w.not_before = now + self._gap
        else:
            # Slack refused the view (or the user): sending it again would be refused again.
            log.error("home.publish_refused", extra={"user": user_id, "error": failure.error})
            return
        w.dirty = True
        w.notice = w.notice or notice
        log.warning(
            "home.publish_failed",
            extra={"user": user_id, "error": failure.error, "retry_in": w.not_before - now},
        )
