"""Reading a 2xx answer into a model: the one place an answer that fits no contract shape
becomes an `OecContractError`, for `OecClient` and `Operations` alike.

Errors name the fields that did not fit and the keys that were there, never values: an answer
can carry a secret (a created webhook's signing secret).
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from oec_chatops.httpapi.answers import contract_problems
from oec_chatops.oec.errors import OecContractError
from oec_chatops.oec.session import ApiSession, Call

M = TypeVar("M", bound=BaseModel)


async def send_json(session: ApiSession, call: Call) -> tuple[Any, str]:
    """The decoded body of a 2xx answer, and the request id it was sent with."""
    response = await session.send(call)
    request_id = response.request.headers.get("x-request-id", "")
    try:
        return response.json(), request_id
    except ValueError as exc:
        raise OecContractError(
            f"oec.sh answered {call.endpoint} with HTTP {response.status_code} and a body "
            "that is not JSON.",
            endpoint=call.endpoint,
            request_id=request_id,
        ) from exc


def parse_answer(model: type[M], body: Any, endpoint: str, request_id: str) -> M:
    """Validate an answer; on failure name the fields, never echo values (they may be secrets)."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        problems = contract_problems(exc)
        keys = ", ".join(sorted(map(str, body))) if isinstance(body, dict) else type(body).__name__
        raise OecContractError(
            f"oec.sh answered {endpoint} with a {model.__name__} that does not fit the contract "
            f"({problems}; keys: {keys}).",
            endpoint=endpoint,
            request_id=request_id,
        ) from exc
