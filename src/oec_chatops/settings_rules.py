"""Range rules for the frozen settings dataclasses of the platform clients and simulators.

Why shared: five settings classes (oec.sh, oCore and deployERP simulators, the oCore and
deployERP clients) refuse the same kinds of values at construction, with the same sentence
naming the class and field; one rule each keeps those sentences alike. Pure: they only read
attributes and raise `ValueError`.
"""

from __future__ import annotations


def at_least_one(settings: object, *names: str) -> None:
    """Refuse a count below 1 (`<Class>.<name> must be at least 1.`)."""
    for name in names:
        if getattr(settings, name) < 1:
            raise ValueError(f"{type(settings).__name__}.{name} must be at least 1.")


def positive(settings: object, *names: str) -> None:
    """Refuse a duration or size that is zero or negative (`... must be positive.`)."""
    for name in names:
        if getattr(settings, name) <= 0:
            raise ValueError(f"{type(settings).__name__}.{name} must be positive.")


def not_negative(settings: object, *names: str) -> None:
    """Refuse a delay, skew or count below zero (`... must not be negative.`)."""
    for name in names:
        if getattr(settings, name) < 0:
            raise ValueError(f"{type(settings).__name__}.{name} must not be negative.")
