"""`CommandQueue`: acknowledged commands in arrival order, worked on by a bounded set of tasks,
resumed after a restart and told the truth at shutdown.

At most `workers` commands run at once; the others wait their turn as one small record each,
not a task with its frames and context: `benchmarks/ack_latency.py` showed both what an
unbounded burst does (thousands of requests parked in httpx's connection pool, which scans its
queue on every request) and what thousands of waiting tasks do (full garbage collections of
100 ms and more, each one an ack delayed).

Nobody waits in silence. A command expected to wait NOTE_AFTER seconds or more before it even
starts is told at once how many commands are ahead of it and about how long: the estimate is
the time the commands in flight are known to be held (a rate limit wait one of them announced)
plus one round of the recent average run time for every `workers` commands ahead. When a
command in flight announces a longer hold, the commands waiting behind it are told too. And
whatever nobody announced (oec.sh slow, a listing of many pages), a command not answered
WORKING_AFTER seconds after it arrived, and told nothing yet, is told what it waits for.

One person's commands are answered in the order they were typed: a command whose user has one
waiting or in flight waits aside, in that user's own line, and joins the queue's head once the
one before it is answered; everybody else's commands go ahead meanwhile.

Every command was stored before its ack (`store.commands`), so nothing acknowledged is lost:

- at shutdown (`shutdown`), the commands still waiting are told at once that the bot is
  restarting and that they will run when it is back; those in flight get the grace to finish,
  then are cancelled and told the same; all stay in the database, unfinished;
- at start-up (`resume`), every unfinished command is picked up again, oldest first, by its
  state: one that never started, or a query that did, simply runs; an answer that was decided
  but maybe not delivered is sent again, replacing itself; one whose response_url has expired
  is not run, and is logged and audited. An ACTION that started may have reached oec.sh: it
  is run again exactly as before, with the same Idempotency-Key (derived from the command's
  trigger id, or its request id) and the same approval id for a protected environment. oec.sh
  answers a repeated key with the task the first request created, or runs it once if that
  request never arrived, so the action runs at most once and the user still learns its
  outcome. Answering "not run, please run it again" instead would be wrong whenever it had
  run, and the user's retry would then run it twice: the re-send is the exactly-once choice.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import TYPE_CHECKING

import aiohttp

from oec_chatops.slack import command_answer as answers
from oec_chatops.slack.command_answer import NOTE_AFTER, WORKING_AFTER, Pending
from oec_chatops.slack.command_listener import run

if TYPE_CHECKING:
    from oec_chatops.slack.command_desk import CommandDesk

log = logging.getLogger("oec_chatops.slack.command_listener")

MAX_IN_FLIGHT = 32
"""Commands worked on at once; the others wait their turn, in order of arrival.

Each holds an oec.sh call (hundreds of ms) and then a Slack post. oec.sh allows a key 120
reads a minute, so more at once would only wait somewhere else.
"""

WATCH_POLL = 0.1
"""Real seconds between looks at the clock for commands past WORKING_AFTER. The watch reads
the injected clock rather than sleeping on it: a test clock's `sleep` moves time itself (or
waits for the test to), and a timer must not move time for everyone else."""
NOTES_AT_ONCE = 4  # notes sent at once: they must not crowd out the acks and the answers
NOTES_GRACE = 2.0  # of the shutdown grace, at most, for telling the interrupted commands
_AVERAGE_WEIGHT = 0.2  # of the newest run time, in the moving average


class CommandQueue:
    """Commands in arrival order, worked on by up to `workers` background tasks."""

    def __init__(self, *, workers: int = MAX_IN_FLIGHT) -> None:
        self._max = workers
        self._tasks: set[asyncio.Task[None]] = set()
        self._tasks_notes: set[asyncio.Task[None]] = set()
        self._waiting: deque[Pending] = deque()
        self._running: dict[str, Pending] = {}
        self._average = 0.0  # seconds a command takes once started (moving average, clock)
        self._held_until = 0.0  # clock.monotonic(): the commands in flight wait until then
        self._notes: deque[tuple[Pending, str, str]] = deque()
        self._noting = 0
        self._http: aiohttp.ClientSession | None = None
        self._busy: dict[str, Pending] = {}  # user id -> their oldest command not yet done
        self._behind: dict[str, deque[Pending]] = {}  # user id -> their later ones, in order
        self._watch: asyncio.Task[None] | None = None
        self._heard: set[str] = set()  # request ids given a working note (queued or sent)
        # Every command in arrival order until it is WORKING_AFTER old: the watch looks only at
        # the ones falling due, so a backlog of thousands costs nothing per look.
        self._arrivals: deque[Pending] = deque()
        self.closed = False

    def http(self) -> aiohttp.ClientSession:
        """One keep-alive session for every response_url POST, each bounded by POST_TIMEOUT."""
        if self._http is None or self._http.closed:
            timeout = aiohttp.ClientTimeout(total=answers.POST_TIMEOUT)
            self._http = aiohttp.ClientSession(timeout=timeout)
        return self._http

    @property
    def waiting(self) -> int:
        return len(self._waiting) + sum(len(q) for q in self._behind.values())

    def put(self, c: CommandDesk, p: Pending) -> None:
        self._arrivals.append(p)
        self._start_watch(c)
        user = p.inv.user_id
        if user in self._busy:
            # One person's commands in the order typed: this one waits, aside, for the one
            # before it to be answered; nobody else's waits for it, and no worker scans it.
            self._behind.setdefault(user, deque()).append(p)
            return
        self._busy[user] = p
        self._waiting.append(p)
        if len(self._tasks) < self._max and not self.closed:
            task = asyncio.get_running_loop().create_task(self._work(c), name="oec-commands")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        else:
            self._tell_if_long(c, p, len(self._waiting) - 1)

    # -- heard: the "working on it" note ------------------------------------------------------

    def _start_watch(self, c: CommandDesk) -> None:
        if self._watch is None or self._watch.done():
            self._watch = asyncio.get_running_loop().create_task(
                self._watching(c), name="oec-watch"
            )

    async def _watching(self, c: CommandDesk) -> None:
        """While commands are in the queue, give each one not answered WORKING_AFTER seconds
        after it arrived, and not yet told anything, a note saying what it waits for."""
        while (self._arrivals or self._waiting or self._running) and not self.closed:
            now = c.clock.time()
            while self._arrivals and now - self._arrivals[0].received_at >= WORKING_AFTER:
                p = self._arrivals.popleft()
                if (
                    p.note is None
                    and not p.finished
                    and p.answer is None  # decided before a restart: only sent again
                    and p.request_id not in self._heard
                ):
                    self._heard.add(p.request_id)  # once: a slow Slack must not pile up notes
                    self.note_soon(c, p, "working", self._working_text(p))
            await asyncio.sleep(WATCH_POLL)

    def _working_text(self, p: Pending) -> str:
        previous = self._busy.get(p.inv.user_id)
        if previous is not None and previous is not p:
            return answers.behind_text(previous)
        return answers.working_text(p.inv.text)

    # -- waiting, said out loud ------------------------------------------------------------

    def note_soon(self, c: CommandDesk, p: Pending, kind: str, text: str) -> None:
        """Queue a note; a few are sent at a time, oldest first, and one whose command has
        been answered meanwhile is dropped. Never waits: the caller may hold a rate limiter's
        lock, and a note per queued command must not become a task per queued command."""
        if p.finished or kind == p.note or p.uses >= answers.MAX_NOTE_USES:
            return
        self._notes.append((p, kind, text))
        if self._noting < NOTES_AT_ONCE:
            self._noting += 1
            task = asyncio.get_running_loop().create_task(self._send_notes(c), name="oec-notes")
            self._tasks_notes.add(task)
            task.add_done_callback(self._tasks_notes.discard)

    async def _send_notes(self, c: CommandDesk) -> None:
        try:
            while self._notes:
                p, kind, text = self._notes.popleft()
                try:
                    await answers.note(c, p, kind, text)
                except Exception:
                    log.exception("command.note_failed", extra={"request_id": p.request_id})
        finally:
            self._noting -= 1

    def _expected_wait(self, c: CommandDesk, ahead: int) -> float:
        held = max(0.0, self._held_until - c.clock.monotonic())
        return held + (ahead // self._max + 1) * self._average

    def _tell_if_long(self, c: CommandDesk, p: Pending, ahead: int) -> None:
        wait = self._expected_wait(c, ahead)
        if wait >= NOTE_AFTER:
            shown = ahead + len(self._running)
            self.note_soon(c, p, "queue", answers.queue_text(shown, wait))

    def held(self, c: CommandDesk, seconds: float) -> None:
        """A command in flight is held `seconds` (it said so): tell those waiting behind it."""
        until = c.clock.monotonic() + seconds
        if until < self._held_until + NOTE_AFTER:
            return
        self._held_until = until
        starting = len(self._tasks) - len(self._running)  # workers about to take the first ones
        for ahead, p in enumerate(self._waiting):
            if ahead >= starting and p.note is None:
                self._tell_if_long(c, p, ahead)

    # -- working -------------------------------------------------------------------------

    def _done(self, p: Pending) -> None:
        """`p` is answered: its user's next command, if any, runs next (it was typed before
        the commands that arrived while it waited aside)."""
        user = p.inv.user_id
        later = self._behind.get(user)
        if later:
            nxt = later.popleft()
            if not later:
                del self._behind[user]
            self._busy[user] = nxt
            self._waiting.appendleft(nxt)
        else:
            self._busy.pop(user, None)

    async def _work(self, c: CommandDesk) -> None:
        while self._waiting and not self.closed:
            p = self._waiting.popleft()
            self._running[p.request_id] = p
            started = c.clock.monotonic()
            try:
                await run(c, p, self)
            except Exception:
                # `run` answers every failure itself; if that ever fails, the commands
                # queued behind this one must still be worked on.
                log.exception("command.worker_error", extra={"request_id": p.request_id})
            finally:
                self._running.pop(p.request_id, None)
                self._heard.discard(p.request_id)
                self._done(p)
            took = c.clock.monotonic() - started
            self._average += _AVERAGE_WEIGHT * (took - self._average)

    # -- restart -------------------------------------------------------------------------

    def resume(self, c: CommandDesk) -> None:
        """Pick up what a previous life acknowledged and did not finish (see the module doc)."""
        rows = c.store.commands.unfinished()
        resumed = expired = 0
        for row in rows:
            p = Pending.from_row(row)
            if answers.expired(c, p):
                answers.expire(c, p, state=row.state)
                expired += 1
                continue
            self.put(c, p)
            resumed += 1
        if rows:
            log.info("commands.resumed", extra={"resumed": resumed, "expired": expired})

    async def shutdown(self, c: CommandDesk, *, grace: float) -> None:
        """Tell everyone still waiting the bot is restarting; give the ones in flight most of
        `grace`, then tell them too. Takes `grace` at most, so shutdown takes no longer."""
        self.closed = True
        if self._watch is not None:
            self._watch.cancel()
            await asyncio.gather(self._watch, return_exceptions=True)
        waiting = [*self._waiting, *(p for q in self._behind.values() for p in q)]
        self._waiting.clear()
        self._behind.clear()
        self._arrivals.clear()
        self._notes.clear()  # the restart note says more than any wait note still queued
        noting = min(NOTES_GRACE, grace / 2)
        telling = asyncio.get_running_loop().create_task(
            _tell_restart(c, waiting, started=False), name="oec-restart-notes"
        )
        pending: set[asyncio.Task[None]] = set()
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=grace - noting)
        interrupted = list(self._running.values())
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        told = asyncio.get_running_loop().create_task(
            _tell_restart(c, interrupted, started=True), name="oec-restart-notes"
        )
        _, late = await asyncio.wait({telling, told}, timeout=noting)
        stragglers = late | self._tasks_notes
        for task in stragglers:
            task.cancel()
        await asyncio.gather(*stragglers, return_exceptions=True)
        if self._http is not None:
            await self._http.close()
        if waiting or interrupted:
            log.warning(
                "commands.left_for_restart",
                extra={"waiting": len(waiting), "interrupted": len(interrupted)},
            )


async def _tell_restart(c: CommandDesk, items: list[Pending], *, started: bool) -> None:
    """The restart note to each of `items`, a few at a time, oldest first."""
    todo = deque(items)

    async def teller() -> None:
        while todo:
            p = todo.popleft()
            p.note = None  # a restart note is news even after a wait note
            text = answers.restart_text(p.inv, started=started)
            shown = await answers.note(c, p, "restart", text, limit=answers.MAX_RESTART_NOTE_USES)
            log.info(
                "command.restart_noted",
                extra={"request_id": p.request_id, "verb": p.verb, "shown": shown},
            )

    await asyncio.gather(*(teller() for _ in range(min(NOTES_AT_ONCE, len(items)))))
