"""What every simulator gateway does first with a request: write it into the request log.

Why shared: tests assert on the log of all three simulators the same way (method, path, query,
idempotency headers, which auth header, decoded body; never a key), so the entry is made by
one function.
"""

from __future__ import annotations

from starlette.requests import Request

from oec_chatops.simkit.requestlog import RequestEntry, RequestLog, decode_body


async def log_request(
    log: RequestLog,
    request: Request,
    *,
    at: str | None,
    auth_header: str | None,
    x_idempotency: bool = False,
) -> tuple[RequestEntry, bytes]:
    """Record the request (its tier is filled in once the key is accepted); return its body.

    `auth_header` names the header that carried the credential, never its value.
    `x_idempotency`: whether the platform has an `X-Idempotency-Key` header worth recording.
    """
    raw = await request.body()
    entry = log.add(
        at=at,
        method=request.method,
        path=request.url.path,
        query=dict(request.query_params),
        idempotency_key=request.headers.get("idempotency-key"),
        x_idempotency_key=request.headers.get("x-idempotency-key") if x_idempotency else None,
        auth_header=auth_header,
        tier=None,
        body=decode_body(raw),
    )
    return entry, raw


def bearer_header(request: Request) -> str | None:
    """`"authorization"` when the request carried that header, else None (for the log)."""
    return "authorization" if "authorization" in request.headers else None
