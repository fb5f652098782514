"""Why an answer did not fit its model, said without echoing a value (it may be a secret)."""

from __future__ import annotations

from pydantic import ValidationError


def contract_problems(exc: ValidationError, *, most: int = 5) -> str:
    """`loc: type` of the first `most` validation errors, e.g. `items.0.id: missing`."""
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['type']}"
        for err in exc.errors()[:most]
    )
