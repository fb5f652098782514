"""How one oCore simulator behaves: the tokens it accepts and how long actions take.

Tokens are kept out of `repr()`. Each configured token must verify against `signing_secret`
(`ocore_sim.jwt.mint_token` makes them), checked at construction so a mistyped token fails at
start, not as a puzzling 401 later.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from oec_chatops.ocore_sim.jwt import DEFAULT_SIGNING_SECRET, verify
from oec_chatops.settings_rules import positive


@dataclass(frozen=True, slots=True)
class OcoreSimSettings:
    """`start_seconds`, `stop_seconds`, `restart_seconds`: time on the injected clock from the
    accepted control call to the settled status (`running` / `stopped`)."""

    tokens: tuple[str, ...] = field(default=(), repr=False)
    signing_secret: str = field(default=DEFAULT_SIGNING_SECRET, repr=False)
    start_seconds: float = 4.0
    stop_seconds: float = 3.0
    restart_seconds: float = 6.0
    seed: bool = True

    def __post_init__(self) -> None:
        for position, token in enumerate(self.tokens):
            if verify(token, secret=self.signing_secret) is None:
                raise ValueError(
                    f"OcoreSimSettings.tokens[{position}] is not a JWT signed with the "
                    "simulator's signing secret (make one with ocore_sim.jwt.mint_token)."
                )
        positive(self, "start_seconds", "stop_seconds", "restart_seconds")
