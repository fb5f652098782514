"""The health score in words: grade, score, the three weakest factors with their details."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from oec_chatops.ocore import HealthFactor, HealthScore, format_health_score, weakest_factors


def _score(*factors: tuple[str, float, float, str | None]) -> HealthScore:
    return HealthScore(
        score=72.5,
        grade="C",
        computed_at=datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
        factors=[HealthFactor(name=n, score=s, weight=w, details=d) for n, s, w, d in factors],
    )


def test_grade_score_and_the_three_weakest_factors_with_details() -> None:
    score = _score(
        ("uptime", 99, 0.3, "99% over 30 days"),
        ("backups", 40, 0.25, "last backup 3 days ago"),
        ("ssl", 55.5, 0.15, "expires in 9 days"),
        ("updates", 60, 0.15, None),
        ("resources", 90, 0.15, "normal"),
    )
    assert format_health_score(score) == [
        "Health score: C (72.5/100), computed 2026-01-02 03:04 UTC",
        "Weakest factors:",
        "• backups 40: last backup 3 days ago",
        "• ssl 55.5: expires in 9 days",
        "• updates 60",
    ]


def test_equal_scores_put_the_heavier_weight_first_whatever_the_order_given() -> None:
    score = _score(
        ("a", 50, 0.1, None), ("b", 50, 0.4, None), ("c", 50, 0.2, None), ("d", 80, 1, None)
    )
    assert [f.name for f in weakest_factors(score)] == ["b", "c", "a"]
    reordered = score.model_copy(update={"factors": list(reversed(score.factors))})
    assert [f.name for f in weakest_factors(reordered)] == ["b", "c", "a"]


def test_missing_parts_are_said_and_other_time_zones_shown_in_utc() -> None:
    eastern = datetime(2026, 1, 2, 5, 4, tzinfo=timezone(timedelta(hours=2)))
    bare = HealthScore(computed_at=eastern)
    assert format_health_score(bare) == [
        "Health score: no grade (no score), computed 2026-01-02 03:04 UTC"
    ]


def test_the_camel_case_answer_parses() -> None:
    score = HealthScore.model_validate(
        {
            "score": 81,
            "grade": "B",
            "computedAt": "2026-01-02T03:04:00Z",
            "factors": [{"name": "ssl", "score": 10, "weight": 0.2, "weighted": 2, "details": "x"}],
            "extra": "ignored",
        }
    )
    assert (
        format_health_score(score)[0] == "Health score: B (81/100), computed 2026-01-02 03:04 UTC"
    )
    assert format_health_score(score)[2] == "• ssl 10: x"
