"""The bot's own values, shared by services (which build them) and `slack.blocks` (which renders them).

Frozen dataclasses and plain values only: no I/O, no pydantic. API answers are parsed into
`oec.models` at the boundary; the services reduce them to these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    """Roles in increasing order of power; `approver` is a separate capability (see policy)."""

    VIEWER = "viewer"
    DEPLOYER = "deployer"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _ROLE_RANK[self]

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Role):
            return NotImplemented
        return self.rank >= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Role):
            return NotImplemented
        return self.rank > other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Role):
            return NotImplemented
        return self.rank <= other.rank

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Role):
            return NotImplemented
        return self.rank < other.rank


_ROLE_RANK = {Role.VIEWER: 0, Role.DEPLOYER: 1, Role.ADMIN: 2}


class Verb(StrEnum):
    """Everything `/oec` understands."""

    HELP = "help"
    WHOAMI = "whoami"
    PROJECTS = "projects"
    ENVS = "envs"
    STATUS = "status"
    LOGS = "logs"
    BACKUPS = "backups"
    METRICS = "metrics"
    DEPLOY = "deploy"
    REDEPLOY = "redeploy"
    RESTART = "restart"
    START = "start"
    STOP = "stop"
    APPROVALS = "approvals"
    SUBSCRIBE = "subscribe"
    UNSUBSCRIBE = "unsubscribe"
    SUBSCRIPTIONS = "subscriptions"
    # Module updates (issue 15): oec.sh's quick-update modes, each a `deploy` task (§9.6).
    UPDATE = "update"
    PULL = "pull"
    REINIT = "reinit"
    # Change control (issue 16): freeze windows and environment locks.
    FREEZE = "freeze"
    UNFREEZE = "unfreeze"
    LOCK = "lock"
    UNLOCK = "unlock"
    # issue 16: the audit trail, for admins
    AUDIT = "audit"
    # Backups (issue 15): take one now, or restore one after an approval.
    BACKUP = "backup"
    RESTORE = "restore"


QUICK_UPDATE_VERBS = frozenset({Verb.UPDATE, Verb.PULL, Verb.REINIT})
"""Sent as `POST /environments/{id}/quick-update`, only to hosts whose API offers it."""
ACTION_VERBS = (
    frozenset({Verb.DEPLOY, Verb.REDEPLOY, Verb.RESTART, Verb.START, Verb.STOP})
    | QUICK_UPDATE_VERBS
)
ALWAYS_GATED_VERBS = frozenset({Verb.REINIT, Verb.RESTORE})
"""Changes that wait for an approval on every environment, protected or not: a reinit may reset
the data of the modules it reinstalls, a restore overwrites the data; no deploy brings it back."""
ADMIN_VERBS = frozenset({Verb.REINIT})
"""Changes only admins may ask for (an approver still has to agree, see ALWAYS_GATED_VERBS)."""


@dataclass(frozen=True, slots=True)
class EnvRef:
    """An environment resolved to its id, with the names people use for it."""

    env_id: str
    env_name: str
    project_id: str
    project_name: str
    project_slug: str | None = None
    env_type: str | None = None
    url: str | None = None
    status: str | None = None

    @property
    def label(self) -> str:
        """`project/env`, as users type it."""
        return f"{self.project_slug or self.project_name}/{self.env_name}"


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a running task is, from the task object or its "Step N/M" log lines."""

    percent: float | None = None
    current_step: str | None = None
    steps_completed: int | None = None
    total_steps: int | None = None


@dataclass(frozen=True, slots=True)
class Deployment:
    """Everything one living deployment message shows. `key` is the task id."""

    key: str
    verb: str  # deploy, redeploy, restart, start, stop (or the task type from a webhook)
    env_label: str
    status: str  # queued, running, completed, failed, cancelled (task statuses, normalised)
    env_id: str | None = None
    requested_by: str | None = None  # Slack user id when the bot started it
    triggered_by: str | None = None  # what oec.sh said ("api", "git push", ...)
    approval_id: str | None = None
    progress: Progress = field(default_factory=Progress)
    branch: str | None = None
    url: str | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    duration_seconds: float | None = None
    error_message: str | None = None
    modules: tuple[str, ...] = ()
    reason: str | None = None  # what the requester wrote after `--`
    commit: str | None = None  # the commit deployed, where the task or its log names it
    failed_step: str | None = None  # the step a failed task was on when it failed


@dataclass(frozen=True, slots=True)
class BackupFacts:
    """What an approver must see of a backup before letting it overwrite an environment."""

    backup_id: str
    status: str
    created_at: datetime | None = None
    size_bytes: int | None = None
    contents: str = "contents unknown"  # full, database only, contents unknown
    backup_type: str | None = None


class ApprovalState(StrEnum):
    """States of an approval request. `executing` is entered exactly once, by one transition."""

    PENDING = "pending"
    APPROVED = "approved"
    BACKING_UP = "backing_up"  # approved; a backup is taken first (policy `backup_before`)
    EXECUTING = "executing"
    DONE = "done"
    FAILED = "failed"
    REJECTED = "rejected"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    # Approved while a freeze or someone else's lock forbids the change: runs when it ends,
    # if that is before the request's expiry; expires otherwise (services.change_control, services.approval_steps).
    WAITING = "waiting"

    @property
    def ended(self) -> bool:
        return self not in (
            ApprovalState.PENDING,
            ApprovalState.APPROVED,
            ApprovalState.EXECUTING,
            ApprovalState.WAITING,
            ApprovalState.BACKING_UP,
        )


@dataclass(frozen=True, slots=True)
class Approval:
    """A request to change a protected environment, and the votes on it."""

    approval_id: str
    verb: str
    env_label: str
    env_id: str
    requested_by: str
    channel_id: str
    state: ApprovalState
    required: int
    created_at: datetime
    expires_at: datetime
    reason: str | None = None
    modules: tuple[str, ...] = ()
    approvers: tuple[str, ...] = ()  # user ids who voted Approve, in order
    decided_by: str | None = None  # who rejected / cancelled, or whose vote reached the quorum
    decision_note: str | None = None  # reject reason, failure text
    task_id: str | None = None
    message_ts: str | None = None
    override: bool = False  # asked with `--override` by an admin: a freeze does not hold it
    held_until: datetime | None = None  # waiting: when the freeze that holds it ends, if known
    backup_id: str | None = None  # a restore: the backup it brings back
    backup_facts: BackupFacts | None = None  # ... as it was when the restore was requested
    backup_first: bool = False  # policy `backup_before`: a backup is taken before the change
    pre_backup_id: str | None = None  # that backup, once started

    def shown_on(self, channel_id: str, message_ts: str | None) -> bool:
        """Is a click from this channel and message one on this request's card?

        The button's value (the approval id) is ours, but which message it was clicked in is
        Slack's to say: a signed click from another channel or message (a copied button, a
        crafted request) must not decide this request. Before the card's ts is known only the
        channel can be compared; after, the message must be that card.
        """
        if not channel_id or channel_id != self.channel_id:
            return False
        return self.message_ts is None or message_ts == self.message_ts


WEBHOOK_EVENTS_FOLLOWED = (
    "deploy.started",
    "deploy.completed",
    "deploy.failed",
    "deploy.cancelled",
    "environment.status_changed",
    "environment.created",
    "environment.deleted",
    "environment.ready",
    "monitoring.alert",
)
"""The platform events the bot turns into channel messages: what `webhooks register` asks
oec.sh for by default, and (without `environment.deleted`) what the demo registers."""


# Change control (issue 16): what `services.change_control` reads and the renderers show ------


@dataclass(frozen=True, slots=True)
class ActiveFreeze:
    """A freeze in force: from a `[[freeze]]` table of the policy file, or ad hoc from Slack."""

    environments: tuple[str, ...]  # lower-case globs (`env_globs`)
    reason: str
    ends_at: datetime  # UTC: the end of the occurrence in force
    zone: str  # IANA name the end is shown in ("UTC" for ad hoc freezes)
    scheduled: bool  # True: the policy file's; False: `/oec freeze`
    created_by: str | None = None  # ad hoc: who froze
    freeze_id: str | None = None  # ad hoc: its row


@dataclass(frozen=True, slots=True)
class EnvLock:
    """`/oec lock`: while it stands only its holder (or an admin) may change the environment."""

    env_id: str
    env_label: str
    holder: str  # Slack user id
    since: datetime
    reason: str | None = None
