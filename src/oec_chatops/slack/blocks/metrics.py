"""Environment metrics in Slack: CPU and memory of Odoo and PostgreSQL, the disk split, small
text bars, and when it was measured. Pure.

Metrics are a snapshot of the customer's server, so the time they were queried is always shown:
a figure without its time reads as "now" long after it stopped being true. Block Kit has no
charts; ten-cell bars in inline code line up in every client. CPU can pass 100 % on several
cores: the bar stops at full, the figure is shown as oec.sh gave it.
"""

from __future__ import annotations

from oec_chatops.domain import EnvRef
from oec_chatops.oec.ops_models import ContainerMetrics, DiskMetrics, EnvironmentMetrics
from oec_chatops.slack.blocks.backups import human_size
from oec_chatops.slack.blocks.kit import (
    Block,
    Message,
    code,
    context,
    escape,
    header,
    message,
    section,
    slack_date,
)
from oec_chatops.slack.blocks.statuses import BAR_EMPTY, BAR_FULL, BAR_WIDTH

GIB = 1024**3


def meter(percent: float | None, width: int = BAR_WIDTH) -> str:
    """`▓▓▓░░░░░░░` for 30 %, in inline code; `░` only when the figure is unknown."""
    if percent is None:
        return f"`{BAR_EMPTY * width}`"
    full = int(max(0.0, min(100.0, percent)) * width // 100)
    return f"`{BAR_FULL * full}{BAR_EMPTY * (width - full)}`"


def _pct(percent: float | None) -> str:
    return "n/a" if percent is None else f"{percent:.0f}%"


def _container(name: str, c: ContainerMetrics | None) -> str:
    if c is None:
        return f"*{name}* · not running"
    state = f" · {escape(c.status)}" if c.status else ""
    memory = _pct(c.memory_share)
    if c.memory_used_bytes is not None and c.memory_limit_bytes:
        used, limit = human_size(c.memory_used_bytes), human_size(c.memory_limit_bytes)
        memory += f" ({used} of {limit})"
    return (
        f"*{name}*{state}\n"
        f"CPU     {meter(c.cpu_percent)} {_pct(c.cpu_percent)}\n"
        f"Memory {meter(c.memory_share)} {memory}"
    )


def _disk(d: DiskMetrics | None) -> str:
    if d is None:
        return "*Disk* · not measured"
    allocated = d.allocated_gb * GIB if d.allocated_gb else None
    used = d.used_bytes
    head = "*Disk*"
    if used is not None:
        head += f" · {human_size(used)} used"
        if allocated:
            head += f" of {d.allocated_gb:g} GB ({100 * used / allocated:.0f}%)"
    lines = [head]
    for label, size in (
        ("Database ", d.database_bytes),
        ("Filestore", d.filestore_bytes),
        ("Addons   ", d.addons_bytes),
    ):
        share = 100 * size / allocated if size is not None and allocated else None
        lines.append(f"{label} {meter(share)} {human_size(size)}")
    return "\n".join(lines)


def render_metrics(env: EnvRef, m: EnvironmentMetrics) -> Message:
    """The metrics of one environment, with the time they were queried."""
    blocks: list[Block] = [
        header(f"Metrics of {env.label}"),
        section(_container("Odoo", m.odoo)),
        section(_container("PostgreSQL", m.postgres)),
        section(_disk(m.disk)),
    ]
    notes = [code(env.label) + (f" is {escape(m.status)}" if m.status else "")]
    if m.queried_at:
        notes.append(f"queried {slack_date(m.queried_at)}")
    if m.disk and m.disk.measured_at:
        notes.append(f"disk measured {slack_date(m.disk.measured_at)}")
    blocks.append(context(*notes))
    return message(f"Metrics of {env.label}: {health_summary(m)}", blocks)


def health_summary(m: EnvironmentMetrics) -> str:
    """One line for `/oec status`: `Odoo CPU 23% mem 41% · PostgreSQL CPU 5% mem 30% · disk 26%`."""
    parts = []
    for name, c in (("Odoo", m.odoo), ("PostgreSQL", m.postgres)):
        if c is None:
            parts.append(f"{name} not running")
        else:
            parts.append(f"{name} CPU {_pct(c.cpu_percent)} mem {_pct(c.memory_share)}")
    d = m.disk
    if d is not None and d.used_bytes is not None and d.allocated_gb:
        parts.append(
            f"disk {100 * d.used_bytes / (d.allocated_gb * GIB):.0f}% of {d.allocated_gb:g} GB"
        )
    return " · ".join(parts)


def health_line(m: EnvironmentMetrics) -> str:
    """`/oec status`'s line after a completed deployment: the summary and when it was read."""
    when = f" · queried {slack_date(m.queried_at)}" if m.queried_at else ""
    return f":stethoscope: Health since the last deployment: {health_summary(m)}{when}"
