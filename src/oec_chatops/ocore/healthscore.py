"""The health score in words: grade, score and the three weakest factors. Pure.

`/oec status` on an oCore instance shows this (issue 14 item 2). "Weakest" is the lowest
factor score; between equal scores the heavier weight comes first (it costs more), then the
name, so the choice never depends on the order oCore listed them in.
"""

from __future__ import annotations

from datetime import UTC

from oec_chatops.ocore.models import HealthFactor, HealthScore

WEAKEST_SHOWN = 3


def weakest_factors(score: HealthScore, count: int = WEAKEST_SHOWN) -> list[HealthFactor]:
    return sorted(score.factors, key=lambda f: (f.score, -(f.weight or 0.0), f.name))[:count]


def format_health_score(score: HealthScore) -> list[str]:
    """Lines of plain text: the headline, then one line per weak factor with its details."""
    grade = score.grade or "no grade"
    value = f"{_number(score.score)}/100" if score.score is not None else "no score"
    headline = f"Health score: {grade} ({value})"
    if score.computed_at is not None:
        at = score.computed_at
        at = at.astimezone(UTC) if at.tzinfo is not None else at
        headline += f", computed {at.strftime('%Y-%m-%d %H:%M UTC')}"
    lines = [headline]
    weakest = weakest_factors(score)
    if weakest:
        lines.append("Weakest factors:")
    for factor in weakest:
        detail = f": {factor.details}" if factor.details else ""
        lines.append(f"• {factor.name} {_number(factor.score)}{detail}")
    return lines


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
