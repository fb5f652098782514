"""The client's count of calls reaching an environment's server: 6 in any 60 s (§9.2)."""

from __future__ import annotations

import pytest

from oec_chatops.oec.target_limit import TargetBudget


def test_six_a_sliding_minute_per_environment() -> None:
    budget = TargetBudget()
    assert [budget.reserve("e1", now=t) for t in (0, 1, 2, 3, 4, 5)] == [0.0] * 6
    assert budget.reserve("e1", now=10) == 50.0  # until the first call is a minute old
    assert budget.reserve("e2", now=10) == 0.0
    assert budget.reserve("e1", now=60) == 0.0
    assert budget.reserve("e1", now=60.5) == 0.5  # the call at 1 s frees a slot at 61 s


def test_a_refusal_from_oec_sh_blocks_until_its_retry_after() -> None:
    budget = TargetBudget()
    budget.block("e1", until=30)
    assert budget.reserve("e1", now=5) == 25.0
    assert budget.reserve("e1", now=30) == 0.0


def test_a_refused_call_takes_no_slot() -> None:
    budget = TargetBudget(limit=1)
    assert budget.reserve("e1", now=0) == 0.0
    for t in range(1, 59):
        assert budget.reserve("e1", now=t) > 0
    assert budget.reserve("e1", now=60) == 0.0


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="limit"):
        TargetBudget(limit=0)
