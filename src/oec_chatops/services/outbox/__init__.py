"""The outbox: durable outgoing Slack work, posted once, in order, within Slack's budgets.

Rows are written in the same transaction as whatever caused them (a webhook delivery, a
command, an approval) and leave the outbox only when Slack answered ok, or when the channel
refuses the bot for good. The scheduling, designed once for the four things that interact:

Order (worker.py). Each channel is a FIFO of *posts* (events, thread replies, the first message
of a deployment or an approval card), sent one at a time, oldest first. A post that cannot go
out holds every later post of its channel (head-of-line), and the channel backs off as a whole:
the head row's `next_attempt_at` and attempt count are the channel's backoff, so a restart keeps
it. Channels run side by side, each in its own task, so one slow or hanging channel holds no
other. An outage therefore delays a channel's messages but never reorders them.

Updates (worker.py, store/outbox.py). A deployment or approval whose message exists changes by
`chat.update`, outside the channel's FIFO: there is one pending row per (kind, key, channel), a
later change refreshes it, and it is rendered from the database when sent, so any number of
changes coalesce into one update carrying the newest state. A row counts as an update only once
its message is recorded, so an update never overtakes the post of its own message. Updates are
chosen most urgent first: approval cards and deployments in a final state (completed, failed,
cancelled) before progress, which gives way first when the budget is short; nothing is dropped.

Budgets (pacing.py). `chat.postMessage` allows about one message a second per channel, and
`chat.update` (Tier 3) 50 a minute per workspace. Token buckets on the injectable clock pace
posts per channel and updates per workspace below that, so 429s are rare. A 429 holds the
limit's scope for its `Retry-After`: `chat.update` the whole workspace's updates,
`chat.postMessage` its channel; a refreshed row never cuts that wait short.

Post once (sending.py, history.py, outcomes.py). `chat.postMessage` has no idempotency key.
Each post carries metadata with its key and is marked in flight (committed) before it is sent.
A failure that proves nothing was posted (Slack's `ok: false` refusal, a 4xx or 429, a
connection never made) clears the mark. Any other (a timeout, a connection lost after sending,
a 5xx, `kill -9`) keeps it, and a row in flight is first looked up in the channel's history (or
its thread) and adopted if it is there. Slack calls have a timeout (the container's session),
and the outbox's client never retries by itself.
"""

from oec_chatops.services.outbox.outcomes import MAX_BACKOFF
from oec_chatops.services.outbox.pacing import SlackBudgets
from oec_chatops.services.outbox.worker import OutboxWorker

__all__ = ["MAX_BACKOFF", "OutboxWorker", "SlackBudgets"]
