"""Answers to the looking verbs: help, whoami, projects, envs, status.

These go back ephemerally to the one user who asked, so they favour completeness over
brevity, within Slack's limits: long lists end in an "and N more" note instead of failing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from oec_chatops.blockkit_limits import (
    MAX_BLOCKS,
)
from oec_chatops.domain import EnvRef, Role
from oec_chatops.oec.models import Environment, EnvironmentStatus, Project
from oec_chatops.platform import DetailedStatus
from oec_chatops.slack.blocks.kit import (
    Block,
    Message,
    code,
    context,
    escape,
    header,
    link,
    listing,
    mention,
    message,
    pack_lines,
    plural,
    section,
    slack_date,
)
from oec_chatops.slack.blocks.statuses import check, env_emoji, task_emoji, task_word

ENV_HINT = (
    "Name an environment as `project/env`, by its name alone when that is unique, or by id. "
    "Reasons go after `--`."
)


class HelpEntry(Protocol):
    """What help shows of a verb; `grammar.VerbSpec` is one (blocks does not import grammar)."""

    @property
    def syntax(self) -> str: ...

    @property
    def summary(self) -> str: ...

    @property
    def examples(self) -> Sequence[str]: ...


class OwnExample(Protocol):
    """An example on the user's own data; `grammar.OwnExample` is one."""

    @property
    def command(self) -> str: ...

    @property
    def needs_approval(self) -> bool: ...


def render_help(
    entries: Sequence[HelpEntry], *, detailed: bool = False, own: OwnExample | None = None
) -> Message:
    """The commands this user may run; `detailed` adds examples (for `/oec help <verb>`),
    `own` the one on the user's own environments, first: it is the one they can paste."""
    if not entries:
        return message(
            "No /oec commands are open to you.",
            [section("No `/oec` commands are open to you. Ask an admin for a role.")],
        )
    if detailed:
        blocks: list[Block] = []
        if own is not None:
            blocks.append(section(f"*Try it on your data*\n{own_example_text(own)}"))
        for entry in entries:
            blocks.append(section(f"{code(entry.syntax)}\n{escape(entry.summary)}"))
            if entry.examples:
                examples = "\n".join(code(e) for e in entry.examples)
                blocks.append(section(f"*Examples*\n{examples}"))
        return message(f"Help: {entries[0].syntax}", [*blocks[: MAX_BLOCKS - 1], context(ENV_HINT)])
    lines = [f"{code(e.syntax)}\n{escape(e.summary)}" for e in entries]
    return message(
        "oec chatops: " + ", ".join(e.syntax.removeprefix("/oec ").split()[0] for e in entries),
        [
            header("/oec commands"),
            *listing(lines, max_blocks=MAX_BLOCKS - 2, more="more commands"),
            context(ENV_HINT + f" {code('/oec help <command>')} shows examples."),
        ],
    )


def own_example_text(own: OwnExample) -> str:
    """The pasteable command, and what happens first when it asks for an approval."""
    text = code(own.command)
    if own.needs_approval:
        text += " (a protected environment: it asks for an approval in the channel first)"
    return text


_ROLE_POWERS = {
    Role.VIEWER: "You can look at projects, environments, status and logs.",
    Role.DEPLOYER: (
        "You can deploy, restart, start and stop environments and manage this channel's "
        "subscriptions; protected environments need an approval first."
    ),
    Role.ADMIN: "You can do everything a deployer can.",
}


def render_whoami(user_id: str, role: Role, can_approve: bool) -> Message:
    """Who the bot thinks you are, so a refusal is never a mystery."""
    approve = (
        "You can approve changes to protected environments."
        if can_approve
        else "You cannot approve changes to protected environments."
    )
    article = "an" if role.value[:1] in "aeiou" else "a"
    text = f"{mention(user_id)}, you are {article} *{role.value}*."
    return message(
        f"You are {_a(role.value)}.",
        [section(f"{text}\n{_ROLE_POWERS[role]}\n{approve}")],
    )


def render_projects(projects: Sequence[Project]) -> Message:
    """Projects the API key can see, one line each."""
    if not projects:
        return message(
            "No projects.",
            [section("The bot's API key sees no projects. A project-scoped key sees only one.")],
        )
    lines = [_project_line(p) for p in projects]
    return message(
        f"{plural(len(projects), 'project')}: " + ", ".join(p.name for p in projects[:20]),
        [
            header(f"Projects ({len(projects)})"),
            *listing(lines, max_blocks=MAX_BLOCKS - 2, more="more projects"),
            context(f"{code('/oec envs <project>')} lists a project's environments."),
        ],
    )


def _project_line(p: Project) -> str:
    parts = [f"*{escape(p.name)}*"]
    if p.slug:
        parts.append(code(p.slug))
    if p.odoo_version:
        parts.append(f"Odoo {escape(p.odoo_version)}")
    if p.environment_count is not None:
        parts.append(plural(p.environment_count, "environment"))
    if p.default_branch:
        parts.append(f"branch {code(p.default_branch)}")
    return " · ".join(parts)


def render_envs(
    rows: Sequence[tuple[Project, Environment]],
    *,
    status: str | None = None,
    unreachable: Sequence[str] = (),
) -> Message:
    """Environments grouped by project, one line each with a status circle.

    `status` is the filter the user asked for, only to say so in the title and when empty.
    `unreachable` names the platforms that did not answer: said, so that their absence is
    never read as "no environments there".
    """
    where = f" with status {code(status)}" if status else ""
    down = (
        [context(f":warning: Could not reach {', '.join(code(n) for n in unreachable)}.")]
        if unreachable
        else []
    )
    if not rows:
        return message(
            "No environments" + (f" with status {status}" if status else "") + ".",
            [section(f"No environments{where}."), *down],
        )
    groups: dict[str, tuple[Project, list[Environment]]] = {}
    for project, env in rows:
        groups.setdefault(project.id, (project, []))[1].append(env)
    budget = MAX_BLOCKS - 2 - len(down)  # the header, the note when something does not fit
    blocks: list[Block] = [header("Environments" + (f" ({status})" if status else ""))]
    shown = 0
    for project, envs in groups.values():
        lines = [f"*{escape(project.name)}*", *(_env_line(project, e) for e in envs)]
        for i, (text, count) in enumerate(pack_lines(lines)):
            if budget == 0:
                break
            blocks.append(section(text))
            budget -= 1
            shown += count - 1 if i == 0 else count
    if shown < len(rows):
        blocks.append(
            context(
                f"_…and {len(rows) - shown} more environments not shown. Narrow the list with "
                f"{code('/oec envs <project>')} or `--status`._"
            )
        )
    blocks.extend(down)
    return message(plural(len(rows), "environment") + (f" ({status})" if status else ""), blocks)


def _env_line(project: Project, env: Environment) -> str:
    label = f"{project.slug or project.name}/{env.name}"
    parts = [f"{env_emoji(env.status)} {code(label)} {escape(env.status)}"]
    if env.url:
        parts.append(link(env.url))
    if env.branch:
        parts.append(f"branch {code(env.branch)}")
    return " · ".join(parts)


def render_status(env: EnvRef, status: EnvironmentStatus, *, health: str | None = None) -> Message:
    """One environment's state, health checks and last deployment; `health` is one line of
    mrkdwn (the metrics summary after a completed deployment, or why there is none)."""
    url = status.url or env.url
    state = f"{env_emoji(status.status)} *{escape(status.status)}*"
    if url:
        state += f" · {link(url)}"
    fields = [
        f"*Container*\n{check(status.container_running)}",
        f"*Database*\n{check(status.db_ready)}",
        f"*HTTP*\n{check(status.http_ok)}",
        f"*Last deployment*\n{_last_deploy(status)}",
    ]
    notes = [f"Environment {code(env.env_id)}"]
    if env.env_type:
        notes.append(f"type {escape(env.env_type)}")
    details = _host_details(status)
    return message(
        f"{env.label}: {status.status}",
        [
            header(env.label),
            section(state, fields=fields),
            *details,
            *([context(health)] if health else []),
            context(*notes),
        ],
    )


def _host_details(status: EnvironmentStatus) -> list[Block]:
    """Lines only its host reports (oCore's health and health score), as the host wrote them."""
    if not isinstance(status, DetailedStatus) or not status.details:
        return []
    return [section("\n".join(escape(line) for line in status.details))]


def _last_deploy(status: EnvironmentStatus) -> str:
    last = status.last_deploy
    if last is None:
        return "none yet"
    text = f"{task_emoji(last.status)} {task_word(last.status)} {code(last.id)}"
    when = last.completed_at or last.started_at
    return f"{text}\n{slack_date(when)}" if when else text


def _a(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"
