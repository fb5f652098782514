"""`90s`, `30m`, `2h`, `1d`, `1h30m`: the one way people write a length of time to the bot.

Its own module because the policy file (`expires`, `[[freeze]] duration`) and the command line
(`/oec freeze ... for 2h`) read the same words, and the grammar may not import the policy.
"""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")


def parse_duration(text: str) -> timedelta:
    """`90s`, `30m`, `2h`, `1d` or a combination such as `1h30m`; ValueError otherwise."""
    m = _DURATION.fullmatch(text.strip().lower())
    if not text.strip() or m is None:
        raise ValueError(f"not a duration: {text!r}")
    days, hours, minutes, seconds = (int(g) if g else 0 for g in m.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
